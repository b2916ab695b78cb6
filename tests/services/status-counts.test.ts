import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { getDashboardSummary } from "../../graphql/services/dashboard.ts";
import { foldStatusCounts } from "../../graphql/services/status-counts.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { createCompleteJob } from "../setup/jobs.ts";
import { createDeployment, rng } from "./metrics-fixtures.ts";

// Issue 12: the dashboard's status counts are rows the database keeps (ADR 0039), so they must equal a
// count of the tables after any mix of writes: single and bulk, status changes, deletes, folds, races.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 12 });
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const DEPLOYMENT = ["DEPLOYING", "ACTIVE", "PAUSED", "FAILED", "RETIRED"] as const;
const JOB = ["QUEUED", "RUNNING", "COMPLETE", "FAILED", "CANCELLED"] as const;

/** What the kept rows say, and what counting the tables says, per "Subject.STATUS". */
async function keptAndCounted() {
  const kept = await t.db.prisma.$queryRaw<Array<{ k: string; n: number }>>`
    SELECT "subject" || '.' || "status" AS k, sum("delta")::int AS n FROM "StatusCount" GROUP BY 1 HAVING sum("delta") <> 0 ORDER BY 1`;
  const counted = await t.db.prisma.$queryRaw<Array<{ k: string; n: number }>>`
    SELECT k, n FROM (
      SELECT 'Deployment.' || "status"::text AS k, count(*)::int AS n FROM "Deployment" GROUP BY 1
      UNION ALL SELECT 'TrainingJob.' || "status"::text, count(*)::int FROM "TrainingJob" GROUP BY 1) c ORDER BY 1`;
  return { kept: Object.fromEntries(kept.map((r) => [r.k, r.n])), counted: Object.fromEntries(counted.map((r) => [r.k, r.n])) };
}

