"""Python client for Trainyard's GraphQL API (standard library only)."""

from .client import Artifact, Client, Job, Run
from .errors import (
    Forbidden,
    InvalidState,
    JobCancelled,
    NotFound,
    ServiceUnavailable,
    TrainyardError,
    TransportError,
    Unauthenticated,
    ValidationFailed,
)

__all__ = [
    "Artifact",
    "Client",
    "Forbidden",
    "InvalidState",
    "Job",
    "JobCancelled",
    "NotFound",
    "Run",
    "ServiceUnavailable",
    "TrainyardError",
    "TransportError",
    "Unauthenticated",
    "ValidationFailed",
]
__version__ = "0.1.0"
