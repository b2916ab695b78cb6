import { afterAll, beforeAll, expect, test } from "vitest";
import { PREPARED, statementNamer } from "../../graphql/db.ts";
import { ingestEvents } from "../../graphql/services/metrics.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { createCompleteJob } from "../setup/jobs.ts";

/**
 * The ingest write is a named prepared statement on PostgreSQL (ADR 0048): parsed once per connection, and after
 * five executions PostgreSQL may switch to a generic plan. Every outcome must stay what the unnamed statement
 * gave, past that switch: counted, duplicate, refused. On PGlite the adapter sends it unnamed; the figures hold
 * the same.
 */
let t: TestDatabase;
let active: string;
let paused: string;

beforeAll(async () => {
  // One connection: the prepared statements it holds are the ones this test looks at.
  t = await createTestDatabase({ poolSize: 1 });
  await seedDemoData(t.db);
  const make = async (name: string, status: "ACTIVE" | "PAUSED") => {
    const job = await createCompleteJob(t.db.prisma, name);
    const d = await t.db.prisma.deployment.create({
      data: { jobId: job.id, modelName: name, version: "v1.0.0", versionMinor: 0, status, endpointUrl: `https://inference.test/${name}`, deployedBy: "test" },
    });
    return d.id;
  };
  active = await make("prepared-active", "ACTIVE");
  paused = await make("prepared-paused", "PAUSED");
}, 60_000);
afterAll(() => t.drop());

test("only marked statements get a name: one per text, stable, capped", () => {
  const preparedStatementName = statementNamer(16);
  expect(preparedStatementName({ sql: `SELECT 1` })).toBeUndefined();
  expect(preparedStatementName({ sql: `SELECT 1 /* trainyard:prepared x */` })).toBeUndefined();
  const a = `${PREPARED("unit-a")}\nSELECT $1::int`;
  const b = `${PREPARED("unit-a")}\nSELECT $1::int + 1`;
  const name = preparedStatementName({ sql: a });
  expect(name).toMatch(/^trainyard_unit-a_[0-9a-f]+$/);
  expect(preparedStatementName({ sql: a })).toBe(name);
  expect(preparedStatementName({ sql: b })).not.toBe(name);
  for (let i = 0; i < 20; i++) preparedStatementName({ sql: `${PREPARED("unit-cap")} SELECT ${i}` });
  // The cap: later texts stay unnamed, the known ones keep their names.
  expect(preparedStatementName({ sql: `${PREPARED("unit-cap")} SELECT 999` })).toBeUndefined();
  expect(preparedStatementName({ sql: a })).toBe(name);
});

test("past PostgreSQL's switch to a generic plan, batches are counted, duplicates are not, a paused deployment is refused", async () => {
  const at = new Date(Date.now() - 5 * 60_000);
  const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ timestamp: new Date(at.getTime() + i * 1000), latencyMs: 10 + i, outcome: "OK" as const }));
  let sent = 0;
  for (let i = 1; i <= 8; i++) {
    const r = await ingestEvents(t.db.prisma, { deploymentId: active, events: batch(i), idempotencyKey: `k-${i}` });
    expect(r).toEqual({ deploymentId: active, acceptedCount: i, duplicate: false });
    sent += i;
  }
  // The 9th and 10th executions: a key already claimed, then no key.
  expect((await ingestEvents(t.db.prisma, { deploymentId: active, events: batch(3), idempotencyKey: "k-2" })).duplicate).toBe(true);
  expect((await ingestEvents(t.db.prisma, { deploymentId: active, events: batch(2) })).duplicate).toBe(false);
  sent += 2;
  await expect(ingestEvents(t.db.prisma, { deploymentId: paused, events: batch(1) })).rejects.toThrow(/is paused and not accepting traffic/);
  const rows = await t.db.prisma.inferenceRollup.groupBy({
    by: ["deploymentId", "resolution"],
    where: { deploymentId: { in: [active, paused] } },
    _sum: { requestCount: true },
  });
  expect(rows.map((r) => [r.deploymentId, r.resolution, r._sum.requestCount]).sort()).toEqual(
    [
      [active, "HOUR", sent],
      [active, "MINUTE", sent],
    ].sort(),
  );
  expect(await t.db.prisma.ingestReceipt.count({ where: { deploymentId: active } })).toBe(8);

  if (t.db.kind === "postgres") {
    const names = await t.db.prisma.$queryRaw<Array<{ name: string; generic_plans: bigint; custom_plans: bigint }>>`
      SELECT name, generic_plans, custom_plans FROM pg_prepared_statements WHERE name LIKE 'trainyard_ingest-batch_%'`;
    expect(names).toHaveLength(1);
    // 11 executions on the one connection, every one by name.
    expect(Number(names[0]!.generic_plans) + Number(names[0]!.custom_plans)).toBe(11);
  }
});
