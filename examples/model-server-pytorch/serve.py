#!/usr/bin/env python3
"""Reference model server: serves an artifact written by examples/trainer-pytorch over HTTP.

    /usr/bin/python3 examples/model-server-pytorch/serve.py --artifact /abs/path/model.pt --port 8081

GET  /health                     {"status": "ok", "model": …, "sha256": …}
POST /predict (also /v1/predict, /v1/completions)
     {"prompt": "Trainyard ", "max_tokens": 32, "temperature": 0}  →  {"completion": "…", "model": …, "latency_ms": …}

Bad requests get 400 with {"error": …}; unknown paths 404. It is the upstream of a deployment
behind Trainyard's inference gateway, which measures the latency the deployment's metrics show.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PREDICT_PATHS = {"/predict", "/v1/predict", "/v1/completions"}
MAX_BODY = 64 * 1024
MAX_TOKENS = 256


class Model:
    def __init__(self, path: Path) -> None:
        import torch

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "trainer-pytorch"))
        from train import build_model  # the architecture the trainer saved

        self.torch = torch
        self.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
        checkpoint = torch.load(path, map_location="cpu")
        self.vocab: str = checkpoint["vocab"]
        self.context: int = checkpoint["context"]
        self.name: str = checkpoint.get("model_name", path.stem)
        self.index = {c: i for i, c in enumerate(self.vocab)}
        self.model = build_model(torch, len(self.vocab), embed=checkpoint.get("embed", 16), hidden=checkpoint.get("hidden", 96))
        self.model.load_state_dict(checkpoint["state_dict"])
        self.model.eval()
        self.lock = threading.Lock()  # one generation at a time: the model is tiny, the CPU is shared

    def complete(self, prompt: str, max_tokens: int, temperature: float, seed: int) -> str:
        torch = self.torch
        pad = len(self.vocab)
        ids = [self.index.get(c, self.index.get(" ", 0)) for c in prompt]
        generator = torch.Generator().manual_seed(seed)
        out = []
        with self.lock, torch.no_grad():
            for _ in range(max_tokens):
                ctx = ([pad] * self.context + ids)[-self.context:]
                logits = self.model(torch.tensor([ctx]))[0]
                if temperature <= 0:
                    nxt = int(torch.argmax(logits))
                else:
                    nxt = int(torch.multinomial(torch.softmax(logits / temperature, dim=0), 1, generator=generator))
                ids.append(nxt)
                out.append(self.vocab[nxt])
        return "".join(out)


def make_handler(model: Model):
    class Handler(BaseHTTPRequestHandler):
        server_version = "trainyard-model-server/0.1"

        def log_message(self, *args: object) -> None:
            pass

        def reply(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.split("?")[0] in ("/health", "/healthz"):
                return self.reply(200, {"status": "ok", "model": model.name, "sha256": model.sha256, "vocab": len(model.vocab)})
            self.reply(404, {"error": f"no route {self.path}"})

        def do_POST(self) -> None:
            if self.path.split("?")[0] not in PREDICT_PATHS:
                return self.reply(404, {"error": f"no route {self.path}"})
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                return self.reply(413, {"error": f"body over {MAX_BODY} bytes"})
            try:
                body = json.loads(self.rfile.read(length) or b"{}")
                prompt = body.get("prompt", "")
                max_tokens = int(body.get("max_tokens", 32))
                temperature = float(body.get("temperature", 0))
                seed = int(body.get("seed", 0))
                if not isinstance(prompt, str) or not 0 < max_tokens <= MAX_TOKENS or not 0 <= temperature <= 5:
                    raise ValueError
            except (ValueError, TypeError, AttributeError):
                return self.reply(400, {"error": f"send JSON {{\"prompt\": string, \"max_tokens\": 1..{MAX_TOKENS}, \"temperature\": 0..5}}"})
            started = time.perf_counter()
            completion = model.complete(prompt, max_tokens, temperature, seed)
            self.reply(200, {"completion": completion, "model": model.name, "latency_ms": round((time.perf_counter() - started) * 1000, 2)})

    return Handler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--artifact", required=True, help="path (or file:// URI) of model.pt written by the trainer")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--host", default="127.0.0.1")
    args = parser.parse_args()
    path = Path(args.artifact[len("file://"):] if args.artifact.startswith("file://") else args.artifact)
    try:
        model = Model(path)
    except ImportError:
        print("serve.py needs PyTorch: apt-get install -y python3-torch, then run it with /usr/bin/python3", file=sys.stderr)
        return 2
    server = ThreadingHTTPServer((args.host, args.port), make_handler(model))
    print(f"[serve] {model.name} (sha256 {model.sha256[:12]}…) on http://{args.host}:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
