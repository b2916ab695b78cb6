"""The client: GraphQL over HTTP with typed errors, retries, and trainer helpers."""

from __future__ import annotations

import hashlib
import json
import os
import random
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any, Dict, List, Mapping, Optional, Sequence, Type, Union

from .errors import JobCancelled, ServiceUnavailable, TrainyardError, TransportError, error_for

JOB_FIELDS = """id modelName status claimedBy totalSteps currentStep epochs learningRate batchSize loraRank warmupSteps seed
  baseModel { id name } dataset { id rowCount }"""

CLAIM = f"""mutation Claim($w: String!, $m: [ID!]) {{ claimTrainingJob(workerName: $w, baseModelIds: $m) {{
  __typename ... on ClaimTrainingJobSuccess {{ claim {{ job {{ {JOB_FIELDS} }} }} }}
  ... on ValidationError {{ fieldErrors {{ path message }} }} ... on Error {{ code message }} }} }}"""
REPORT = """mutation Report($id: ID!, $step: Int!, $epoch: Float!, $loss: Float!, $eval: Float, $lr: Float!, $w: String) {
  reportTrainingProgress(jobId: $id, step: $step, epoch: $epoch, trainLoss: $loss, evalLoss: $eval, learningRate: $lr, workerName: $w) {
  __typename ... on ValidationError { fieldErrors { path message } } ... on Error { code message } } }"""
COMPLETE = """mutation Complete($id: ID!, $outcome: TrainingOutcome!, $message: String, $artifact: ArtifactInput, $metrics: [EvalMetricInput!], $w: String) {
  completeTrainingJob(jobId: $id, outcome: $outcome, message: $message, artifact: $artifact, evalMetrics: $metrics, workerName: $w) {
  __typename ... on CompleteTrainingJobSuccess { job { id status } }
  ... on ValidationError { fieldErrors { path message } } ... on Error { code message } } }"""

RETRY_HTTP_STATUS = {502, 503, 504}


@dataclass(frozen=True)
class Job:
    """A claimed training job (the fields a trainer needs; `raw` has everything the server sent)."""

    id: str
    model_name: str
    total_steps: int
    epochs: int
    learning_rate: float
    batch_size: int
    warmup_steps: int
    seed: int
    base_model_id: str
    dataset_id: str
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)

    @classmethod
    def from_graphql(cls, j: Mapping[str, Any]) -> "Job":
        return cls(
            id=j["id"],
            model_name=j["modelName"],
            total_steps=int(j["totalSteps"]),
            epochs=int(j["epochs"]),
            learning_rate=float(j["learningRate"]),
            batch_size=int(j["batchSize"]),
            warmup_steps=int(j["warmupSteps"]),
            seed=int(j["seed"]),
            base_model_id=j["baseModel"]["id"],
            dataset_id=j["dataset"]["id"],
            raw=j,
        )


