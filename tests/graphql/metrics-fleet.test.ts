import { afterAll, beforeAll, expect, test } from "vitest";
import { systemActor, type Actor } from "../../graphql/context.ts";
import { getDashboardSummary } from "../../graphql/services/dashboard.ts";
import { flushStatsRefresh, getDeploymentMetrics, ingestRollups, recordInferenceEvents, refreshDeploymentStats, refreshStaleStats, RollupAccumulator } from "../../graphql/services/metrics.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { createDeployment, eventsAt, rng } from "../services/metrics-fixtures.ts";

// Issue 12: the fleet rollup the dashboard reads, stats refreshed at ingest, and retries counted once.

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 12 });
  await seedDemoData(t.db);
});
afterAll(async () => {
  await flushStatsRefresh(t.db.prisma);
  await t.drop();
});

const MINUTE = 60_000;
const ingest: Actor = { ...systemActor("gateway-fleet"), kind: "TOKEN", scopes: new Set(["ingest"]) };
const RECORD = `mutation ($id: ID!, $events: [InferenceEventInput!]!, $key: String) {
  recordInferenceEvents(deploymentId: $id, events: $events, idempotencyKey: $key) {
    __typename
    ... on RecordInferenceEventsSuccess { acceptedCount duplicate }
    ... on Error { code message }
  }
}`;

async function fleetVsDeployments() {
  const [fleet] = await t.db.prisma.$queryRaw<Array<{ n: number; c: number; s: number }>>`
    SELECT coalesce(sum("requestCount"), 0)::float8 AS n, coalesce(sum("clientErrorCount"), 0)::float8 AS c, coalesce(sum("serverErrorCount"), 0)::float8 AS s FROM "FleetRollup"`;
  const [each] = await t.db.prisma.$queryRaw<Array<{ n: number; c: number; s: number }>>`
    SELECT coalesce(sum("requestCount"), 0)::float8 AS n, coalesce(sum("clientErrorCount"), 0)::float8 AS c, coalesce(sum("serverErrorCount"), 0)::float8 AS s
    FROM "InferenceRollup" WHERE "resolution" = 'HOUR'`;
  return { fleet, each };
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, deadlineMs = 10_000): Promise<T> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

test("the fleet rollup equals the sum of every deployment's hour rollups after concurrent ingestion, and the dashboard shows it", async () => {
  const random = rng(12);
  const deployments = await Promise.all(Array.from({ length: 4 }, () => createDeployment(t.db.prisma)));
  const now = new Date();
  // Ten writers at once, spread over the last 26 hours (two hour buckets and the edge of the 24-hour window).
  await Promise.all(
    Array.from({ length: 10 }, async (_, w) => {
      const d = deployments[w % deployments.length]!;
      for (let b = 0; b < 3; b++) {
        const events = [
          ...eventsAt(Array.from({ length: 200 }, () => 20 + random() * 300), new Date(now.getTime() - 26 * 60 * MINUTE), 26 * 60 * MINUTE - 1000, random, "OK"),
          ...eventsAt(Array(7).fill(80), new Date(now.getTime() - 90 * MINUTE), 80 * MINUTE, random, "SERVER_ERROR"),
          ...eventsAt(Array(5).fill(40), new Date(now.getTime() - 10 * MINUTE), 9 * MINUTE, random, "CLIENT_ERROR"),
        ].map((e) => ({ ...e, timestamp: e.timestamp.toISOString() }));
        const data = await query(t.db, RECORD, { id: d.id, events }, ingest);
        expect(data.recordInferenceEvents).toMatchObject({ __typename: "RecordInferenceEventsSuccess", acceptedCount: 212 });
      }
    }),
  );
  // A gateway-style write of a pre-built sketch goes through the same path.
  const acc = new RollupAccumulator();
  acc.add(now.getTime() - 5 * MINUTE, 33, "OK", 50);
  await ingestRollups(t.db.prisma, { deploymentId: deployments[0]!.id, writes: acc.writes(), eventCount: acc.eventCount });

  const { fleet, each } = await fleetVsDeployments();
  expect(fleet).toEqual(each);
  expect(fleet!.n).toBeGreaterThanOrEqual(10 * 3 * 212 + 50);

  // The dashboard's 24-hour figures are exactly the per-deployment rollups of the same window.
  const summary = await getDashboardSummary(t.db.prisma, now);
  const dayEnd = new Date(Math.floor(now.getTime() / (60 * MINUTE)) * 60 * MINUTE + 60 * MINUTE);
  const dayStart = new Date(dayEnd.getTime() - 24 * 60 * MINUTE);
  const day = await t.db.prisma.inferenceRollup.aggregate({
    where: { resolution: "HOUR", bucketStart: { gte: dayStart, lt: dayEnd } },
    _sum: { requestCount: true, serverErrorCount: true },
  });
  expect(summary.requests24h).toBe(day._sum.requestCount);
  expect(summary.serverErrors24h).toBe(day._sum.serverErrorCount);
  expect(summary.errorRate24h).toBeCloseTo(day._sum.serverErrorCount! / day._sum.requestCount!, 12);
});

