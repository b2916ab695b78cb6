#!/usr/bin/env python3
"""Reference trainer: claims a Trainyard job for the Tiny base model and really trains it.

A character-level MLP language model (about 35K parameters) learns Trainyard's own docs
(data/corpus.txt, shipped here) on CPU with PyTorch from Debian's python3-torch. It reports real
train loss, held-out eval loss and the learning rate every --log-every steps, stops within one
step when the job is cancelled, saves a real artifact (model.pt) with its sha256, and completes
the job with it.

    TRAINYARD_URL=http://localhost:3000 TRAINYARD_TOKEN=ty_... /usr/bin/python3 examples/trainer-pytorch/train.py [--loop]
"""

from __future__ import annotations

import argparse
import math
import os
import socket
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent / "clients" / "python" / "src"))  # the client, when not pip-installed

from trainyard import Artifact, Client, JobCancelled  # noqa: E402

TINY = "trainyard-tiny-char-lm"
CORPUS = HERE / "data" / "corpus.txt"
ROW_CHARS = 32  # the dataset's rows: rowCount in the catalog = len(corpus) // 32
TARGETS_PER_ROW = 8  # each step predicts the last 8 characters of each row in the batch
CONTEXT = 16


def build_model(torch, vocab_size: int, embed: int = 16, hidden: int = 96):
    nn = torch.nn

    class CharMLP(nn.Module):
        """Predicts the next character from the previous CONTEXT characters."""

        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Embedding(vocab_size + 1, embed)  # +1: padding before the text starts
            self.hidden = nn.Linear(CONTEXT * embed, hidden)
            self.out = nn.Linear(hidden, vocab_size)

        def forward(self, x):
            h = self.embed(x).flatten(1)
            return self.out(torch.tanh(self.hidden(h)))

    return CharMLP()


def windows(torch, ids, starts, pad: int, targets: int = TARGETS_PER_ROW):
    """(contexts, targets) for the last `targets` positions of the ROW_CHARS-long rows starting at `starts`."""
    padded = torch.cat([torch.full((CONTEXT,), pad, dtype=torch.long), ids])
    pos = (starts.unsqueeze(1) + torch.arange(ROW_CHARS - targets, ROW_CHARS).unsqueeze(0)).flatten()  # target positions
    ctx = torch.stack([padded[pos + k] for k in range(CONTEXT)], dim=1)  # padded[pos + k] = ids[pos + k - CONTEXT]
    return ctx, ids[pos]


def lr_at(step: int, total: int, warmup: int, peak: float) -> float:
    if warmup > 0 and step <= warmup:
        return peak * step / warmup
    progress = (step - warmup) / max(1, total - warmup)
    return peak * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, progress))))


class CancelWatch:
    """Polls the job's status every second in the background, so the loop can stop within one step."""

    def __init__(self, client: Client, job_id: str, worker: str) -> None:
        self.stopped = threading.Event()
        self.reason = ""
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._poll, args=(client, job_id, worker), daemon=True)
        self._thread.start()

    def _poll(self, client: Client, job_id: str, worker: str) -> None:
        while not self._done.wait(1.0):
            try:
                job = client.query("query ($id: ID!) { trainingJob(id: $id) { status claimedBy } }", {"id": job_id})["trainingJob"]
            except Exception:  # a blip: the next report will tell
                continue
            if job is None or job["status"] != "RUNNING" or job["claimedBy"] != worker:
                self.reason = f"the job is {(job or {}).get('status', 'gone').lower()}"
                self.stopped.set()
                return

    def close(self) -> None:
        self._done.set()


