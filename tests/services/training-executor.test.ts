import { afterAll, beforeAll, beforeEach, expect, test } from "vitest";
// The worker registry first: executor.ts and index.ts import each other.
import "../../graphql/workers/index.ts";
import { cancelTrainingJob, createTrainingJob } from "../../graphql/services/training-jobs.ts";
import { claimTrainingJob, recoverStaleTrainingJobs } from "../../graphql/services/training-claims.ts";
import { loadConfig } from "../../graphql/config.ts";
import { executorTick, failurePlanFor, trainingExecutor, trainingWatchdog } from "../../graphql/workers/executor.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { executorOptions } from "./executor-fixtures.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 10 });
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

// Tests drive only the jobs they create.
beforeEach(async () => {
  await t.db.prisma.trainingJob.updateMany({ where: { status: { in: ["QUEUED", "RUNNING"] } }, data: { status: "CANCELLED" } });
});

/** contract-clauses has 3,905 rows: batch 16 × 1 epoch = 245 steps. */
function queue(modelName: string, extra: Record<string, unknown> = {}) {
  return createTrainingJob(t.db.prisma, {
    input: { baseModelId: "llama-3.2-1b-instruct", datasetId: "contract-clauses", modelName, epochs: 1, batchSize: 16, warmupSteps: 10, ...extra },
    actor: "test",
  });
}

const job = (id: string) => t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id } });
const claimEvents = (id: string) => t.db.prisma.trainingEvent.count({ where: { jobId: id, message: { startsWith: "Claimed by" } } });

test("two executors claiming at the same moment never take the same job", async () => {
  const jobs = [];
  for (let i = 0; i < 12; i++) jobs.push(await queue(`race-${i}`));
  const attempts = Array.from({ length: 16 }, (_, i) => claimTrainingJob(t.db.prisma, { worker: i % 2 ? "builtin:a" : "builtin:b" }));
  const claimed = (await Promise.all(attempts)).filter((j) => j !== null);
  expect(claimed).toHaveLength(12);
  expect(new Set(claimed.map((j) => j!.id)).size).toBe(12);
  for (const j of jobs) {
    expect((await job(j.id)).status).toBe("RUNNING");
    expect(await claimEvents(j.id)).toBe(1);
  }
});

test("executor ticks racing in two processes run each job exactly once, to completion", async () => {
  const jobs = [];
  for (let i = 0; i < 4; i++) jobs.push(await queue(`pair-${i}`));
  const a = executorOptions("exec-a");
  const b = executorOptions("exec-b");
  const start = Date.now();
  for (let tick = 1; tick <= 12; tick++) {
    const now = new Date(start + tick * 1000);
    await Promise.all([executorTick(t.db.prisma, a, now), executorTick(t.db.prisma, b, now)]);
  }
  for (const j of jobs) {
    const done = await job(j.id);
    expect(done.status).toBe("COMPLETE");
    expect(done.currentStep).toBe(245);
    expect(await claimEvents(j.id)).toBe(1);
    expect(await t.db.prisma.trainingEvent.count({ where: { jobId: j.id, message: { startsWith: "Simulated training complete" } } })).toBe(1);
  }
  const owners = new Set((await t.db.prisma.trainingJob.findMany({ where: { id: { in: jobs.map((j) => j.id) } } })).map((j) => j.claimedBy));
  expect(owners).toEqual(new Set(["builtin:exec-a", "builtin:exec-b"]));
});