async function expectExact() {
  const { kept, counted } = await keptAndCounted();
  expect(kept).toEqual(counted);
  // The lists' totals filtered by status alone are read from the kept counts; with another filter, counted.
  const sum = (prefix: string, statuses: readonly string[]) => statuses.reduce((n, s) => n + (counted[`${prefix}.${s}`] ?? 0), 0);
  const totals = await query(
    t.db,
    `{ all: deployments(first: 0) { totalCount } live: deployments(first: 0, filter: { status: [ACTIVE, PAUSED] }) { totalCount }
       named: deployments(first: 0, filter: { status: [ACTIVE], modelName: "metrics-" }) { totalCount }
       jobs: trainingJobs(first: 0) { totalCount } queued: trainingJobs(first: 0, filter: { status: [QUEUED] }) { totalCount } }`,
  );
  const [named] = await t.db.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM "Deployment" WHERE "status" = 'ACTIVE' AND "modelName" ILIKE '%metrics-%'`;
  expect(totals).toEqual({
    all: { totalCount: sum("Deployment", DEPLOYMENT) },
    live: { totalCount: sum("Deployment", ["ACTIVE", "PAUSED"]) },
    named: { totalCount: named!.n },
    jobs: { totalCount: sum("TrainingJob", JOB) },
    queued: { totalCount: sum("TrainingJob", ["QUEUED"]) },
  });
  const summary = await getDashboardSummary(t.db.prisma);
  expect(summary).toMatchObject({
    activeDeployments: counted["Deployment.ACTIVE"] ?? 0,
    runningJobs: counted["TrainingJob.RUNNING"] ?? 0,
    queuedJobs: counted["TrainingJob.QUEUED"] ?? 0,
    completedJobs: counted["TrainingJob.COMPLETE"] ?? 0,
  });
}

describe("status counts", () => {
  test("the seeded database's counts are the tables' counts", async () => {
    const { counted } = await keptAndCounted();
    expect(counted["Deployment.ACTIVE"]).toBeGreaterThan(0);
    await expectExact();
  });

  test("single and bulk inserts, status changes (one row and many), deletes and updates of other columns keep them exact", async () => {
    const random = rng(38);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
    const made = [] as string[];
    for (let i = 0; i < 12; i++) made.push((await createDeployment(t.db.prisma, pick(["ACTIVE", "PAUSED", "RETIRED"] as const))).id);
    await expectExact();

    for (let i = 0; i < 40; i++) {
      const id = pick(made);
      const op = random();
      if (op < 0.5) await t.db.prisma.deployment.update({ where: { id }, data: { status: pick(DEPLOYMENT) } });
      else if (op < 0.7) await t.db.prisma.deployment.updateMany({ where: { id: { in: made.slice(0, 5) } }, data: { status: pick(DEPLOYMENT) } });
      // An update that does not touch the status, and one that writes the same status again, count nothing.
      else if (op < 0.85) await t.db.prisma.deployment.update({ where: { id }, data: { failureReason: `reason ${i}` } });
      else await t.db.prisma.$executeRaw`UPDATE "Deployment" SET "status" = "status" WHERE "id" = ${id}::uuid`;
    }
    await expectExact();

    // A bulk insert of jobs in one statement, then a bulk status change and a bulk delete.
    const base = await createCompleteJob(t.db.prisma, "status-count-base");
    await t.db.prisma.$executeRaw`
      INSERT INTO "TrainingJob" ("id", "modelName", "status", "baseModelId", "datasetId", "epochs", "learningRate", "batchSize", "loraRank",
                                 "warmupSteps", "seed", "totalSteps", "currentStep", "createdBy")
      SELECT gen_random_uuid(), 'status-count-bulk-' || g, (ARRAY['QUEUED','RUNNING','COMPLETE','FAILED']::"TrainingJobStatus"[])[1 + g % 4],
             "baseModelId", "datasetId", 1, 1e-4, 8, 8, 0, 1, 10, 0, 'test'
      FROM "TrainingJob", generate_series(1, 37) g WHERE "id" = ${base.id}::uuid`;
    await expectExact();
    await t.db.prisma.trainingJob.updateMany({ where: { modelName: { startsWith: "status-count-bulk-" }, status: "QUEUED" }, data: { status: "RUNNING" } });
    await expectExact();
    await t.db.prisma.trainingJob.deleteMany({ where: { modelName: { startsWith: "status-count-bulk-" }, status: { in: ["RUNNING", "FAILED"] } } });
    await expectExact();
    await t.db.prisma.deployment.deleteMany({ where: { id: { in: made.slice(6) } } });
    await expectExact();
  });

  test("folding leaves one row per status and changes no count; a second fold has nothing to do", async () => {
    const before = await keptAndCounted();
    const rows = async () => (await t.db.prisma.$queryRaw<Array<{ n: number }>>`SELECT count(*)::int AS n FROM "StatusCount"`)[0]!.n;
    expect(await rows()).toBeGreaterThan(Object.keys(before.counted).length);
    expect(await foldStatusCounts(t.db.prisma)).toBeGreaterThan(0);
    expect(await rows()).toBe(Object.keys(before.counted).length);
    expect(await foldStatusCounts(t.db.prisma)).toBe(0);
    expect((await keptAndCounted()).kept).toEqual(before.counted);
    await expectExact();
  });

  test("concurrent status changes, inserts and folds: no deadlock, no lost count", async () => {
    const random = rng(12);
    const ids = (await Promise.all(Array.from({ length: 8 }, () => createDeployment(t.db.prisma).then((d) => d.id)))).sort();
    const statuses = ["ACTIVE", "PAUSED", "RETIRED", "FAILED"] as const;
    const pick = () => statuses[Math.floor(random() * statuses.length)]!;
    await Promise.all([
      // Transactions that move two deployments each (locked in id order, so those rows cannot deadlock) to
      // different statuses and add a job: per-status counter rows updated in place would be locked in
      // opposite orders here and deadlock; inserted deltas take no lock another writer waits for.
      ...Array.from({ length: 10 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 6; i++) {
            const a = ids[w % 8]!;
            const b = ids[(w + 3) % 8]!;
            const [first, second] = a < b ? [a, b] : [b, a];
            const [to1, to2] = [pick(), pick()];
            await t.db.prisma.$transaction(async (tx) => {
              await tx.deployment.update({ where: { id: first }, data: { status: to1 } });
              await tx.deployment.update({ where: { id: second }, data: { status: to2 } });
              await createCompleteJob(tx, `status-count-race-${w}-${i}`);
            });
          }
        })(),
      ),
      ...Array.from({ length: 3 }, async () => {
        for (let i = 0; i < 5; i++) await foldStatusCounts(t.db.prisma);
      }),
    ]);
    await expectExact();
    await foldStatusCounts(t.db.prisma);
    await expectExact();
  });

  test("a request reads the kept counts once, however many totals it asks for", async () => {
    // Every statement the request sends, as the database would see it (raw reads included).
    const statements: string[] = [];
    const prisma = t.db.prisma.$extends({
      query: {
        async $queryRaw({ args, query }) {
          statements.push(String((args as { strings?: readonly string[] }).strings?.join("?") ?? args));
          return query(args);
        },
      },
    }) as unknown as typeof t.db.prisma;
    const totals = await query(
      { ...t.db, prisma },
      `{ page: deployments(first: 5, filter: { status: [ACTIVE] }) { totalCount } everything: deployments(first: 0) { totalCount }
         jobs: trainingJobs(first: 0) { totalCount } queued: trainingJobs(first: 0, filter: { status: [QUEUED] }) { totalCount } }`,
    );
    const { counted } = await keptAndCounted();
    const sum = (prefix: string) => Object.entries(counted).reduce((n, [k, v]) => n + (k.startsWith(prefix) ? v : 0), 0);
    expect(totals).toEqual({
      page: { totalCount: counted["Deployment.ACTIVE"] ?? 0 },
      everything: { totalCount: sum("Deployment.") },
      jobs: { totalCount: sum("TrainingJob.") },
      queued: { totalCount: counted["TrainingJob.QUEUED"] ?? 0 },
    });
    expect(statements.filter((s) => s.includes('"StatusCount"'))).toHaveLength(1);
  });

  test("TRUNCATE of a counted table empties its counts", async () => {
    await t.db.prisma.$executeRawUnsafe(`TRUNCATE "Deployment" CASCADE`);
    const { kept, counted } = await keptAndCounted();
    expect(Object.keys(counted).some((k) => k.startsWith("Deployment."))).toBe(false);
    expect(kept).toEqual(counted);
    expect((await getDashboardSummary(t.db.prisma)).activeDeployments).toBe(0);
  });
});