@dataclass(frozen=True)
class Artifact:
    """What a job produced: `uri` (absolute), `format` (SAFETENSORS, GGUF, ONNX, PYTORCH, OTHER), exact size and sha256."""

    uri: str
    format: str
    size_bytes: int
    sha256: str

    @classmethod
    def from_file(cls, path: Union[str, "os.PathLike[str]"], format: str = "OTHER") -> "Artifact":
        p = Path(path).resolve()
        digest = hashlib.sha256()
        with p.open("rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        return cls(uri=p.as_uri(), format=format, size_bytes=p.stat().st_size, sha256=digest.hexdigest())

    def to_graphql(self) -> Dict[str, Any]:
        return {"uri": self.uri, "format": self.format, "sizeBytes": self.size_bytes, "sha256": self.sha256}


class Client:
    """`Client(url, token)`: `query`/`mutate` GraphQL documents; `claim` and `run` for trainers."""

    def __init__(
        self,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        timeout: float = 30.0,
        retries: int = 4,
        backoff: float = 0.5,
        max_backoff: float = 10.0,
    ) -> None:
        base = (url or os.environ.get("TRAINYARD_URL") or "http://localhost:3000").rstrip("/")
        self.endpoint = base if base.endswith("/graphql") else base + "/graphql"
        self.token = token if token is not None else os.environ.get("TRAINYARD_TOKEN") or None
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.max_backoff = max_backoff

    # -- GraphQL ---------------------------------------------------------------------------------

    def query(self, document: str, variables: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """Runs a query; returns `data`. A top-level GraphQL error raises the error type of its code."""
        return self._execute(document, variables)

    def mutate(self, document: str, variables: Optional[Mapping[str, Any]] = None) -> Dict[str, Any]:
        """Runs a mutation; returns `data`. A result-union error (a field with `code`) raises the matching error type."""
        data = self._execute(document, variables)
        for value in data.values():
            if isinstance(value, dict) and isinstance(value.get("code"), str) and "message" in value:
                raise error_for(value["code"], value["message"], value.get("fieldErrors"))
        return data

    def _execute(self, document: str, variables: Optional[Mapping[str, Any]]) -> Dict[str, Any]:
        body = json.dumps({"query": document, "variables": dict(variables or {})}).encode()
        headers = {"content-type": "application/json", "accept": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        attempt = 0
        while True:
            try:
                payload = self._post(body, headers)
                errors = payload.get("errors") or []
                if errors:
                    first = errors[0]
                    code = (first.get("extensions") or {}).get("code")
                    raise error_for(code, first.get("message", "GraphQL error"))
                data = payload.get("data")
                if not isinstance(data, dict):
                    raise TransportError("The answer carried no data")
                return data
            except ServiceUnavailable:
                if attempt >= self.retries:
                    raise
            attempt += 1
            delay = min(self.max_backoff, self.backoff * (2 ** (attempt - 1)))
            time.sleep(delay * (0.5 + random.random() / 2))

    def _post(self, body: bytes, headers: Dict[str, str]) -> Dict[str, Any]:
        request = urllib.request.Request(self.endpoint, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                raw = response.read()
        except urllib.error.HTTPError as e:
            text = e.read()
            if e.code in RETRY_HTTP_STATUS:
                raise ServiceUnavailable(f"HTTP {e.code} from {self.endpoint}") from None
            try:
                return json.loads(text)  # GraphQL errors may come with a 4xx status
            except ValueError:
                raise TransportError(f"HTTP {e.code} from {self.endpoint}: {text[:200]!r}", "TRANSPORT") from None
        except (urllib.error.URLError, ConnectionError, TimeoutError) as e:
            raise ServiceUnavailable(f"Cannot reach {self.endpoint}: {getattr(e, 'reason', e)}") from None
        try:
            parsed = json.loads(raw)
        except ValueError:
            raise TransportError(f"Unreadable answer from {self.endpoint}: {raw[:200]!r}") from None
        if not isinstance(parsed, dict):
            raise TransportError("The answer is not a GraphQL response")
        return parsed

    # -- trainer helpers -------------------------------------------------------------------------

    def claim(self, worker_name: str, base_model_ids: Optional[Sequence[str]] = None) -> Optional[Job]:
        """Takes the oldest queued job (of these base models, if given) for `worker_name`; None when there is none."""
        data = self.mutate(CLAIM, {"w": worker_name, "m": list(base_model_ids) if base_model_ids else None})
        job = data["claimTrainingJob"]["claim"]["job"]
        return Job.from_graphql(job) if job else None

    def run(self, job: Job, worker_name: Optional[str] = None) -> "Run":
        """A context manager for one claimed job: `log` progress, then `complete`; an exception in the block fails the job."""
        name = worker_name or job.raw.get("claimedBy") or _claimed_by(self, job.id)
        return Run(self, job, name)


def _claimed_by(client: Client, job_id: str) -> Optional[str]:
    data = client.query("query ($id: ID!) { trainingJob(id: $id) { claimedBy } }", {"id": job_id})
    job = data.get("trainingJob") or {}
    return job.get("claimedBy")


class Run:
    """Progress reporting for one job. `log` raises `JobCancelled` when the job stops running."""

    def __init__(self, client: Client, job: Job, worker_name: Optional[str]) -> None:
        self.client = client
        self.job = job
        self.worker_name = worker_name
        self.finished = False
        self.last_step = 0

    def __enter__(self) -> "Run":
        return self

    def log(self, step: int, *, loss: float, lr: float, eval_loss: Optional[float] = None, epoch: Optional[float] = None) -> None:
        if epoch is None:
            epoch = round(step * self.job.epochs / max(1, self.job.total_steps), 4)
        try:
            self.client.mutate(
                REPORT,
                {"id": self.job.id, "step": int(step), "epoch": float(epoch), "loss": float(loss), "eval": None if eval_loss is None else float(eval_loss), "lr": float(lr), "w": self.worker_name},
            )
        except TrainyardError as e:
            if e.code == "INVALID_STATE":
                self.finished = True
                raise JobCancelled(e.message, "INVALID_STATE") from None
            raise
        self.last_step = max(self.last_step, int(step))

    def complete(self, artifact: Union[Artifact, Mapping[str, Any]], eval_metrics: Optional[Mapping[str, float]] = None, message: Optional[str] = None) -> Dict[str, Any]:
        art = artifact.to_graphql() if isinstance(artifact, Artifact) else dict(artifact)
        metrics: List[Dict[str, Any]] = [{"name": k, "value": float(v)} for k, v in (eval_metrics or {}).items()]
        data = self.client.mutate(COMPLETE, {"id": self.job.id, "outcome": "COMPLETE", "message": message, "artifact": art, "metrics": metrics or None, "w": self.worker_name})
        self.finished = True
        return data["completeTrainingJob"]["job"]

    def fail(self, message: str) -> None:
        try:
            self.client.mutate(COMPLETE, {"id": self.job.id, "outcome": "FAILED", "message": message[:2000], "w": self.worker_name})
        except TrainyardError as e:
            if e.code != "INVALID_STATE":
                raise
        self.finished = True

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], tb: Optional[TracebackType]) -> bool:
        if self.finished or isinstance(exc, JobCancelled):
            return False
        if exc is not None:
            self.fail(f"{exc_type.__name__ if exc_type else 'Error'}: {exc}")
        else:
            self.fail("The trainer left the run without completing the job")
        return False
