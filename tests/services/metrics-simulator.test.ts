import { afterAll, beforeAll, expect, test } from "vitest";
import { getDeploymentMetrics } from "../../graphql/services/metrics.ts";
import { generateEvents, PROFILES, profileFor, simulateTraffic } from "../../graphql/services/traffic.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const now = new Date();
const active = ["support-v2", "sql-v1", "faq-v1"].map((k) => seedUuid(`deployment:${k}`));

async function totalRequests() {
  const r = await t.db.prisma.inferenceRollup.aggregate({ where: { resolution: "HOUR" }, _sum: { requestCount: true } });
  return r._sum.requestCount ?? 0;
}

test("the first pass backfills 24 hours for every ACTIVE deployment, quickly, and a second pass at the same moment adds nothing", async () => {
  const started = Date.now();
  const fed = await simulateTraffic(t.db.prisma, now);
  expect(Date.now() - started).toBeLessThan(30_000);
  expect([...fed.keys()].sort()).toEqual([...active].sort());
  const paused = seedUuid("deployment:contracts-v1");
  expect(await t.db.prisma.inferenceRollup.count({ where: { deploymentId: paused } })).toBe(0);
  for (const id of active) {
    const day = await getDeploymentMetrics(t.db.prisma, id, "LAST_24_HOURS", now);
    const withTraffic = day.series().filter((p) => p.requests > 0).length;
    expect(withTraffic).toBeGreaterThanOrEqual(24);
    const hour = await getDeploymentMetrics(t.db.prisma, id, "LAST_HOUR", now);
    expect(hour.series().filter((p) => p.requests > 0).length).toBeGreaterThanOrEqual(55);
  }
  const before = await totalRequests();
  expect(before).toBe([...fed.values()].reduce((a, b) => a + b, 0));
  expect((await simulateTraffic(t.db.prisma, now)).size).toBe(0);
  expect(await totalRequests()).toBe(before);
});

test("two processes feeding at the same moment never feed an interval twice", async () => {
  const later = new Date(now.getTime() + 90_000);
  const before = await totalRequests();
  const [a, b] = await Promise.all([simulateTraffic(t.db.prisma, later), simulateTraffic(t.db.prisma, later)]);
  const written = [...a.values(), ...b.values()].reduce((x, y) => x + y, 0);
  expect(written).toBeGreaterThan(0);
  expect(await totalRequests()).toBe(before + written);
  for (const id of active) expect(Number(a.has(id)) + Number(b.has(id))).toBe(1);
});

test("profiles differ so the demo shows slow, failing and healthy deployments", async () => {
  expect(new Set(active.map((id) => profileFor(id).name)).size).toBe(3);
  // A fixed day, not the wall clock: the events are a pure function of (deployment, time), and error bursts
  // come in random 10-minute blocks, so a window that moved with the clock made the outcome depend on when
  // the test ran (a 6-hour window with three bursts put the healthy profile at 1.2 % errors).
  const from = Date.UTC(2026, 10, 2);
  const summary = PROFILES.map((profile) => {
    const id = active.find((a) => profileFor(a).name === profile.name) ?? `00000000-0000-4000-8000-${String(PROFILES.indexOf(profile)).padStart(12, "0")}`;
    const events = generateEvents(id, from, from + 24 * 3600_000);
    const sorted = events.map((e) => e.latencyMs).sort((x, y) => x - y);
    return {
      name: profileFor(id).name,
      p50: sorted[Math.floor(sorted.length * 0.5)]!,
      p95: sorted[Math.floor(sorted.length * 0.95)]!,
      errorRate: events.filter((e) => e.outcome === "SERVER_ERROR").length / events.length,
    };
  });
  expect(summary.some((s) => s.p50 > 200)).toBe(true);
  expect(summary.some((s) => s.p95 > 500)).toBe(true);
  expect(summary.some((s) => s.errorRate > 0.01)).toBe(true);
  expect(summary.some((s) => s.p95 < 500 && s.errorRate < 0.01)).toBe(true);
});

test("a paused deployment gets no traffic, and resuming it does not replay the pause", async () => {
  const id = seedUuid("deployment:sql-v1");
  const at = (minutes: number) => new Date(now.getTime() + minutes * 60_000);
  await simulateTraffic(t.db.prisma, at(2));
  await t.db.prisma.deployment.update({ where: { id }, data: { status: "PAUSED" } });
  const whilePaused = await simulateTraffic(t.db.prisma, at(20));
  expect(whilePaused.has(id)).toBe(false);
  await t.db.prisma.deployment.update({ where: { id }, data: { status: "ACTIVE" } });
  const resumed = await simulateTraffic(t.db.prisma, at(21));
  expect(resumed.has(id)).toBe(true);
  const m = await getDeploymentMetrics(t.db.prisma, id, "LAST_15_MINUTES", at(21));
  const busy = m.series().filter((p) => p.requests > 0).map((p) => p.bucketStart.getTime());
  // Only the minute of the resume (and the one it started in) has traffic; the paused minutes stay empty.
  expect(busy.every((ms) => ms >= at(19).getTime())).toBe(true);
});