def train(client: Client, job, worker: str, args) -> None:
    import torch

    torch.manual_seed(job.seed)
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    text = CORPUS.read_text(encoding="ascii", errors="replace")
    vocab = sorted(set(text))
    index = {c: i for i, c in enumerate(vocab)}
    ids = torch.tensor([index[c] for c in text], dtype=torch.long)
    rows = len(text) // ROW_CHARS
    starts = torch.randperm(rows, generator=torch.Generator().manual_seed(job.seed)) * ROW_CHARS
    held_out = max(1, rows // 10)
    eval_starts, train_starts = starts[:held_out], starts[held_out:]
    eval_x, eval_y = windows(torch, ids, eval_starts, len(vocab), targets=ROW_CHARS)

    model = build_model(torch, len(vocab))
    peak = job.learning_rate * args.lr_scale
    optimizer = torch.optim.AdamW(model.parameters(), lr=peak, weight_decay=0.01)
    loss_fn = torch.nn.functional.cross_entropy
    total = job.total_steps
    warmup = min(job.warmup_steps, total - 1)
    print(f"[train] job {job.id} ({job.model_name}): {total} steps, batch {job.batch_size} rows, peak lr {peak:g}, "
          f"{sum(p.numel() for p in model.parameters()):,} parameters", flush=True)

    watch = CancelWatch(client, job.id, worker)
    started = time.time()
    try:
        with client.run(job, worker_name=worker) as run:
            generator = torch.Generator().manual_seed(job.seed + 1)
            eval_loss = None
            for step in range(1, total + 1):
                if watch.stopped.is_set():
                    raise JobCancelled(f"Stopped at step {step}: {watch.reason}")
                lr = lr_at(step, total, warmup, peak)
                for group in optimizer.param_groups:
                    group["lr"] = lr
                batch = train_starts[torch.randint(len(train_starts), (job.batch_size,), generator=generator)]
                x, y = windows(torch, ids, batch, len(vocab))
                loss = loss_fn(model(x), y)
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                if step % args.log_every == 0 or step == total:
                    evaluate = step % (args.log_every * args.eval_every) == 0 or step == total
                    if evaluate:
                        with torch.no_grad():
                            eval_loss = float(loss_fn(model(eval_x), eval_y))
                    run.log(step, loss=float(loss), lr=lr, eval_loss=eval_loss if evaluate else None)
            out = Path(args.out).resolve() / job.id
            out.mkdir(parents=True, exist_ok=True)
            path = out / "model.pt"
            torch.save({"state_dict": model.state_dict(), "vocab": "".join(vocab), "context": CONTEXT,
                        "embed": model.embed.embedding_dim, "hidden": model.hidden.out_features,
                        "job_id": job.id, "model_name": job.model_name, "eval_loss": eval_loss}, path)
            artifact = Artifact.from_file(path, format="PYTORCH")
            seconds = time.time() - started
            run.complete(
                artifact=artifact,
                eval_metrics={"eval_loss": eval_loss, "perplexity": math.exp(eval_loss), "train_seconds": round(seconds, 2)},
                message=f"Trained {total} steps on CPU in {seconds:.1f} s: eval loss {eval_loss:.3f}; artifact {artifact.uri} (sha256 {artifact.sha256[:12]}…)",
            )
            print(f"[train] job {job.id} complete in {seconds:.1f} s: eval loss {eval_loss:.3f}, artifact {artifact.uri}", flush=True)
    finally:
        watch.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--loop", action="store_true", help="keep claiming jobs (otherwise: one job, then exit)")
    parser.add_argument("--worker", default=f"pytorch-{socket.gethostname()}-{os.getpid()}", help="the name this trainer claims jobs under")
    parser.add_argument("--out", default=os.environ.get("TRAINYARD_ARTIFACT_DIR", str(HERE / "artifacts")), help="where artifacts are written")
    parser.add_argument("--log-every", type=int, default=10, help="report train loss and lr every N steps")
    parser.add_argument("--eval-every", type=int, default=2, help="…and eval loss every N reports")
    parser.add_argument("--lr-scale", type=float, default=25.0, help="peak lr = the job's learning rate × this (the job's is a fine-tuning rate; this model trains from scratch)")
    parser.add_argument("--poll", type=float, default=5.0, help="seconds between claims when the queue is empty (--loop)")
    args = parser.parse_args()

    try:
        import torch  # noqa: F401
    except ImportError:
        print("train.py needs PyTorch: apt-get install -y python3-torch, then run it with /usr/bin/python3", file=sys.stderr)
        return 2
    client = Client(os.environ.get("TRAINYARD_URL"), os.environ.get("TRAINYARD_TOKEN"))
    while True:
        job = client.claim(args.worker, base_model_ids=[TINY])
        if job is None:
            if not args.loop:
                print(f"[train] no queued job for {TINY}", flush=True)
                return 0
            time.sleep(args.poll)
            continue
        try:
            train(client, job, args.worker, args)
        except JobCancelled as e:
            print(f"[train] job {job.id} stopped: {e}", flush=True)
        if not args.loop:
            return 0


if __name__ == "__main__":
    sys.exit(main())
