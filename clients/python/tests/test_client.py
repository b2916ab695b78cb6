"""The client against a running Trainyard (TRAINYARD_URL, TRAINYARD_TOKEN with train+read, TRAINYARD_READ_TOKEN)."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import tempfile
import threading
import unittest
import urllib.request

from trainyard import Artifact, Client, Forbidden, JobCancelled, ServiceUnavailable, TrainyardError, Unauthenticated, ValidationFailed

URL = os.environ.get("TRAINYARD_URL", "")
TOKEN = os.environ.get("TRAINYARD_TOKEN", "")
READ_TOKEN = os.environ.get("TRAINYARD_READ_TOKEN", "")
TINY = "trainyard-tiny-char-lm"

CREATE = """mutation ($input: CreateTrainingJobInput!) { createTrainingJob(input: $input) {
  ... on CreateTrainingJobSuccess { job { id totalSteps } } ... on Error { code message } } }"""
JOB = """query ($id: ID!) { trainingJob(id: $id) { status errorMessage trainer claimedBy currentStep trainLoss
  artifact { uri sha256 sizeBytes format } evalMetrics { name value } } }"""


@unittest.skipUnless(URL and TOKEN, "needs TRAINYARD_URL and TRAINYARD_TOKEN (run through tests/integrations/python-client.test.ts)")
class ClientTest(unittest.TestCase):
    def setUp(self) -> None:
        self.client = Client(URL, TOKEN, backoff=0.05)

    def queue(self, name: str) -> str:
        data = self.client.mutate(CREATE, {"input": {"baseModelId": TINY, "datasetId": "trainyard-docs-corpus", "modelName": name, "epochs": 1, "warmupSteps": 1}})
        return data["createTrainingJob"]["job"]["id"]

    def queue_and_claim(self, name: str, worker: str):
        """A job queued for the tiny model and claimed by `worker`: the start of every run below."""
        job_id = self.queue(name)
        job = self.client.claim(worker, base_model_ids=[TINY])
        assert job is not None and job.id == job_id
        return job_id, job

    def job(self, job_id: str) -> dict:
        return self.client.query(JOB, {"id": job_id})["trainingJob"]

    def test_query_and_typed_errors(self) -> None:
        data = self.client.query("{ baseModels(filter: { search: \"Tiny\" }) { nodes { id } } }")
        self.assertIn({"id": TINY}, data["baseModels"]["nodes"])
        with self.assertRaises(Unauthenticated) as bad:
            Client(URL, "ty_not_a_real_token").claim("py-nobody")
        self.assertEqual(bad.exception.code, "UNAUTHENTICATED")
        if READ_TOKEN:
            with self.assertRaises(Forbidden) as forbidden:
                Client(URL, READ_TOKEN).claim("py-reader")
            self.assertEqual(forbidden.exception.code, "FORBIDDEN")
        with self.assertRaises(ValidationFailed) as invalid:
            self.client.claim("builtin:sneaky")
        self.assertEqual(invalid.exception.code, "VALIDATION")
        with self.assertRaises(TrainyardError):
            self.client.query("{ noSuchField }")

    def test_claim_log_complete_with_artifact(self) -> None:
        job_id, job = self.queue_and_claim("py-complete", "py-worker-1")
        self.assertIsNotNone(job)
        assert job is not None
        self.assertEqual(job.id, job_id)
        self.assertEqual(job.base_model_id, TINY)
        with tempfile.NamedTemporaryFile(suffix=".pt", delete=False) as f:
            f.write(b"weights" * 1000)
        artifact = Artifact.from_file(f.name, format="PYTORCH")
        self.assertEqual(artifact.sha256, hashlib.sha256(b"weights" * 1000).hexdigest())
        self.assertTrue(artifact.uri.startswith("file:///"))
        with self.client.run(job) as run:
            run.log(1, loss=3.5, lr=1e-3)
            run.log(2, loss=3.1, lr=1e-3, eval_loss=3.2)
            with self.assertRaises(ValidationFailed) as bad:
                run.complete(artifact={"uri": "model.pt", "format": "PYTORCH", "sizeBytes": 1, "sha256": "x"})
            self.assertIn("artifact.uri", [e["path"] for e in bad.exception.field_errors])
            run.complete(artifact=artifact, eval_metrics={"eval_loss": 3.2})
        done = self.job(job_id)
        self.assertEqual(done["status"], "COMPLETE")
        self.assertEqual(done["trainer"], "REAL")
        self.assertEqual(done["currentStep"], 2)
        self.assertEqual(done["artifact"], {"uri": artifact.uri, "sha256": artifact.sha256, "sizeBytes": 7000, "format": "PYTORCH"})
        self.assertEqual(done["evalMetrics"], [{"name": "eval_loss", "value": 3.2}])

    def test_cancellation_is_an_exception(self) -> None:
        job_id, job = self.queue_and_claim("py-cancel", "py-worker-2")
        with self.assertRaises(JobCancelled):
            with self.client.run(job) as run:
                run.log(1, loss=3.0, lr=1e-3)
                self.client.mutate("mutation ($id: ID!) { cancelTrainingJob(id: $id) { __typename ... on Error { code message } } }", {"id": job_id})
                run.log(2, loss=2.9, lr=1e-3)
        self.assertEqual(self.job(job_id)["status"], "CANCELLED")

    def test_an_exception_in_the_run_fails_the_job_with_its_message(self) -> None:
        job_id, job = self.queue_and_claim("py-crash", "py-worker-3")
        with self.assertRaises(RuntimeError):
            with self.client.run(job) as run:
                run.log(1, loss=3.0, lr=1e-3)
                raise RuntimeError("CUDA error: device-side assert triggered")
        done = self.job(job_id)
        self.assertEqual(done["status"], "FAILED")
        self.assertEqual(done["errorMessage"], "RuntimeError: CUDA error: device-side assert triggered")

    def test_retries_with_backoff_on_service_unavailable(self) -> None:
        proxy = FlakyProxy(URL, failures=[503, "SERVICE_UNAVAILABLE", 502])
        try:
            client = Client(proxy.url, TOKEN, backoff=0.01)
            data = client.query("{ baseModels(first: 1) { totalCount } }")
            self.assertGreater(data["baseModels"]["totalCount"], 0)
            self.assertEqual(proxy.requests, 4)
            proxy.failures = [503, 503, 503]
            with self.assertRaises(ServiceUnavailable):
                Client(proxy.url, TOKEN, backoff=0.01, retries=2).query("{ baseModels(first: 1) { totalCount } }")
        finally:
            proxy.close()


class FlakyProxy:
    """Answers the first requests with the given failures (an HTTP status or a GraphQL error code), then forwards to Trainyard."""

    def __init__(self, target: str, failures: list) -> None:
        self.failures = list(failures)
        self.requests = 0
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_POST(self) -> None:
                outer.requests += 1
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                if outer.failures:
                    failure = outer.failures.pop(0)
                    if isinstance(failure, int):
                        self.send_response(failure)
                        self.end_headers()
                        self.wfile.write(b"busy")
                        return
                    payload = json.dumps({"errors": [{"message": "database unavailable", "extensions": {"code": failure}}]}).encode()
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                req = urllib.request.Request(target.rstrip("/") + "/graphql", data=body, method="POST", headers={k: v for k, v in self.headers.items() if k.lower() in ("content-type", "authorization")})
                with urllib.request.urlopen(req) as upstream:
                    data = upstream.read()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(data)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


if __name__ == "__main__":
    unittest.main()
