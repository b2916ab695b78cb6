import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  getDeploymentMetrics,
  recordInferenceEvents,
  refreshStaleStats,
  pruneRollups,
  windowBounds,
} from "../../graphql/services/metrics.ts";
import { LatencySketch } from "../../graphql/services/sketch.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { createDeployment, eventsAt, gaussian, logNormal, rng } from "./metrics-fixtures.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const MINUTE = 60_000;
// 20 s into the current minute: the last-hour window then ends 40 s from now.
const now = new Date(Math.floor(Date.now() / MINUTE) * MINUTE + 20_000);

async function exactPercentiles(values: readonly number[], qs: readonly number[]) {
  const rows = await t.db.prisma.$queryRaw<Array<{ q: number; v: number }>>`
    SELECT q, (SELECT percentile_cont(q) WITHIN GROUP (ORDER BY v) FROM unnest(${values as number[]}::float8[]) AS v) AS v
    FROM unnest(${qs as number[]}::float8[]) AS q`;
  return new Map(rows.map((r) => [Number(r.q), Number(r.v)]));
}

function relativeError(estimate: number | null, exact: number) {
  return Math.abs((estimate ?? Number.NaN) - exact) / exact;
}

const distributions: Record<string, (random: () => number) => number[]> = {
  uniform: (random) => Array.from({ length: 20_000 }, () => 5 + random() * 995),
  "log-normal": (random) => Array.from({ length: 20_000 }, () => logNormal(random, 120, 0.8)),
  bimodal: (random) =>
    Array.from({ length: 20_000 }, () => (random() < 0.7 ? 40 + 6 * gaussian(random) : 900 + 120 * gaussian(random))).map((v) => Math.max(v, 1)),
  "one huge outlier": (random) => [...Array.from({ length: 9_999 }, () => logNormal(random, 80, 0.3)), 3_000_000],
};

describe("percentiles from the rollups agree with percentile_cont over the same events within 1 %", () => {
  for (const [name, generate] of Object.entries(distributions)) {
    test(name, async () => {
      const random = rng(name.length * 7919);
      const latencies = generate(random);
      const deployment = await createDeployment(t.db.prisma);
      // Spread over the last hour and ingested in uneven batches, so minutes are written by several batches.
      const events = eventsAt(latencies, new Date(now.getTime() - 55 * MINUTE), 55 * MINUTE, random);
      for (let i = 0, size = 1; i < events.length; i += size, size = size * 3 + 1) {
        await recordInferenceEvents(t.db.prisma, deployment.id, events.slice(i, i + size), now);
      }
      const metrics = await getDeploymentMetrics(t.db.prisma, deployment.id, "LAST_HOUR", now);
      const exact = await exactPercentiles(latencies, [0.5, 0.95, 0.99]);
      expect(metrics.requestCount).toBe(latencies.length);
      expect(relativeError(metrics.p50LatencyMs, exact.get(0.5)!)).toBeLessThanOrEqual(0.01);
      expect(relativeError(metrics.p95LatencyMs, exact.get(0.95)!)).toBeLessThanOrEqual(0.01);
      expect(relativeError(metrics.p99LatencyMs, exact.get(0.99)!)).toBeLessThanOrEqual(0.01);
      expect(metrics.averageLatencyMs).toBeCloseTo(latencies.reduce((a, b) => a + b, 0) / latencies.length, 6);
    });
  }

  test("the sketch alone, at the extremes (minimum, 99.9th, maximum), merged from pieces", async () => {
    const random = rng(42);
    const values = [...distributions["one huge outlier"]!(random), 0.5];
    const whole = new LatencySketch();
    for (let i = 0; i < values.length; i += 997) {
      const part = new LatencySketch();
      for (const v of values.slice(i, i + 997)) part.add(v);
      const dense = part.toDense();
      whole.merge(dense.offset, dense.counts);
    }
    const qs = [0, 0.001, 0.5, 0.999, 1];
    const exact = await exactPercentiles(values, qs);
    for (const q of qs) expect(relativeError(whole.quantile(q), exact.get(q)!)).toBeLessThanOrEqual(0.01);
    expect(whole.count).toBe(values.length);
  });
});

test("with little traffic, percentiles interpolate between requests like percentile_cont", async () => {
  const deployment = await createDeployment(t.db.prisma);
  const at = new Date(now.getTime() - 2 * MINUTE);
  await recordInferenceEvents(t.db.prisma, deployment.id, [100, 1000].map((latencyMs) => ({ timestamp: at, latencyMs, outcome: "OK" as const })), now);
  const m = await getDeploymentMetrics(t.db.prisma, deployment.id, "LAST_15_MINUTES", now);
  const exact = await exactPercentiles([100, 1000], [0.5, 0.95]);
  expect(exact.get(0.5)).toBe(550);
  expect(relativeError(m.p50LatencyMs, 550)).toBeLessThanOrEqual(0.01);
  expect(relativeError(m.p95LatencyMs, exact.get(0.95)!)).toBeLessThanOrEqual(0.01);
});