test("an idempotent retry is counted once, in the deployment's rollups and in the fleet's", async () => {
  const d = await createDeployment(t.db.prisma);
  const events = Array.from({ length: 30 }, (_, i) => ({ timestamp: new Date(Date.now() - (i + 1) * 1000).toISOString(), latencyMs: 50 + i, outcome: "OK" }));
  const before = await fleetVsDeployments();
  const results = await Promise.all(Array.from({ length: 4 }, () => query(t.db, RECORD, { id: d.id, events, key: "fleet-batch-1" }, ingest)));
  expect(results.map((r) => r.recordInferenceEvents.duplicate).sort()).toEqual([false, true, true, true]);
  const mine = await t.db.prisma.inferenceRollup.aggregate({ where: { deploymentId: d.id, resolution: "HOUR" }, _sum: { requestCount: true } });
  expect(mine._sum.requestCount).toBe(30);
  const after = await fleetVsDeployments();
  expect(after.fleet!.n - before.fleet!.n).toBe(30);
  expect(after.fleet).toEqual(after.each);
});

test("the sort order reflects a new batch within seconds of the mutation, without any maintenance pass", async () => {
  const quiet = await createDeployment(t.db.prisma, "ACTIVE", `fresh-a-${Date.now()}`);
  const busy = await createDeployment(t.db.prisma, "ACTIVE", `fresh-b-${Date.now()}`);
  const prefix = "fresh-";
  const LIST = `query ($filter: DeploymentFilter, $sort: DeploymentSort) { deployments(first: 2, filter: $filter, sort: $sort) { nodes { id } } }`;
  const batch = (n: number, latency: number) =>
    Array.from({ length: n }, (_, i) => ({ timestamp: new Date(Date.now() - 1000 - i * 10).toISOString(), latencyMs: latency, outcome: "OK" }));
  expect((await query(t.db, RECORD, { id: quiet.id, events: batch(10, 30) }, ingest)).recordInferenceEvents.__typename).toBe("RecordInferenceEventsSuccess");
  const top = () =>
    query(t.db, LIST, { filter: { modelName: prefix }, sort: { field: "REQUESTS_PER_SECOND", direction: "DESC", window: "LAST_15_MINUTES" } }).then(
      (data) => data.deployments.nodes.map((n: { id: string }) => n.id) as string[],
    );
  expect(await waitFor(top, (ids) => ids[0] === quiet.id)).toEqual([quiet.id, busy.id]);

  // The other deployment receives more traffic: it moves to the top on its own, well within 5 s.
  const sent = Date.now();
  expect((await query(t.db, RECORD, { id: busy.id, events: batch(100, 90) }, ingest)).recordInferenceEvents.__typename).toBe("RecordInferenceEventsSuccess");
  const order = await waitFor(top, (ids) => ids[0] === busy.id);
  expect(order).toEqual([busy.id, quiet.id]);
  // Generous for a loaded CI machine; the refresh itself runs 250 ms after the batch.
  expect(Date.now() - sent).toBeLessThan(5_000);
  const stats = await t.db.prisma.deploymentStats.findUniqueOrThrow({ where: { deploymentId: busy.id } });
  expect(stats.p95LatencyMs15m).toBeCloseTo(90, -1);
});

