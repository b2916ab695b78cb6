import { afterAll, beforeAll, expect, test } from "vitest";
import { loadConfig, processConfig } from "../../graphql/config.ts";
// The registry first: it imports each worker module (see graphql/workers/index.ts).
import "../../graphql/workers/index.ts";
import { rolloutWorker } from "../../graphql/workers/rollout.ts";
import { deployJob, rolloutFails } from "../../graphql/services/deployments.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const config = (env: Record<string, string>) => loadConfig({ TRAINYARD_ROLLOUT_SECONDS: "0.3", TRAINYARD_ROLLOUT_FAILURE_RATE: "0", ...env });

async function statusOf(id: string) {
  return (await t.db.prisma.deployment.findUniqueOrThrow({ where: { id } })).status;
}

test("the rollout worker turns a new deployment ACTIVE shortly after its stored deadline", async () => {
  const worker = rolloutWorker.start(t.db, config({}));
  try {
    const d = await deployJob(t.db.prisma, { jobId: seedUuid("sql-v2"), actor: "console", config: processConfig(), rolloutSeconds: 0.3 });
    expect(d.status).toBe("DEPLOYING");
    await expect.poll(() => statusOf(d.id), { timeout: 5_000, interval: 100 }).toBe("ACTIVE");
    const activated = await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: d.id } });
    expect(activated.activatedAt!.getTime()).toBeGreaterThanOrEqual(activated.rolloutReadyAt!.getTime());
  } finally {
    await worker.stop();
  }
});

test("a rollout interrupted by a restart is finished by the next process, from the stored deadline", async () => {
  // Deployed while no worker runs (the process stopped mid-rollout).
  const d = await deployJob(t.db.prisma, { jobId: seedUuid("support-v1"), actor: "console", config: processConfig(), rolloutSeconds: 0.1 });
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await statusOf(d.id)).toBe("DEPLOYING");
  // Two processes start at once: each deployment is finished once.
  const workers = [rolloutWorker.start(t.db, config({})), rolloutWorker.start(t.db, config({}))];
  try {
    await expect.poll(() => statusOf(d.id), { timeout: 5_000, interval: 100 }).toBe("ACTIVE");
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
  }
  expect(await t.db.prisma.deploymentEvent.count({ where: { deploymentId: d.id, action: "ACTIVATE" } })).toBe(1);
});

test("TRAINYARD_ROLLOUT_FAILURE_RATE: failures follow the rate, each with a reason, and are the same on every process", () => {
  const ids = Array.from({ length: 2000 }, (_, i) => seedUuid(`rollout-${i}`));
  const failed = ids.filter((id) => rolloutFails(id, 0.1).fails).length;
  expect(failed).toBeGreaterThan(140);
  expect(failed).toBeLessThan(260);
  expect(ids.every((id) => rolloutFails(id, 0.1).fails === rolloutFails(id, 0.1).fails)).toBe(true);
  expect(ids.some((id) => rolloutFails(id, 0).fails)).toBe(false);
  expect(ids.every((id) => rolloutFails(id, 1).fails)).toBe(true);
  expect(rolloutFails(ids[0]!, 1).reason.length).toBeGreaterThan(20);
  expect(config({}).rollout).toEqual({ enabled: true, seconds: 0.3, failureRate: 0 });
  expect(loadConfig({}).rollout).toEqual({ enabled: true, seconds: 5, failureRate: 0.02 });
  expect(() => loadConfig({ TRAINYARD_ROLLOUT_FAILURE_RATE: "2" })).toThrow(/TRAINYARD_ROLLOUT_FAILURE_RATE/);
});
