"""Typed errors: each carries the GraphQL error `code` (stable, safe to match on)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Type


class TrainyardError(Exception):
    """An error answered by Trainyard. `code` is the GraphQL error code, e.g. ``VALIDATION``."""

    code: str = "ERROR"

    def __init_subclass__(cls, code: Optional[str] = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code

    def __init__(self, message: str, code: Optional[str] = None, field_errors: Optional[List[Dict[str, str]]] = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field_errors: List[Dict[str, str]] = field_errors or []


class NotFound(TrainyardError, code="NOT_FOUND"):
    """No such job, deployment or token."""


class ValidationFailed(TrainyardError, code="VALIDATION"):
    """The input broke a rule; `field_errors` says which field."""


class InvalidState(TrainyardError, code="INVALID_STATE"):
    """The object is not in a state that allows this."""


class JobCancelled(InvalidState):
    """The job is no longer running for this trainer (cancelled in the console, or finished): stop training."""


class Forbidden(TrainyardError, code="FORBIDDEN"):
    """The token lacks the scope."""


class Unauthenticated(Forbidden, code="UNAUTHENTICATED"):
    """No token, or a malformed, unknown, expired or revoked one."""


class ServiceUnavailable(TrainyardError, code="SERVICE_UNAVAILABLE"):
    """Trainyard (or its database) is unavailable; raised after the retries ran out."""


class TransportError(TrainyardError, code="TRANSPORT"):
    """The request did not get a GraphQL answer (HTTP error, unreadable body)."""


_BY_CODE: Dict[str, Type[TrainyardError]] = {
    cls.code: cls for cls in (NotFound, ValidationFailed, InvalidState, Forbidden, Unauthenticated, ServiceUnavailable)
}


def error_for(code: Optional[str], message: str, field_errors: Optional[List[Dict[str, Any]]] = None) -> TrainyardError:
    cls = _BY_CODE.get(code or "", TrainyardError)
    return cls(message, code or "ERROR", field_errors)