test("the maintenance pass recomputes only figures that can have slid: nothing within the minute, last-hour traffic at the next minute, the rest at the next hour", async () => {
  const recent = await createDeployment(t.db.prisma);
  const older = await createDeployment(t.db.prisma);
  const HOUR = 60 * MINUTE;
  // Mid-hour, so "a minute later" stays in the same hour.
  const base = new Date(Math.floor(Date.now() / HOUR) * HOUR + 20 * MINUTE + 30_000);
  await recordInferenceEvents(t.db.prisma, recent.id, [{ timestamp: new Date(base.getTime() - 5 * MINUTE), latencyMs: 70, outcome: "OK" }], base);
  await recordInferenceEvents(t.db.prisma, older.id, [{ timestamp: new Date(base.getTime() - 3 * HOUR), latencyMs: 70, outcome: "OK" }], base);
  // Bring every other deployment's figures up to `base` so only these two matter.
  await refreshStaleStats(t.db.prisma, new Date(base.getTime() + 2 * HOUR), { limit: 100_000 });
  const ids = [recent.id, older.id];
  const computedAt = async () =>
    new Map((await t.db.prisma.deploymentStats.findMany({ where: { deploymentId: { in: ids } } })).map((s) => [s.deploymentId, s.computedAt.getTime()]));

  // Mark both as computed at `base`, `recent` with last-hour traffic, and look again within the same minute: nothing to do.
  await t.db.prisma.$executeRaw`UPDATE "DeploymentStats" SET "computedAt" = ${base.toISOString()}::timestamp, "requestsPerSecond1h" = CASE WHEN "deploymentId" = ${recent.id}::uuid THEN 1 ELSE 0 END WHERE "deploymentId" = ANY(${ids}::uuid[])`;
  const sameMinute = new Date(base.getTime() + 20_000);
  await refreshStaleStats(t.db.prisma, sameMinute);
  expect(await computedAt()).toEqual(new Map([[recent.id, base.getTime()], [older.id, base.getTime()]]));

  const nextMinute = new Date(base.getTime() + MINUTE);
  await refreshStaleStats(t.db.prisma, nextMinute);
  expect(await computedAt()).toEqual(new Map([[recent.id, nextMinute.getTime()], [older.id, base.getTime()]]));

  const nextHour = new Date(Math.floor(base.getTime() / HOUR) * HOUR + HOUR + 10_000);
  await refreshStaleStats(t.db.prisma, nextHour);
  expect(await computedAt()).toEqual(new Map([[recent.id, nextHour.getTime()], [older.id, nextHour.getTime()]]));
});

