import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
// The worker registry first: executor.ts and index.ts import each other.
import "../../graphql/workers/index.ts";
import { systemActor, type Actor } from "../../graphql/context.ts";
import { executorTick } from "../../graphql/workers/executor.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { executorOptions } from "../services/executor-fixtures.ts";

let t: TestDatabase;
let artifactDir: string;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  artifactDir = await mkdtemp(path.join(tmpdir(), "trainyard-artifacts-"));
});
afterAll(async () => {
  await t.drop();
  await rm(artifactDir, { recursive: true, force: true });
});
beforeEach(async () => {
  await t.db.prisma.trainingJob.updateMany({ where: { status: { in: ["QUEUED", "RUNNING"] } }, data: { status: "CANCELLED" } });
});

const trainer: Actor = { ...systemActor("cpu-box token"), kind: "TOKEN", scopes: new Set(["train", "read"]) };
const TINY = "trainyard-tiny-char-lm";

const CREATE = `mutation ($input: CreateTrainingJobInput!) { createTrainingJob(input: $input) { ... on CreateTrainingJobSuccess { job { id } } ... on Error { code message } } }`;
const CLAIM = `mutation ($w: String!, $m: [ID!]) { claimTrainingJob(workerName: $w, baseModelIds: $m) {
  __typename ... on ClaimTrainingJobSuccess { claim { job { id baseModel { id } trainer events { message } } } } ... on Error { code message } } }`;
const REPORT = `mutation ($id: ID!, $w: String) { reportTrainingProgress(jobId: $id, step: 1, epoch: 0.1, trainLoss: 3.2, learningRate: 0.001, workerName: $w) {
  __typename ... on Error { code message } } }`;
const COMPLETE = `mutation ($id: ID!, $artifact: ArtifactInput, $metrics: [EvalMetricInput!], $w: String, $outcome: TrainingOutcome! = COMPLETE) {
  completeTrainingJob(jobId: $id, outcome: $outcome, artifact: $artifact, evalMetrics: $metrics, workerName: $w) {
    __typename
    ... on CompleteTrainingJobSuccess { job { status trainer artifact { uri format sizeBytes sha256 } evalMetrics { name value } events { message } } }
    ... on ValidationError { code message fieldErrors { path message } }
    ... on Error { code message }
  } }`;

async function queue(modelName: string, baseModelId = TINY, datasetId = "trainyard-docs-corpus") {
  const r = await query(t.db, CREATE, { input: { baseModelId, datasetId, modelName, epochs: 1, warmupSteps: 1 } });
  return r.createTrainingJob.job.id as string;
}

const goodArtifact = { uri: "file:///srv/models/tiny/model.pt", format: "PYTORCH", sizeBytes: 123_456, sha256: "0123456789abcdef".repeat(4) };

describe("claimTrainingJob(baseModelIds)", () => {
  test("a trainer takes only the base models it can run, even when an older job waits for another", async () => {
    const other = await queue("llama-job", "llama-3.2-1b-instruct", "contract-clauses");
    const tiny = await queue("tiny-job");
    const r = await query(t.db, CLAIM, { w: "cpu-box", m: [TINY] }, trainer);
    expect(r.claimTrainingJob.claim.job).toMatchObject({ id: tiny, baseModel: { id: TINY }, trainer: "REAL" });
    expect(r.claimTrainingJob.claim.job.events.map((e: { message: string }) => e.message)).toContain("Claimed by trainer cpu-box");
    expect((await query(t.db, CLAIM, { w: "cpu-box", m: [TINY] }, trainer)).claimTrainingJob.claim.job).toBeNull();
    expect((await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: other } })).status).toBe("QUEUED");
  });

  test("unknown base models or an empty list are VALIDATION and claim nothing", async () => {
    const id = await queue("tiny-unclaimed");
    for (const m of [["no-such-model"], []]) {
      const r = await query(t.db, CLAIM, { w: "cpu-box", m }, trainer);
      expect(r.claimTrainingJob).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
    }
    expect((await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id } })).status).toBe("QUEUED");
  });
});

