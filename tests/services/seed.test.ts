import { afterAll, beforeAll, expect, test } from "vitest";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const TABLES = ["BaseModel", "Dataset", "TrainingJob", "TrainingMetricPoint", "TrainingEvent", "Deployment", "DeploymentEvent", "AuditEvent"];

async function snapshot() {
  const out: Record<string, string> = {};
  for (const table of TABLES) {
    const rows = await t.db.prisma.$queryRawUnsafe<Array<{ digest: string; n: bigint }>>(
      `SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS digest, count(*) AS n FROM "${table}" t`,
    );
    out[table] = `${rows[0]!.n}:${rows[0]!.digest}`;
  }
  return out;
}

test("seeding twice changes nothing", async () => {
  const first = await seedDemoData(t.db);
  expect(first.demoHistoryWritten).toBe(true);
  const afterFirst = await snapshot();
  const second = await seedDemoData(t.db);
  expect(second.demoHistoryWritten).toBe(false);
  expect(await snapshot()).toEqual(afterFirst);
});

test("the demo data looks like a real team's: 12+ real base models, jobs in every state, a few deployments", async () => {
  expect(await t.db.prisma.baseModel.count()).toBeGreaterThanOrEqual(12);
  const statuses = await t.db.prisma.trainingJob.groupBy({ by: ["status"], _count: { _all: true } });
  expect(statuses.map((s) => s.status).sort()).toEqual(["CANCELLED", "COMPLETE", "FAILED", "QUEUED", "RUNNING"]);
  expect(await t.db.prisma.deployment.count()).toBeGreaterThanOrEqual(3);
  const families = await t.db.prisma.baseModel.groupBy({ by: ["family"] });
  expect(families.length).toBeGreaterThanOrEqual(6);
});