test("a minute slide within the hour refreshes the minute windows to exactly what a full recomputation gives, and leaves the hour windows right", async () => {
  const d = await createDeployment(t.db.prisma);
  const HOUR = 60 * MINUTE;
  const base = new Date(Math.floor(Date.now() / HOUR) * HOUR + 20 * MINUTE + 30_000);
  const at = (msAgo: number, latencyMs: number, outcome: "OK" | "SERVER_ERROR" = "OK") => ({ timestamp: new Date(base.getTime() - msAgo), latencyMs, outcome });
  await recordInferenceEvents(t.db.prisma, d.id, [at(14 * MINUTE, 900), at(14 * MINUTE, 950, "SERVER_ERROR"), at(2 * MINUTE, 40), at(2 * MINUTE, 60), at(2 * 24 * HOUR, 3000)], base);
  const row = () => t.db.prisma.deploymentStats.findUniqueOrThrow({ where: { deploymentId: d.id } });
  const before = await row();
  expect(before.p95LatencyMs15m).toBeGreaterThan(900);
  expect(before.errorRate15m).toBeCloseTo(0.25, 12);

  // Ten minutes later, same hour: the two slow events have left the 15-minute window, not the hour or the week.
  const later = new Date(base.getTime() + 10 * MINUTE);
  await refreshStaleStats(t.db.prisma, later, { limit: 100_000 });
  const slid = await row();
  expect(slid.computedAt.getTime()).toBe(later.getTime());
  expect(slid.p95LatencyMs15m).toBeLessThan(61);
  expect(slid.errorRate15m).toBe(0);
  expect(slid.requestsPerSecond15m).toBeCloseTo(2 / 900, 12);
  expect(slid.errorRate1h).toBeCloseTo(0.25, 12);
  expect(slid.p95LatencyMs7d).toBeGreaterThan(2500); // 950 + 0.8 × (3,000 − 950), within 1 %

  // The same instant recomputed from every rollup gives the same figures, column for column.
  await refreshDeploymentStats(t.db.prisma, [d.id], later);
  expectSameFigures(slid, await row());
});

test("the figures the database computes for sorting equal what the page shows (the server's sketch), P95 included, in every window", async () => {
  const d = await createDeployment(t.db.prisma);
  const HOUR = 60 * MINUTE;
  const base = new Date(Math.floor(Date.now() / HOUR) * HOUR + 40 * MINUTE + 10_000);
  const random = rng(12);
  const spread = (n: number, mu: number) => Array.from({ length: n }, () => Math.exp(mu + 2 * random()));
  await recordInferenceEvents(t.db.prisma, d.id, [
    ...eventsAt(spread(3000, 3), new Date(base.getTime() - 39 * MINUTE), 39 * MINUTE, random),
    ...eventsAt(spread(40, 3), new Date(base.getTime() - 39 * MINUTE), 39 * MINUTE, random, "SERVER_ERROR"),
    ...eventsAt(spread(2000, 4), new Date(base.getTime() - 3 * 24 * HOUR), 2 * 24 * HOUR, random),
  ], base);
  const row = () => t.db.prisma.deploymentStats.findUniqueOrThrow({ where: { deploymentId: d.id } });
  const later = new Date(base.getTime() + 7 * MINUTE);
  for (const minuteWindowsOnly of [false, true]) {
    await refreshDeploymentStats(t.db.prisma, [d.id], later, { minuteWindowsOnly });
    const stats = await row();
    expect(stats.computedAt.getTime()).toBe(later.getTime());
    for (const [window, suffix] of [["LAST_15_MINUTES", "15m"], ["LAST_HOUR", "1h"], ["LAST_24_HOURS", "24h"], ["LAST_7_DAYS", "7d"]] as const) {
      const shown = await getDeploymentMetrics(t.db.prisma, d.id, window, later);
      expect(shown.requestCount).toBeGreaterThan(0);
      expect(stats[`requestsPerSecond${suffix}`], window).toBeCloseTo(shown.requestsPerSecond, 12);
      expect(stats[`errorRate${suffix}`], window).toBeCloseTo(shown.errorRate!, 12);
      expect(stats[`p95LatencyMs${suffix}`], window).toBeCloseTo(shown.p95LatencyMs!, 9);
    }
  }
  expect((await row()).p95LatencyMs7d).toBeGreaterThan((await row()).p95LatencyMs1h! * 1.5);
});

function expectSameFigures<T extends object>(actual: T, expected: T) {
  for (const column of Object.keys(expected) as Array<keyof T>) {
    const want = expected[column];
    if (typeof want === "number") expect(actual[column], String(column)).toBeCloseTo(want, 9);
    else expect(actual[column], String(column)).toEqual(want);
  }
}