describe("completeTrainingJob(artifact, evalMetrics)", () => {
  test("COMPLETE stores the artifact and eval metrics with the job; the job is REAL and filterable", async () => {
    const id = await queue("tiny-complete");
    await query(t.db, CLAIM, { w: "cpu-box", m: [TINY] }, trainer);
    const metrics = [{ name: "eval_loss", value: 1.42 }, { name: "accuracy", value: 0.61 }];
    const r = await query(t.db, COMPLETE, { id, artifact: { ...goodArtifact, sha256: goodArtifact.sha256.toUpperCase() }, metrics, w: "cpu-box" }, trainer);
    expect(r.completeTrainingJob.job).toMatchObject({
      status: "COMPLETE",
      trainer: "REAL",
      artifact: { ...goodArtifact, sha256: goodArtifact.sha256 },
      evalMetrics: [{ name: "accuracy", value: 0.61 }, { name: "eval_loss", value: 1.42 }],
    });
    expect(r.completeTrainingJob.job.events.at(-1).message).toMatch(/^Training complete: artifact file:\/\/\/srv\/models\/tiny\/model.pt \(121 KiB, sha256 0123456789ab…\)$/);
    const real = await query(t.db, `{ trainingJobs(filter: { trainer: REAL }, first: 100) { totalCount nodes { id trainer } } }`);
    expect(real.trainingJobs.nodes.map((n: { id: string }) => n.id)).toContain(id);
    expect(real.trainingJobs.nodes.every((n: { trainer: string }) => n.trainer === "REAL")).toBe(true);
    const sim = await query(t.db, `{ trainingJobs(filter: { trainer: SIMULATED }, first: 100) { totalCount nodes { id trainer } } }`);
    expect(sim.trainingJobs.totalCount).toBeGreaterThan(0);
    expect(sim.trainingJobs.nodes.every((n: { trainer: string }) => n.trainer === "SIMULATED")).toBe(true);
    expect(sim.trainingJobs.nodes.map((n: { id: string }) => n.id)).not.toContain(id);
  });

  const bad: Array<[string, Record<string, unknown> | null, string, RegExp]> = [
    ["no artifact", null, "artifact", /needs its artifact/],
    ["a relative file path", { uri: "file:model.pt" }, "artifact.uri", /absolute path/],
    ["a host in a file URI", { uri: "file://server/models/x.pt" }, "artifact.uri", /absolute path/],
    ["an unsupported scheme", { uri: "ftp://host/x.pt" }, "artifact.uri", /not supported/],
    ["not a URI", { uri: "model.pt" }, "artifact.uri", /absolute URI/],
    ["a short sha256", { sha256: "abc" }, "artifact.sha256", /64 hexadecimal/],
    ["a zero size", { sizeBytes: 0 }, "artifact.sizeBytes", /at least 1/],
    ["a fractional size", { sizeBytes: 10.5 }, "artifact.sizeBytes", /whole number/],
    ["an absurd size", { sizeBytes: 1e14 }, "artifact.sizeBytes", /10 TiB/],
  ];
  for (const [index, [what, change, pathName, message]] of bad.entries()) {
    test(`${what} is VALIDATION naming ${pathName}; the job stays RUNNING with no artifact`, async () => {
      const id = await queue(`tiny-bad-artifact-${index}`);
      await query(t.db, CLAIM, { w: "cpu-box", m: [TINY] }, trainer);
      const r = await query(t.db, COMPLETE, { id, artifact: change === null ? null : { ...goodArtifact, ...change } }, trainer);
      expect(r.completeTrainingJob).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
      expect(r.completeTrainingJob.fieldErrors).toContainEqual({ path: pathName, message: expect.stringMatching(message) });
      expect((await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");
      expect(await t.db.prisma.artifact.count({ where: { jobId: id } })).toBe(0);
    });
  }

  test("duplicate or badly named eval metrics are VALIDATION", async () => {
    const id = await queue("tiny-bad-metrics");
    await query(t.db, CLAIM, { w: "cpu-box", m: [TINY] }, trainer);
    for (const metrics of [[{ name: "loss", value: 1 }, { name: "loss", value: 2 }], [{ name: "9 bad name", value: 1 }]]) {
      const r = await query(t.db, COMPLETE, { id, artifact: goodArtifact, metrics }, trainer);
      expect(r.completeTrainingJob).toMatchObject({ __typename: "ValidationError" });
    }
    expect(await t.db.prisma.artifact.count({ where: { jobId: id } })).toBe(0);
  });

  test("a trainer reporting or completing a job it does not hold is INVALID_STATE and writes nothing", async () => {
    const id = await queue("tiny-held");
    await query(t.db, CLAIM, { w: "cpu-box", m: [TINY] }, trainer);
    const report = await query(t.db, REPORT, { id, w: "other-box" }, trainer);
    expect(report.reportTrainingProgress).toMatchObject({ __typename: "InvalidStateError", message: expect.stringMatching(/held by trainer cpu-box, not by trainer other-box/) });
    const done = await query(t.db, COMPLETE, { id, artifact: goodArtifact, w: "other-box" }, trainer);
    expect(done.completeTrainingJob).toMatchObject({ __typename: "InvalidStateError" });
    expect(await t.db.prisma.trainingMetricPoint.count({ where: { jobId: id } })).toBe(0);
    expect(await t.db.prisma.artifact.count({ where: { jobId: id } })).toBe(0);
    expect((await query(t.db, REPORT, { id, w: "cpu-box" }, trainer)).reportTrainingProgress.__typename).toBe("ReportTrainingProgressSuccess");
  });
});

describe("the simulated trainer", () => {

  test("says it is a simulation, leaves Tiny jobs to real trainers, and completes with a real placeholder file", async () => {
    const tiny = await queue("tiny-for-real");
    const sim = await queue("simulated-run", "llama-3.2-1b-instruct", "contract-clauses");
    const start = Date.now();
    for (let tick = 1; tick <= 6; tick++) await executorTick(t.db.prisma, executorOptions("sim-test", { artifactDir }), new Date(start + tick * 1000));
    expect((await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: tiny } })).status).toBe("QUEUED");

    const r = await query(t.db, `query ($id: ID!) { trainingJob(id: $id) { status trainer claimedBy artifact { uri format sizeBytes sha256 } evalMetrics { name value } events { message } } }`, { id: sim });
    const job = r.trainingJob;
    expect(job).toMatchObject({ status: "COMPLETE", trainer: "SIMULATED", artifact: { format: "OTHER" } });
    const messages: string[] = job.events.map((e: { message: string }) => e.message);
    expect(messages.join("\n")).not.toMatch(/loading base model weights|checkpoint saved|adapter saved/);
    expect(messages).toContainEqual(expect.stringMatching(/^Claimed by simulated trainer sim-test: a simulation that loads no model and trains nothing/));
    expect(messages.at(-1)).toMatch(/^Simulated training complete: synthetic final train loss [\d.]+, eval loss [\d.]+; placeholder artifact \(not weights\) file:\/\//);
    expect(job.evalMetrics.map((m: { name: string }) => m.name)).toEqual(["eval_loss"]);

    // The artifact is a real file under the artifact directory: its size and sha256 are the file's.
    const file = fileURLToPath(job.artifact.uri);
    expect(file.startsWith(artifactDir)).toBe(true);
    const bytes = await readFile(file);
    expect(job.artifact.sizeBytes).toBe(bytes.length);
    expect(job.artifact.sha256).toBe(createHash("sha256").update(bytes).digest("hex"));
    expect(bytes.subarray(0, 48).toString()).toMatch(/^TRAINYARD SIMULATED ARTIFACT: not model weights/);
  });

  test("the catalog has the Tiny base model and its dataset", async () => {
    const r = await query(t.db, `{ baseModels(filter: { search: "Tiny" }, first: 10) { nodes { id name parametersBillions } } }`);
    expect(r.baseModels.nodes).toContainEqual({ id: TINY, name: "Trainyard Tiny Char LM", parametersBillions: 0.000035 });
  });
});

test("deployments say whether what they serve was trained for real, and filter on it", async () => {
  const all = await query(t.db, `{ deployments(first: 100) { totalCount nodes { trainer simulatedTraffic } } }`);
  const sim = await query(t.db, `{ deployments(filter: { trainer: SIMULATED }, first: 100) { totalCount nodes { trainer } } }`);
  const real = await query(t.db, `{ deployments(filter: { trainer: REAL }, first: 100) { totalCount nodes { trainer } } }`);
  // The seeded deployments serve the demo history's jobs, which the simulated trainer ran.
  expect(sim.deployments.totalCount).toBeGreaterThan(0);
  expect(sim.deployments.nodes.every((n: { trainer: string }) => n.trainer === "SIMULATED")).toBe(true);
  expect(real.deployments.nodes.every((n: { trainer: string }) => n.trainer === "REAL")).toBe(true);
  expect(sim.deployments.totalCount + real.deployments.totalCount).toBe(all.deployments.nodes.filter((n: { trainer: string | null }) => n.trainer !== null).length);
  // No traffic simulator ran in this test: nothing is marked as simulated traffic.
  expect(all.deployments.nodes.every((n: { simulatedTraffic: boolean }) => n.simulatedTraffic === false)).toBe(true);
});