test("the executor writes a loss curve that falls, an eval loss and the learning-rate schedule", async () => {
  const { id } = await queue("curve");
  const o = executorOptions("curve");
  const start = Date.now();
  for (let tick = 1; tick <= 5; tick++) await executorTick(t.db.prisma, o, new Date(start + tick * 1000));
  const done = await job(id);
  expect(done.status).toBe("COMPLETE");
  const points = await t.db.prisma.trainingMetricPoint.findMany({ where: { jobId: id }, orderBy: { step: "asc" } });
  expect(points.length).toBeGreaterThanOrEqual(80);
  expect(points.at(-1)!.step).toBe(245);
  const head = points.slice(0, 10).reduce((s, p) => s + p.trainLoss, 0) / 10;
  const tail = points.slice(-10).reduce((s, p) => s + p.trainLoss, 0) / 10;
  expect(tail).toBeLessThan(head * 0.7);
  expect(points.some((p) => p.evalLoss !== null)).toBe(true);
  // Warm-up: the rate climbs over the first 10 steps, then decays.
  expect(points[0]!.learningRate).toBeLessThan(points[9]!.learningRate);
  expect(points.at(-1)!.learningRate).toBeLessThan(points[20]!.learningRate);
  expect(done.trainLoss).toBe(points.at(-1)!.trainLoss);
});

test("a cancelled job stops within one step: no progress is written after the cancel", async () => {
  const { id } = await queue("to-cancel");
  const o = executorOptions("cancel", { stepMs: 100 });
  const start = Date.now();
  await executorTick(t.db.prisma, o, new Date(start));
  await executorTick(t.db.prisma, o, new Date(start + 2000));
  const running = await job(id);
  expect(running.status).toBe("RUNNING");
  expect(running.currentStep).toBeGreaterThan(0);
  await cancelTrainingJob(t.db.prisma, { jobId: id, actor: "tester" });
  const pointsAtCancel = await t.db.prisma.trainingMetricPoint.count({ where: { jobId: id } });
  for (let tick = 2; tick <= 6; tick++) await executorTick(t.db.prisma, o, new Date(start + tick * 2000));
  const after = await job(id);
  expect(after.status).toBe("CANCELLED");
  expect(after.currentStep).toBe(running.currentStep);
  expect(await t.db.prisma.trainingMetricPoint.count({ where: { jobId: id } })).toBe(pointsAtCancel);
  const last = await t.db.prisma.trainingEvent.findFirst({ where: { jobId: id }, orderBy: { id: "desc" } });
  expect(last?.message).toBe("Cancelled by tester");
});

test("restart: a built-in job whose executor died is resumed from its last step by another executor", async () => {
  const { id } = await queue("orphan");
  const dead = executorOptions("dead-process", { stepMs: 100 });
  const start = Date.now();
  await executorTick(t.db.prisma, dead, new Date(start));
  await executorTick(t.db.prisma, dead, new Date(start + 2000));
  const orphan = await job(id);
  expect(orphan).toMatchObject({ status: "RUNNING", claimedBy: "builtin:dead-process" });
  const successor = executorOptions("new-process", { stepMs: 100 });

  // Ten seconds later the heartbeat is not stale yet: the job is left alone.
  await executorTick(t.db.prisma, successor, new Date(start + 12_000));
  expect((await job(id)).claimedBy).toBe("builtin:dead-process");

  // After the stale threshold, the new executor takes it over and carries on from the same step.
  await executorTick(t.db.prisma, successor, new Date(start + 40_000));
  const resumed = await job(id);
  expect(resumed.claimedBy).toBe("builtin:new-process");
  expect(resumed.status).toBe("RUNNING");
  const warn = await t.db.prisma.trainingEvent.findFirst({ where: { jobId: id, level: "WARN" } });
  expect(warn?.message).toMatch(new RegExp(`resumed from step ${orphan.currentStep} by simulated trainer new-process`));
  expect(await claimEvents(id)).toBe(1);

  // The dead process, were it to wake up, can no longer write to the job.
  const before = await job(id);
  await executorTick(t.db.prisma, { ...dead, slots: 0 }, new Date(start + 41_000));
  expect((await job(id)).currentStep).toBe(before.currentStep);

  for (let tick = 1; tick <= 20 && (await job(id)).status === "RUNNING"; tick++) {
    await executorTick(t.db.prisma, successor, new Date(start + 40_000 + tick * 3000));
  }
  expect((await job(id)).status).toBe("COMPLETE");
});

