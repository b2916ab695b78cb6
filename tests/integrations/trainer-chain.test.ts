import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTokenFromConsole } from "../setup/cli.ts";
import { startServer, type TestServer } from "../setup/server.ts";
import { PYTHON } from "./python.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const torchCheck = spawnSync(PYTHON, ["-c", "import torch"], { encoding: "utf8" });
const HAS_TORCH = torchCheck.status === 0;
if (!HAS_TORCH) {
  console.warn(
    `[trainer-chain] SKIPPED: ${PYTHON} cannot import torch (${(torchCheck.stderr || torchCheck.error?.message || "").trim().split("\n").at(-1)}). ` +
      "Install it with `apt-get install -y python3-torch` (.ci/run does) to run the real trainer and model server.",
  );
}

let server: TestServer;
let token: string;
let artifactDir: string;
const children: ChildProcess[] = [];
beforeAll(async () => {
  if (!HAS_TORCH) return;
  server = await startServer({ env: { TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" } });
  token = await createTokenFromConsole(server.url, "cpu-trainer", ["TRAIN", "READ", "DEPLOY"]);
  artifactDir = await mkdtemp(path.join(tmpdir(), "trainyard-artifacts-"));
}, 120_000);
afterAll(async () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
  await server?.stop();
  if (artifactDir) await rm(artifactDir, { recursive: true, force: true });
});

async function gql(query: string, variables: Record<string, unknown> = {}) {
  const r = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await r.json()) as { data: any; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data;
}

async function queueTiny(modelName: string, epochs: number) {
  const data = await gql(
    `mutation ($input: CreateTrainingJobInput!) { createTrainingJob(input: $input) { ... on CreateTrainingJobSuccess { job { id totalSteps } } ... on Error { message } } }`,
    { input: { baseModelId: "trainyard-tiny-char-lm", datasetId: "trainyard-docs-corpus", modelName, epochs, warmupSteps: 10 } },
  );
  return data.createTrainingJob.job as { id: string; totalSteps: number };
}

function start(args: string[], env: Record<string, string> = {}) {
  const child = spawn(PYTHON, args, {
    cwd: ROOT,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", TRAINYARD_URL: server.url, TRAINYARD_TOKEN: token, TRAINYARD_ARTIFACT_DIR: artifactDir, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { child, output: () => output, exited };
}

const JOB = `query ($id: ID!) { trainingJob(id: $id) { status trainer claimedBy currentStep totalSteps errorMessage
  artifact { uri format sizeBytes sha256 } evalMetrics { name value } curve { step trainLoss evalLoss learningRate } events { message } } }`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });

test.skipIf(!HAS_TORCH)("a Tiny job is really trained by the PyTorch trainer, completes with its artifact, is served by the model server and measured through the gateway", async () => {
  const job = await queueTiny("tiny-docs", 3);
  expect(job.totalSteps).toBe(243); // 1,292 rows ÷ 16 → 81 steps × 3 epochs
  const trainer = start(["examples/trainer-pytorch/train.py"]);
  expect(await trainer.exited, trainer.output()).toBe(0);

  const done = (await gql(JOB, { id: job.id })).trainingJob;
  expect(done).toMatchObject({ status: "COMPLETE", trainer: "REAL", currentStep: 243, artifact: { format: "PYTORCH" } });
  // Real figures: reported every 10 steps, train loss falls, eval loss and the lr schedule are there.
  const curve = done.curve as Array<{ step: number; trainLoss: number; evalLoss: number | null; learningRate: number }>;
  expect(curve.length).toBeGreaterThanOrEqual(24);
  expect(curve.at(-1)!.trainLoss).toBeLessThan(curve[0]!.trainLoss * 0.85);
  expect(curve.filter((p) => p.evalLoss !== null).length).toBeGreaterThanOrEqual(12);
  expect(Math.max(...curve.map((p) => p.learningRate))).toBeGreaterThan(curve.at(-1)!.learningRate);
  const metrics = Object.fromEntries((done.evalMetrics as Array<{ name: string; value: number }>).map((m) => [m.name, m.value]));
  expect(metrics.eval_loss).toBeLessThan(Math.log(96)); // better than guessing among the corpus' characters
  expect(metrics.train_seconds).toBeLessThan(60);

  // The artifact is the file on disk: absolute file:// URI, size and sha256 of its bytes.
  expect(done.artifact.uri).toMatch(/^file:\/\/\//);
  const file = fileURLToPath(done.artifact.uri);
  const bytes = await readFile(file);
  expect(done.artifact.sizeBytes).toBe(bytes.length);
  expect(done.artifact.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));

  // The reference model server loads that artifact and answers over HTTP.
  const port = await freePort();
  const serve = start(["examples/model-server-pytorch/serve.py", "--artifact", file, "--port", String(port)]);
  const base = `http://127.0.0.1:${port}`;
  await expect
    .poll(async () => (await fetch(`${base}/health`).catch(() => null))?.status ?? 0, { timeout: 60_000, interval: 500 })
    .toBe(200);
  const health = await (await fetch(`${base}/health`)).json();
  expect(health).toMatchObject({ status: "ok", model: "tiny-docs", sha256: done.artifact.sha256 });
  const prediction = await fetch(`${base}/predict`, { method: "POST", body: JSON.stringify({ prompt: "The deployment ", max_tokens: 24 }) });
  expect(prediction.status).toBe(200);
  expect((await prediction.json()).completion).toHaveLength(24);
  expect((await fetch(`${base}/predict`, { method: "POST", body: "{nope" })).status).toBe(400);

  // Deployed with that model server as its upstream: ACTIVE by its health checks, then real requests
  // through the gateway, whose latencies land in the deployment's metrics.
  const deployed = await gql(
    `mutation ($jobId: ID!, $upstreamUrl: String) { deployJob(jobId: $jobId, upstreamUrl: $upstreamUrl) {
      __typename ... on DeployJobSuccess { deployment { id version } } ... on Error { message } } }`,
    { jobId: job.id, upstreamUrl: base },
  );
  expect(deployed.deployJob.__typename, JSON.stringify(deployed)).toBe("DeployJobSuccess");
  const { id: deploymentId, version } = deployed.deployJob.deployment as { id: string; version: string };
  const DEPLOYMENT = `query ($id: ID!) { deployment(id: $id) { status simulated artifact { sha256 }
    metrics(window: LAST_15_MINUTES) { requestCount p50LatencyMs p99LatencyMs errorRate } } }`;
  const deployment = async () => (await gql(DEPLOYMENT, { id: deploymentId })).deployment;
  await expect.poll(async () => (await deployment()).status, { timeout: 90_000, interval: 500 }).toBe("ACTIVE");
  const invoke = await createTokenFromConsole(server.url, "chain-caller", ["INVOKE"]);
  const viaGateway = `${server.url}/v1/models/tiny-docs/versions/${version}`;
  const headers = { authorization: `Bearer ${invoke}`, "content-type": "application/json" };
  // The gateway learns new tokens and routes within its refresh interval.
  await expect.poll(async () => (await fetch(`${viaGateway}/health`, { headers })).status, { timeout: 30_000, interval: 300 }).toBe(200);
  // The warm-up requests are counted too: take the baseline once the count has stopped moving (the gateway
  // flushes every second; a loaded machine can take longer).
  let baseline = -1;
  for (let previous = -2, tries = 0; baseline !== previous && tries < 20; tries++) {
    previous = baseline;
    await new Promise((r) => setTimeout(r, 2_000));
    baseline = (await deployment()).metrics.requestCount as number;
  }
  const clientMs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const started = performance.now();
    const r = await fetch(`${viaGateway}/predict`, { method: "POST", headers, body: JSON.stringify({ prompt: "The job ", max_tokens: 8 }) });
    expect(r.status).toBe(200);
    expect((await r.json()).completion).toHaveLength(8);
    clientMs.push(performance.now() - started);
  }
  await expect.poll(async () => (await deployment()).metrics.requestCount, { timeout: 20_000, interval: 250 }).toBe(baseline + 30);
  const served = await deployment();
  expect(served).toMatchObject({ status: "ACTIVE", simulated: false, artifact: { sha256: done.artifact.sha256 } });
  expect(served.metrics.errorRate).toBe(0);
  // Measured by the gateway, so never more than what the client saw (within the sketch's 1 % error). The
  // window also holds the few warm-up requests, so only the median is bounded by the 30 measured here.
  clientMs.sort((a, b) => a - b);
  expect(served.metrics.p50LatencyMs).toBeGreaterThan(0);
  expect(served.metrics.p50LatencyMs).toBeLessThanOrEqual(clientMs.at(-1)! * 1.02);
  expect(served.metrics.p99LatencyMs).toBeGreaterThanOrEqual(served.metrics.p50LatencyMs);
  serve.child.kill("SIGTERM");
  await serve.exited;
}, 360_000);

test.skipIf(!HAS_TORCH)("cancelling in the console stops the trainer within a step: no artifact, the job stays CANCELLED", async () => {
  const job = await queueTiny("tiny-cancel", 20);
  const trainer = start(["examples/trainer-pytorch/train.py", "--log-every", "5"]);
  await expect.poll(async () => (await gql(JOB, { id: job.id })).trainingJob.currentStep, { timeout: 90_000, interval: 300 }).toBeGreaterThan(0);
  await gql(`mutation ($id: ID!) { cancelTrainingJob(id: $id) { __typename } }`, { id: job.id });
  const cancelledAt = Date.now();
  expect(await trainer.exited, trainer.output()).toBe(0);
  expect(Date.now() - cancelledAt).toBeLessThan(15_000);
  expect(trainer.output()).toMatch(/stopped/);
  const after = (await gql(JOB, { id: job.id })).trainingJob;
  expect(after).toMatchObject({ status: "CANCELLED", artifact: null });
  expect(after.currentStep).toBeLessThan(after.totalSteps);
}, 180_000);
