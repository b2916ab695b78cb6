import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { systemActor, type Actor } from "../../graphql/context.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const CREATE = `mutation ($input: CreateTrainingJobInput!) {
  createTrainingJob(input: $input) {
    __typename
    ... on CreateTrainingJobSuccess { job { id status modelName totalSteps epochs learningRate batchSize loraRank warmupSteps seed createdBy baseModel { id } dataset { id } events { level message } } }
    ... on ValidationError { code message fieldErrors { path message } }
    ... on Error { code message }
  }
}`;

const valid = {
  baseModelId: "llama-3.1-8b-instruct",
  datasetId: "support-tickets-2026q3",
  modelName: "support-assistant",
};

describe("createTrainingJob", () => {
  test("queues a job with the defaults, the computed step count, an event and an audit row", async () => {
    const data = await query(t.db, CREATE, { input: valid });
    const job = data.createTrainingJob.job;
    expect(data.createTrainingJob.__typename).toBe("CreateTrainingJobSuccess");
    // 48,312 rows at batch 16 → 3,020 steps per epoch, 3 epochs.
    expect(job).toMatchObject({ status: "QUEUED", epochs: 3, learningRate: 2e-4, batchSize: 16, loraRank: 16, warmupSteps: 100, seed: 42, totalSteps: 9060, createdBy: "console" });
    expect(job.events[0].message).toMatch(/^Job queued by console: 3 epochs, 9,060 steps/);
    const audit = await t.db.prisma.auditEvent.findFirst({ where: { action: "createTrainingJob", targetId: job.id } });
    expect(audit).toMatchObject({ outcome: "SUCCESS", actor: "console" });
  });

  const cases: Array<[string, Record<string, unknown>, RegExp]> = [
    ["baseModelId", { baseModelId: "no-such-model" }, /Unknown base model/],
    ["baseModelId", { baseModelId: "" }, /Choose a base model/],
    ["datasetId", { datasetId: "no-such-dataset" }, /Unknown dataset/],
    ["datasetId", { datasetId: "call-transcripts-en" }, /speech recognition data/],
    ["modelName", { modelName: "Support Assistant" }, /lowercase letters/],
    ["modelName", { modelName: "ab" }, /at least 3 characters/],
    ["modelName", { modelName: "a".repeat(49) }, /at most 48 characters/],
    ["modelName", { modelName: "bad--name" }, /single hyphens/],
    ["epochs", { epochs: 0 }, /Epochs must be at least 1/],
    ["epochs", { epochs: 21 }, /Epochs must be at most 20/],
    ["learningRate", { learningRate: 0 }, /Learning rate must be at least 1e-7/],
    ["learningRate", { learningRate: 0.5 }, /Learning rate must be at most 0.01/],
    ["batchSize", { batchSize: 0 }, /Batch size must be at least 1/],
    ["batchSize", { batchSize: 1024 }, /Batch size must be at most 512/],
    ["loraRank", { loraRank: 0 }, /LoRA rank must be at least 1/],
    ["loraRank", { loraRank: 512 }, /LoRA rank must be at most 256/],
    ["warmupSteps", { warmupSteps: -1 }, /Warm-up steps must be at least 0/],
    ["warmupSteps", { warmupSteps: 20_000 }, /at most 10,000/],
    ["warmupSteps", { datasetId: "contract-clauses", baseModelId: "mistral-7b-instruct-v0.3", epochs: 1, batchSize: 64, warmupSteps: 500 }, /fewer than the job's 62 total steps/],
    ["seed", { seed: -5 }, /Seed must be at least 0/],
  ];
  for (const [field, change, message] of cases) {
    test(`rejects a bad ${field} (${JSON.stringify(change)}) as VALIDATION naming the field, writing nothing`, async () => {
      const before = await t.db.prisma.trainingJob.count();
      const data = await query(t.db, CREATE, { input: { ...valid, ...change } });
      expect(data.createTrainingJob).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
      expect(data.createTrainingJob.fieldErrors).toEqual([{ path: `input.${field}`, message: expect.stringMatching(message) }]);
      expect(await t.db.prisma.trainingJob.count()).toBe(before);
    });
  }

  test("several bad fields are all listed at once", async () => {
    const data = await query(t.db, CREATE, { input: { ...valid, modelName: "X", epochs: 99, loraRank: 0 } });
    expect(data.createTrainingJob.fieldErrors.map((f: { path: string }) => f.path).sort()).toEqual(["input.epochs", "input.loraRank", "input.modelName"]);
  });

  test("a token without the train scope is FORBIDDEN", async () => {
    const reader: Actor = { ...systemActor("ci"), scopes: new Set(["read", "deploy"]) };
    const data = await query(t.db, CREATE, { input: valid }, reader);
    expect(data.createTrainingJob).toMatchObject({ __typename: "ForbiddenError", code: "FORBIDDEN" });
  });
});

test("retryTrainingJob clones a failed job's configuration, linked to it", async () => {
  const original = seedUuid("support-oom");
  const data = await query(
    t.db,
    `mutation ($id: ID!) { retryTrainingJob(id: $id) { __typename ... on RetryTrainingJobSuccess { job { id status batchSize loraRank retryOf { id } } } ... on Error { code } } }`,
    { id: original },
  );
  expect(data.retryTrainingJob.job).toMatchObject({ status: "QUEUED", batchSize: 64, loraRank: 64, retryOf: { id: original } });
  const again = await query(t.db, `mutation ($id: ID!) { retryTrainingJob(id: $id) { __typename ... on Error { code } } }`, { id: seedUuid("sql-v1") });
  expect(again.retryTrainingJob).toMatchObject({ __typename: "InvalidStateError", code: "INVALID_STATE" });
});

describe("external trainer API", () => {
  const trainer: Actor = { ...systemActor("gpu-box-3 token"), kind: "TOKEN", scopes: new Set(["train"]) };
  const CLAIM = `mutation ($w: String!) { claimTrainingJob(workerName: $w) { __typename ... on ClaimTrainingJobSuccess { claim { job { id status claimedBy totalSteps } } } ... on Error { code message } } }`;
  const REPORT = `mutation ($id: ID!, $step: Int!, $loss: Float!, $eval: Float) {
    reportTrainingProgress(jobId: $id, step: $step, epoch: 0.5, trainLoss: $loss, evalLoss: $eval, learningRate: 0.0001) {
      __typename ... on ReportTrainingProgressSuccess { job { currentStep trainLoss evalLoss } } ... on Error { code message }
    }
  }`;
  const COMPLETE = `mutation ($id: ID!, $outcome: TrainingOutcome!, $message: String, $artifact: ArtifactInput) {
    completeTrainingJob(jobId: $id, outcome: $outcome, message: $message, artifact: $artifact) { __typename ... on CompleteTrainingJobSuccess { job { status errorMessage progress } } ... on Error { code message } }
  }`;

  beforeEach(async () => {
    await t.db.prisma.trainingJob.updateMany({ where: { status: "QUEUED" }, data: { status: "CANCELLED" } });
  });

  test("claim → report (late and repeated steps) → complete; then reports are INVALID_STATE", async () => {
    const created = await query(t.db, CREATE, { input: { ...valid, datasetId: "contract-clauses", modelName: "external-run", epochs: 1, warmupSteps: 10 } });
    const id = created.createTrainingJob.job.id;

    const claim = await query(t.db, CLAIM, { w: "gpu-box-3" }, trainer);
    expect(claim.claimTrainingJob.claim.job).toMatchObject({ id, status: "RUNNING", claimedBy: "gpu-box-3" });
    const empty = await query(t.db, CLAIM, { w: "gpu-box-4" }, trainer);
    expect(empty.claimTrainingJob.claim.job).toBeNull();

    expect((await query(t.db, REPORT, { id, step: 20, loss: 2.1 }, trainer)).reportTrainingProgress.job).toMatchObject({ currentStep: 20, trainLoss: 2.1 });
    expect((await query(t.db, REPORT, { id, step: 40, loss: 1.8, eval: 1.9 }, trainer)).reportTrainingProgress.job).toMatchObject({ currentStep: 40, trainLoss: 1.8, evalLoss: 1.9 });
    // A late step fills in the curve without moving the job back.
    expect((await query(t.db, REPORT, { id, step: 30, loss: 1.95 }, trainer)).reportTrainingProgress.job).toMatchObject({ currentStep: 40, trainLoss: 1.8 });
    // A repeated step overwrites its point: one row per (job, step).
    await query(t.db, REPORT, { id, step: 40, loss: 1.75, eval: 1.9 }, trainer);
    const points = await t.db.prisma.trainingMetricPoint.findMany({ where: { jobId: id }, orderBy: { step: "asc" } });
    expect(points.map((p) => [p.step, p.trainLoss])).toEqual([
      [20, 2.1],
      [30, 1.95],
      [40, 1.75],
    ]);

    const beyond = await query(t.db, REPORT, { id, step: 9999, loss: 1 }, trainer);
    expect(beyond.reportTrainingProgress).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
    const failedWithoutReason = await query(t.db, COMPLETE, { id, outcome: "FAILED" }, trainer);
    expect(failedWithoutReason.completeTrainingJob).toMatchObject({ __typename: "ValidationError" });

    const artifact = { uri: "s3://models/external-run/adapter.safetensors", format: "SAFETENSORS", sizeBytes: 1024, sha256: "a".repeat(64) };
    const done = await query(t.db, COMPLETE, { id, outcome: "COMPLETE", message: "Early stopping: eval loss flat for 3 evals", artifact }, trainer);
    expect(done.completeTrainingJob.job).toMatchObject({ status: "COMPLETE", errorMessage: null, progress: 1 });

    const late = await query(t.db, REPORT, { id, step: 50, loss: 1.7 }, trainer);
    expect(late.reportTrainingProgress).toMatchObject({ __typename: "InvalidStateError", code: "INVALID_STATE" });
    const twice = await query(t.db, COMPLETE, { id, outcome: "FAILED", message: "oops" }, trainer);
    expect(twice.completeTrainingJob).toMatchObject({ __typename: "InvalidStateError" });
    expect(await t.db.prisma.trainingMetricPoint.count({ where: { jobId: id } })).toBe(3);
  });

  test("a report for a cancelled job is INVALID_STATE, so the trainer knows to stop", async () => {
    const created = await query(t.db, CREATE, { input: { ...valid, modelName: "to-stop" } });
    const id = created.createTrainingJob.job.id;
    await query(t.db, CLAIM, { w: "gpu-box-5" }, trainer);
    await query(t.db, `mutation ($id: ID!) { cancelTrainingJob(id: $id) { __typename } }`, { id });
    const r = await query(t.db, REPORT, { id, step: 10, loss: 2 }, trainer);
    expect(r.reportTrainingProgress).toMatchObject({ __typename: "InvalidStateError", message: expect.stringMatching(/cancelled/) });
  });

  test("a trainer must name itself; names reserved for the built-in executor are refused", async () => {
    for (const w of ["", "builtin:imposter"]) {
      const r = await query(t.db, CLAIM, { w }, trainer);
      expect(r.claimTrainingJob).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
    }
  });

  test("trainingEstimate gives the steps and the executor's duration for a configuration", async () => {
    const data = await query(t.db, `{ trainingEstimate(datasetId: "contract-clauses", batchSize: 16, epochs: 3) { totalSteps stepsPerEpoch estimatedSeconds } }`);
    expect(data.trainingEstimate).toMatchObject({ totalSteps: 735, stepsPerEpoch: 245 });
    expect(data.trainingEstimate.estimatedSeconds).toBeGreaterThan(0);
  });
});

test("curve thins a long run for charts, keeping the first and last points and the eval points", async () => {
  const created = await query(t.db, CREATE, { input: { ...valid, modelName: "long-run" } });
  const id = created.createTrainingJob.job.id;
  // A trainer that reported every step of 9,000, with an eval every 100 steps.
  await t.db.prisma.trainingMetricPoint.createMany({
    data: Array.from({ length: 9000 }, (_, i) => ({
      jobId: id,
      step: i + 1,
      epoch: (i + 1) / 3020,
      trainLoss: 3 - i / 4000,
      evalLoss: (i + 1) % 100 === 0 ? 3.1 - i / 4000 : null,
      learningRate: 1e-4,
    })),
  });
  const data = await query(t.db, `query ($id: ID!) { trainingJob(id: $id) { curve(maxPoints: 300) { step evalLoss } } }`, { id });
  const curve = data.trainingJob.curve as Array<{ step: number; evalLoss: number | null }>;
  const steps = curve.map((p) => p.step);
  expect(curve.length).toBeGreaterThan(300);
  expect(curve.length).toBeLessThan(420);
  expect(steps[0]).toBe(1);
  expect(steps.at(-1)).toBe(9000);
  expect(steps).toEqual([...steps].sort((a, b) => a - b));
  expect(curve.filter((p) => p.evalLoss !== null)).toHaveLength(90);
});

test("trainingJobs sorts by progress as a fraction (complete = 100 %) and combines it with filters and paging", async () => {
  const list = async (vars: Record<string, unknown>) =>
    (
      await query(
        t.db,
        `query ($filter: TrainingJobFilter, $sort: TrainingJobSort, $first: Int, $offset: Int) {
          trainingJobs(filter: $filter, sort: $sort, first: $first, offset: $offset) { totalCount nodes { modelName status progress } }
        }`,
        vars,
      )
    ).trainingJobs;
  const all = await list({ sort: { field: "PROGRESS", direction: "ASC" }, first: 200 });
  const progress = all.nodes.map((j: { progress: number }) => j.progress);
  expect(progress).toEqual([...progress].sort((a, b) => a - b));
  // By fraction, not by step count: the running job (46 % of 3,886 steps) comes before a complete one of 431 steps.
  const names = all.nodes.map((j: { modelName: string }) => j.modelName);
  expect(names.indexOf("sdk-completer")).toBeLessThan(names.indexOf("faq-embedder"));

  const page2 = await list({ sort: { field: "PROGRESS", direction: "DESC" }, filter: { status: ["COMPLETE", "CANCELLED"], search: "SUMMAR" }, first: 1, offset: 1 });
  expect(page2.totalCount).toBe(2);
  expect(page2.nodes).toEqual([{ modelName: "contract-summarizer", status: "CANCELLED", progress: expect.closeTo(0.31, 2) }]);
});