describe("windows", () => {
  test("an event exactly at the window's start counts, one a millisecond earlier does not, and late or out-of-order events land in their bucket", async () => {
    const deployment = await createDeployment(t.db.prisma);
    const { start, end } = windowBounds("LAST_15_MINUTES", now);
    expect(end.getTime() - start.getTime()).toBe(15 * MINUTE);
    expect(end.getTime()).toBeGreaterThan(now.getTime());
    const at = (ms: number, latencyMs: number) => ({ timestamp: new Date(ms), latencyMs, outcome: "OK" as const });
    // Out of order within the batch.
    await recordInferenceEvents(t.db.prisma, deployment.id, [at(now.getTime() - 1000, 30), at(start.getTime(), 10), at(start.getTime() - 1, 999)], now);
    // A late event for a minute already written, and one in the current minute's last millisecond.
    await recordInferenceEvents(t.db.prisma, deployment.id, [at(start.getTime() + 59_999, 20), at(end.getTime() - 1, 40)], now);
    const m = await getDeploymentMetrics(t.db.prisma, deployment.id, "LAST_15_MINUTES", now);
    expect(m.requestCount).toBe(4);
    expect(m.windowStart).toEqual(start);
    expect(m.windowEnd).toEqual(end);
    const series = m.series();
    expect(series).toHaveLength(15);
    expect(series[0]).toMatchObject({ bucketStart: start, requests: 2 });
    expect(series[14]).toMatchObject({ requests: 2 });
    expect(series.slice(1, 14).every((p) => p.requests === 0 && p.p50LatencyMs === null)).toBe(true);
    // The event a millisecond before the window is in the last hour, with its own latency.
    const hour = await getDeploymentMetrics(t.db.prisma, deployment.id, "LAST_HOUR", now);
    expect(hour.requestCount).toBe(5);
    expect(hour.p99LatencyMs!).toBeGreaterThan(500);
  });

  test("an empty window has zero requests and null percentiles and rates, never NaN", async () => {
    const deployment = await createDeployment(t.db.prisma);
    for (const window of ["LAST_15_MINUTES", "LAST_HOUR", "LAST_24_HOURS", "LAST_7_DAYS"] as const) {
      const m = await getDeploymentMetrics(t.db.prisma, deployment.id, window, now);
      expect(m).toMatchObject({ requestCount: 0, requestsPerSecond: 0, p50LatencyMs: null, p95LatencyMs: null, p99LatencyMs: null, errorRate: null, clientErrorRate: null });
      expect(m.series().length).toBe({ LAST_15_MINUTES: 15, LAST_HOUR: 60, LAST_24_HOURS: 24, LAST_7_DAYS: 168 }[window]);
    }
  });

  test("the 24-hour and 7-day windows read hour rollups and include an event from six days ago only in the week", async () => {
    const deployment = await createDeployment(t.db.prisma);
    const sixDaysAgo = new Date(now.getTime() - 6 * 24 * 60 * MINUTE);
    await recordInferenceEvents(t.db.prisma, deployment.id, [
      { timestamp: sixDaysAgo, latencyMs: 100, outcome: "OK" },
      { timestamp: new Date(now.getTime() - 2 * 60 * MINUTE), latencyMs: 200, outcome: "SERVER_ERROR" },
    ], now);
    const day = await getDeploymentMetrics(t.db.prisma, deployment.id, "LAST_24_HOURS", now);
    const week = await getDeploymentMetrics(t.db.prisma, deployment.id, "LAST_7_DAYS", now);
    expect(day).toMatchObject({ requestCount: 1, serverErrorCount: 1, errorRate: 1 });
    expect(week).toMatchObject({ requestCount: 2, serverErrorCount: 1, errorRate: 0.5 });
    expect(week.requestsPerSecond).toBeCloseTo(2 / (7 * 24 * 3600), 12);
  });
});

test("error rate counts server errors only; client errors are shown apart", async () => {
  const deployment = await createDeployment(t.db.prisma);
  const random = rng(7);
  const from = new Date(now.getTime() - 10 * MINUTE);
  const events = [
    ...eventsAt(Array(970).fill(50), from, 10 * MINUTE, random, "OK"),
    ...eventsAt(Array(20).fill(50), from, 10 * MINUTE, random, "CLIENT_ERROR"),
    ...eventsAt(Array(10).fill(50), from, 10 * MINUTE, random, "SERVER_ERROR"),
  ];
  await recordInferenceEvents(t.db.prisma, deployment.id, events, now);
  const m = await getDeploymentMetrics(t.db.prisma, deployment.id, "LAST_15_MINUTES", now);
  expect(m).toMatchObject({ requestCount: 1000, serverErrorCount: 10, clientErrorCount: 20, errorRate: 0.01, clientErrorRate: 0.02 });
  expect(m.requestsPerSecond).toBeCloseTo(1000 / 900, 12);
  expect(m.series().reduce((sum, p) => sum + p.errors, 0)).toBe(10);
  const stats = await t.db.prisma.deploymentStats.findUniqueOrThrow({ where: { deploymentId: deployment.id } });
  expect(stats).toMatchObject({ errorRate15m: 0.01, errorRate1h: 0.01 });
  expect(stats.requestsPerSecond15m).toBeCloseTo(1000 / 900, 12);
});

test("the maintenance pass refreshes figures that slid out of their window, and prunes rollups past retention", async () => {
  const deployment = await createDeployment(t.db.prisma);
  await recordInferenceEvents(t.db.prisma, deployment.id, [{ timestamp: new Date(now.getTime() - 5 * MINUTE), latencyMs: 80, outcome: "OK" }], now);
  const later = new Date(now.getTime() + 30 * MINUTE);
  expect(await refreshStaleStats(t.db.prisma, later)).toBeGreaterThanOrEqual(1);
  const stats = await t.db.prisma.deploymentStats.findUniqueOrThrow({ where: { deploymentId: deployment.id } });
  expect(stats).toMatchObject({ requestsPerSecond15m: 0, p95LatencyMs15m: null, errorRate15m: null });
  expect(stats.p95LatencyMs1h).toBeGreaterThan(79);
  await pruneRollups(t.db.prisma, new Date(now.getTime() + 3 * 24 * 60 * MINUTE));
  const left = await t.db.prisma.inferenceRollup.findMany({ where: { deploymentId: deployment.id } });
  expect(left.map((r) => r.resolution)).toEqual(["HOUR"]);
});
