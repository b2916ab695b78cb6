import { afterAll, beforeAll, expect, test } from "vitest";
import { loadConfig } from "../../graphql/config.ts";
import { workerLoopDuration } from "../../graphql/observability/registry.ts";
import { deployJob } from "../../graphql/services/deployments.ts";
import { nextProbeDueInMs } from "../../graphql/services/serving-probes.ts";
import { createTrainingJob } from "../../graphql/services/training-jobs.ts";
import { startWorkers } from "../../graphql/workers/index.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { completeJob, ensureCatalogRows } from "../gateway/fixtures.ts";

/**
 * An idle process sleeps: its workers do not poll while nothing is to be done, and new work written to the
 * database (a queued job, a deployment rolling out) wakes the worker at once, through LISTEN on both
 * databases (docs/decisions/0035-workers-wake-on-notify.md).
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await ensureCatalogRows(t.db);
});
afterAll(() => t?.drop());

const config = loadConfig({
  TRAINYARD_EXECUTOR: "on",
  // Without announcements the executor would poll 5 times a second: the test would see it.
  TRAINYARD_EXECUTOR_TICK_MS: "200",
  TRAINYARD_SIMULATOR: "off",
  TRAINYARD_ROLLOUT: "on",
  TRAINYARD_ROLLOUT_SECONDS: "0.3",
  TRAINYARD_ROLLOUT_FAILURE_RATE: "0",
});

async function passes(): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const v of (await workerLoopDuration.get()).values) {
    if (v.metricName?.endsWith("_count")) counts.set(String(v.labels.worker), v.value);
  }
  return counts;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test("idle workers sleep until work is announced, then take it at once", async () => {
  const workers = startWorkers(t.db, config);
  try {
    await expect.poll(() => workers.listening(), { timeout: 10_000 }).toBe(true);
    await sleep(1_000);
    const before = await passes();
    await sleep(3_000);
    const after = await passes();
    const busy = [...after].filter(([name, n]) => n - (before.get(name) ?? 0) > 1).map(([name, n]) => `${name}: ${n - (before.get(name) ?? 0)} passes`);
    expect(busy, "workers that kept polling an idle database").toEqual([]);

    const job = await createTrainingJob(t.db.prisma, {
      input: { baseModelId: "llama-3.1-8b-instruct", datasetId: "support-tickets-2026q3", modelName: "idle-wake", epochs: 1, batchSize: 1, warmupSteps: 0 },
      actor: "test",
    });
    const status = async () => (await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } })).status;
    await expect.poll(status, { timeout: 2_000, interval: 25 }).not.toBe("QUEUED");

    const deployment = await deployJob(t.db.prisma, { jobId: await completeJob(t.db, "idle-wake-serve"), actor: "test", config, rolloutSeconds: 0.3 });
    const deployed = async () => (await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: deployment.id } })).status;
    await expect.poll(deployed, { timeout: 2_000, interval: 25 }).toBe("ACTIVE");
  } finally {
    await workers.stop();
  }
});

test("how long a worker may sleep: a deployment never probed is due now, none is null, never an SQL error", async () => {
  const options = { probeIntervalMs: 1_000, healthIntervalMs: 10_000 };
  const before = await nextProbeDueInMs(t.db.prisma, options);
  // A deployment with an upstream that no probe has seen yet (lastProbeAt NULL): '-infinity' in the due
  // expression used to make PostgreSQL refuse the subtraction ("cannot subtract infinite timestamps").
  const d = await deployJob(t.db.prisma, { jobId: await completeJob(t.db, "never-probed"), actor: "test", config, serving: { upstreamUrl: "http://127.0.0.1:9/" } });
  try {
    expect(await nextProbeDueInMs(t.db.prisma, options)).toBe(0);
  } finally {
    await t.db.prisma.deployment.update({ where: { id: d.id }, data: { status: "RETIRED" } });
  }
  expect(await nextProbeDueInMs(t.db.prisma, options)).toBe(before);
});