test("restart: a job whose external trainer went silent is marked FAILED with the reason, never left RUNNING", async () => {
  const { id } = await queue("external");
  const claimedAt = new Date(Date.now() - 20 * 60_000);
  expect((await claimTrainingJob(t.db.prisma, { worker: "gpu-box-7", now: claimedAt }))?.id).toBe(id);
  const result = await recoverStaleTrainingJobs(t.db.prisma, { staleAfterMs: 30_000, trainerTimeoutMs: 10 * 60_000 });
  expect(result.failed).toContain(id);
  const failed = await job(id);
  expect(failed.status).toBe("FAILED");
  expect(failed.errorMessage).toMatch(/Lost contact with trainer gpu-box-7: no progress for 10 min/);
  expect(failed.finishedAt).not.toBeNull();
});

test("the simulation fails the configured fraction of jobs with a realistic error", async () => {
  const ids = Array.from({ length: 400 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
  const failing = ids.filter((id) => failurePlanFor(id, 1000, 0.1) !== null).length;
  expect(failing).toBeGreaterThan(20);
  expect(failing).toBeLessThan(65);
  expect(ids.every((id) => failurePlanFor(id, 1000, 0) === null)).toBe(true);

  const { id } = await queue("doomed");
  const o = executorOptions("doomed", { failureRate: 1 });
  const start = Date.now();
  for (let tick = 1; tick <= 5; tick++) await executorTick(t.db.prisma, o, new Date(start + tick * 1000));
  const failed = await job(id);
  expect(failed.status).toBe("FAILED");
  expect(failed.currentStep).toBe(failurePlanFor(id, 245, 1)!.step);
  expect(failed.errorMessage).toMatch(/CUDA out of memory|diverged|NCCL|No space left|preempted/);
  const last = await t.db.prisma.trainingEvent.findFirst({ where: { jobId: id }, orderBy: { id: "desc" } });
  expect(last).toMatchObject({ level: "ERROR", message: failed.errorMessage });
});

test("with the executor switched off, a built-in job left RUNNING is failed by the watchdog after the trainer timeout, not before", async () => {
  const { id } = await queue("abandoned");
  const claimedAt = Date.now() - 5 * 60_000;
  await claimTrainingJob(t.db.prisma, { worker: "builtin:gone", now: new Date(claimedAt) });
  const settings = { staleAfterMs: 30_000, trainerTimeoutMs: 10 * 60_000 };
  expect((await recoverStaleTrainingJobs(t.db.prisma, settings)).failed).toEqual([]);
  expect((await job(id)).status).toBe("RUNNING");
  await recoverStaleTrainingJobs(t.db.prisma, { ...settings, now: new Date(claimedAt + 11 * 60_000) });
  expect(await job(id)).toMatchObject({ status: "FAILED", errorMessage: expect.stringMatching(/Lost contact with simulated trainer gone/) });
});

test("configuration: TRAINYARD_EXECUTOR=off runs only the watchdog; the time scale comes from the environment", () => {
  const off = loadConfig({ TRAINYARD_EXECUTOR: "off" });
  expect([trainingExecutor.enabled(off), trainingWatchdog.enabled(off)]).toEqual([false, true]);
  const on = loadConfig({ TRAINYARD_EXECUTOR_STEP_MS: "5", TRAINYARD_EXECUTOR_FAILURE_RATE: "0", TRAINYARD_EXECUTOR_SLOTS: "4" });
  expect([trainingExecutor.enabled(on), trainingWatchdog.enabled(on)]).toEqual([true, false]);
  expect(on.executor).toMatchObject({ stepMs: 5, failureRate: 0, slots: 4, tickMs: 1000, staleAfterMs: 30_000, trainerTimeoutMs: 600_000 });
  expect(() => loadConfig({ TRAINYARD_EXECUTOR_FAILURE_RATE: "1.5" })).toThrow(/TRAINYARD_EXECUTOR_FAILURE_RATE/);
});
