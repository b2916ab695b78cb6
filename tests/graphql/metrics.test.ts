import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { execute, parse } from "graphql";
import { consoleActor, systemActor, type Actor } from "../../graphql/context.ts";
import { schema } from "../../graphql/schema.ts";
import { recordInferenceEvents } from "../../graphql/services/metrics.ts";
import { applyDefaultAlertRules, evaluateDueRules } from "../../graphql/services/alerts.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { createDeployment, eventsAt, gaussian, rng } from "../services/metrics-fixtures.ts";
const PUBLIC_URL = "http://localhost:3000";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 12 });
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const RECORD = `mutation ($id: ID!, $events: [InferenceEventInput!]!) {
  recordInferenceEvents(deploymentId: $id, events: $events) {
    __typename
    ... on RecordInferenceEventsSuccess { acceptedCount deployment { id metrics(window: LAST_15_MINUTES) { requestCount } } }
    ... on ValidationError { code message fieldErrors { path message } }
    ... on Error { code message }
  }
}`;

const ingest: Actor = { ...systemActor("gateway-eu"), kind: "TOKEN", scopes: new Set(["ingest"]) };
const ago = (ms: number) => new Date(Date.now() - ms).toISOString();

async function rollupCount(deploymentId: string) {
  return t.db.prisma.inferenceRollup.count({ where: { deploymentId } });
}

describe("recordInferenceEvents", () => {
  test("records a batch and the deployment's metrics show it at once; the audit trail names the gateway", async () => {
    const d = await createDeployment(t.db.prisma);
    const events = [
      { timestamp: ago(60_000), latencyMs: 120, outcome: "OK" },
      { timestamp: ago(30_000), latencyMs: 80, outcome: "CLIENT_ERROR" },
      { timestamp: ago(1_000), latencyMs: 450, outcome: "SERVER_ERROR" },
    ];
    const data = await query(t.db, RECORD, { id: d.id, events }, ingest);
    expect(data.recordInferenceEvents).toEqual({
      __typename: "RecordInferenceEventsSuccess",
      acceptedCount: 3,
      deployment: { id: d.id, metrics: { requestCount: 3 } },
    });
    const audit = await t.db.prisma.auditEvent.findFirst({ where: { action: "recordInferenceEvents", targetId: d.id } });
    expect(audit).toMatchObject({ actor: "gateway-eu", outcome: "SUCCESS" });
  });

  test("one bad event refuses the whole batch, names its index, and writes nothing", async () => {
    const d = await createDeployment(t.db.prisma);
    const good = (i: number) => ({ timestamp: ago(i * 1000 + 5000), latencyMs: 100 + i, outcome: "OK" });
    const cases: Array<[number, Record<string, unknown>, string]> = [
      [3, { latencyMs: -1 }, "events.3.latencyMs"],
      [7, { timestamp: new Date(Date.now() + 10 * 60_000).toISOString() }, "events.7.timestamp"],
      [1, { timestamp: ago(8 * 24 * 3600_000) }, "events.1.timestamp"],
    ];
    for (const [index, patch, path] of cases) {
      const events = Array.from({ length: 10 }, (_, i) => (i === index ? { ...good(i), ...patch } : good(i)));
      const data = await query(t.db, RECORD, { id: d.id, events }, ingest);
      expect(data.recordInferenceEvents).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
      expect(data.recordInferenceEvents.message).toContain(`Event ${index}`);
      expect(data.recordInferenceEvents.fieldErrors[0].path).toBe(path);
    }
    expect(await rollupCount(d.id)).toBe(0);
    const refused = await t.db.prisma.auditEvent.count({ where: { action: "recordInferenceEvents", targetId: d.id, outcome: "REFUSED", errorCode: "VALIDATION" } });
    expect(refused).toBe(3);
  });

  test("non-finite latency is refused by the service the simulator also uses", async () => {
    const d = await createDeployment(t.db.prisma);
    const events = [
      { timestamp: new Date(), latencyMs: 10, outcome: "OK" as const },
      { timestamp: new Date(), latencyMs: Number.POSITIVE_INFINITY, outcome: "OK" as const },
    ];
    await expect(recordInferenceEvents(t.db.prisma, d.id, events)).rejects.toMatchObject({ code: "VALIDATION", fieldErrors: [{ path: "events.1.latencyMs" }] });
    expect(await rollupCount(d.id)).toBe(0);
  });

  test("unknown deployment is NOT_FOUND; a paused one is not accepting traffic; a token without ingest is FORBIDDEN", async () => {
    const events = [{ timestamp: ago(1000), latencyMs: 10, outcome: "OK" }];
    const missing = await query(t.db, RECORD, { id: "00000000-0000-4000-8000-000000000000", events }, ingest);
    expect(missing.recordInferenceEvents).toMatchObject({ __typename: "NotFoundError", code: "NOT_FOUND" });
    const paused = await createDeployment(t.db.prisma, "PAUSED");
    const refused = await query(t.db, RECORD, { id: paused.id, events }, ingest);
    expect(refused.recordInferenceEvents).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
    expect(refused.recordInferenceEvents.message).toMatch(/paused and not accepting traffic/);
    expect(await rollupCount(paused.id)).toBe(0);
    const active = await createDeployment(t.db.prisma);
    const reader: Actor = { ...systemActor("reader"), kind: "TOKEN", scopes: new Set(["read", "deploy"]) };
    const forbidden = await query(t.db, RECORD, { id: active.id, events }, reader);
    expect(forbidden.recordInferenceEvents).toMatchObject({ __typename: "ForbiddenError", code: "FORBIDDEN" });
    expect(await rollupCount(active.id)).toBe(0);
  });

  test("a batch retried with the same idempotency key is counted once, also when the retries race", async () => {
    const d = await createDeployment(t.db.prisma);
    const events = [
      { timestamp: ago(20_000), latencyMs: 100, outcome: "OK" },
      { timestamp: ago(10_000), latencyMs: 300, outcome: "SERVER_ERROR" },
    ];
    const KEYED = `mutation ($id: ID!, $events: [InferenceEventInput!]!, $key: String) {
      recordInferenceEvents(deploymentId: $id, events: $events, idempotencyKey: $key) {
        __typename ... on RecordInferenceEventsSuccess { acceptedCount duplicate } ... on Error { code message }
      }
    }`;
    const first = await query(t.db, KEYED, { id: d.id, events, key: "batch-1" }, ingest);
    expect(first.recordInferenceEvents).toEqual({ __typename: "RecordInferenceEventsSuccess", acceptedCount: 2, duplicate: false });
    const again = await query(t.db, KEYED, { id: d.id, events, key: "batch-1" }, ingest);
    expect(again.recordInferenceEvents).toEqual({ __typename: "RecordInferenceEventsSuccess", acceptedCount: 2, duplicate: true });
    // Five retries of a new batch at the same moment: the receipt's primary key lets one of them count.
    const raced = await Promise.all(Array.from({ length: 5 }, () => recordInferenceEvents(t.db.prisma, d.id, events.map((e) => ({ ...e, timestamp: new Date(e.timestamp), outcome: e.outcome as "OK" })), new Date(), { idempotencyKey: "batch-2" })));
    expect(raced.filter((r) => !r.duplicate)).toHaveLength(1);
    const metrics = await query(t.db, `query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) { requestCount serverErrorCount } } }`, { id: d.id });
    expect(metrics.deployment.metrics).toEqual({ requestCount: 4, serverErrorCount: 2 });
    const bad = await query(t.db, KEYED, { id: d.id, events, key: "has space" }, ingest);
    expect(bad.recordInferenceEvents).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
  });

  test("ten writers ingesting into the same deployment at once lose nothing", async () => {
    const d = await createDeployment(t.db.prisma);
    const random = rng(10);
    const writers = Array.from({ length: 10 }, (_, w) =>
      Array.from({ length: 4 }, (_, b) => eventsAt(Array.from({ length: 500 }, () => 20 + random() * 300), new Date(Date.now() - 10 * 60_000), 9 * 60_000, rng(w * 10 + b), w % 2 ? "SERVER_ERROR" : "OK")),
    );
    await Promise.all(writers.map(async (batches) => { for (const batch of batches) await recordInferenceEvents(t.db.prisma, d.id, batch); }));
    const data = await query(t.db, `query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) { requestCount serverErrorCount errorRate series { requests } } } }`, { id: d.id });
    expect(data.deployment.metrics).toMatchObject({ requestCount: 20_000, serverErrorCount: 10_000, errorRate: 0.5 });
    expect(data.deployment.metrics.series.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBe(20_000);
    const rows = await t.db.prisma.inferenceRollup.findMany({ where: { deploymentId: d.id } });
    for (const r of rows) expect(r.histogram.reduce((a, b) => a + b, 0)).toBe(r.requestCount);
  });
});

describe("deployments list with metrics", () => {
  const LIST = `query ($first: Int, $sort: DeploymentSort, $filter: DeploymentFilter) {
    deployments(first: $first, sort: $sort, filter: $filter) {
      totalCount
      nodes { id modelName metrics(window: LAST_HOUR) { requestCount p95LatencyMs errorRate requestsPerSecond series { requests } } }
    }
  }`;
  const ids: string[] = [];
  const medians = [300, 40, 900, 120, 60, 500];

  beforeAll(async () => {
    const random = rng(99);
    for (const [i, median] of medians.entries()) {
      const d = await createDeployment(t.db.prisma, "ACTIVE", `ranked-${i}`);
      ids.push(d.id);
      const latencies = Array.from({ length: 200 * (i + 1) }, () => Math.exp(Math.log(median) + 0.3 * gaussian(random)));
      await recordInferenceEvents(t.db.prisma, d.id, eventsAt(latencies, new Date(Date.now() - 30 * 60_000), 25 * 60_000, random, i === 1 ? "SERVER_ERROR" : "OK"));
    }
    // A deployment without traffic: it sorts last whatever the direction.
    ids.push((await createDeployment(t.db.prisma, "ACTIVE", "ranked-idle")).id);
  });

  test("sorting by P95, requests/sec and error rate is done by the server, with idle deployments last", async () => {
    const filter = { modelName: "ranked-" };
    const byP95 = await query(t.db, LIST, { first: 10, filter, sort: { field: "P95_LATENCY", direction: "DESC", window: "LAST_HOUR" } });
    expect(byP95.deployments.totalCount).toBe(7);
    expect(byP95.deployments.nodes.map((n: { modelName: string }) => n.modelName)).toEqual(["ranked-2", "ranked-5", "ranked-0", "ranked-3", "ranked-4", "ranked-1", "ranked-idle"]);
    const p95s = byP95.deployments.nodes.slice(0, 6).map((n: { metrics: { p95LatencyMs: number } }) => n.metrics.p95LatencyMs);
    expect([...p95s].sort((a, b) => b - a)).toEqual(p95s);
    const ascending = await query(t.db, LIST, { first: 3, filter, sort: { field: "P95_LATENCY", direction: "ASC" } });
    expect(ascending.deployments.nodes.map((n: { modelName: string }) => n.modelName)).toEqual(["ranked-1", "ranked-4", "ranked-3"]);
    const byRate = await query(t.db, LIST, { first: 2, filter, sort: { field: "REQUESTS_PER_SECOND", direction: "DESC", window: "LAST_24_HOURS" } });
    expect(byRate.deployments.nodes.map((n: { modelName: string }) => n.modelName)).toEqual(["ranked-5", "ranked-4"]);
    const byErrors = await query(t.db, LIST, { first: 1, filter, sort: { field: "ERROR_RATE", direction: "DESC" } });
    expect(byErrors.deployments.nodes[0]).toMatchObject({ modelName: "ranked-1", metrics: { errorRate: 1 } });
  });

  test("a page of deployments with metrics costs the same number of queries for 2 rows as for 7", async () => {
    const countQueries = async (first: number) => {
      let count = 0;
      const prisma = t.db.prisma.$extends({ query: { $allOperations: ({ args, query: next }) => { count++; return next(args); } } });
      const contextValue = { db: t.db, prisma, actor: consoleActor };
      const result = await execute({ schema, document: parse(LIST), variableValues: { first, filter: { modelName: "ranked-" }, sort: { field: "P95_LATENCY" } }, contextValue });
      expect(result.errors).toBeUndefined();
      return count;
    };
    const small = await countQueries(2);
    const large = await countQueries(7);
    expect(large).toBe(small);
    // The page with its count (one statement, ADR 0046), and one read of the rollups for the whole page (it asks for series).
    expect(small).toBe(2);
  });

  test("a list that does not ask for series gets the figures the database sums per deployment: the same as from the rows, in every window", async () => {
    // Mixed outcomes over two days, so every figure and both resolutions have something to differ on.
    const random = rng(7);
    const outcomes = ["OK", "OK", "CLIENT_ERROR", "SERVER_ERROR"] as const;
    for (const [i, median] of [80, 400].entries()) {
      const d = await createDeployment(t.db.prisma, "ACTIVE", `summed-${i}`);
      for (const [j, outcome] of outcomes.entries()) {
        const latencies = Array.from({ length: 150 + 50 * j }, () => Math.exp(Math.log(median) + 0.5 * gaussian(random)));
        await recordInferenceEvents(t.db.prisma, d.id, eventsAt(latencies, new Date(Date.now() - 40 * 3_600_000), 40 * 3_600_000 - 5_000, random, outcome));
      }
    }
    await createDeployment(t.db.prisma, "ACTIVE", "summed-idle");
    const FIGURES = `requestCount requestsPerSecond p50LatencyMs p95LatencyMs p99LatencyMs averageLatencyMs errorRate clientErrorRate serverErrorCount clientErrorCount`;
    const list = (selection: string) => `query ($window: MetricsWindow!) {
      deployments(first: 10, filter: { modelName: "summed-" }, sort: { field: MODEL_NAME, direction: ASC }) { nodes { modelName metrics(window: $window) { ${selection} } } }
    } fragment WithSeries on DeploymentMetrics { ${FIGURES} series { requests } }`;
    for (const window of ["LAST_15_MINUTES", "LAST_HOUR", "LAST_24_HOURS", "LAST_7_DAYS"]) {
      const summed = (await query(t.db, list(FIGURES), { window })).deployments.nodes;
      const fromRows = (await query(t.db, list("...WithSeries"), { window })).deployments.nodes;
      expect(summed.map((n: { modelName: string }) => n.modelName)).toEqual(["summed-0", "summed-1", "summed-idle"]);
      for (const [i, node] of summed.entries()) {
        const { series, averageLatencyMs, ...rest } = fromRows[i].metrics;
        expect(node.metrics).toEqual({ ...rest, averageLatencyMs: averageLatencyMs === null ? null : expect.closeTo(averageLatencyMs, 9) });
        // The series (asked through a fragment) still comes, and adds up to the same count.
        expect(series.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBe(node.metrics.requestCount);
      }
      if (window !== "LAST_15_MINUTES") expect(summed[1].metrics.clientErrorCount).toBeGreaterThan(0);
      expect(summed[2].metrics).toMatchObject({ requestCount: 0, p95LatencyMs: null, errorRate: null });
    }
    // A series asked in a list of summaries' selection (an alias beside the plain figures) comes from the rows too.
    const both = await query(t.db, `{ deployments(first: 1, filter: { modelName: "summed-1" }) { nodes {
      plain: metrics(window: LAST_24_HOURS) { requestCount }
      withSeries: metrics(window: LAST_24_HOURS) { requestCount series { requests } } } } }`);
    const [node] = both.deployments.nodes;
    expect(node.plain.requestCount).toBeGreaterThan(0);
    expect(node.withSeries.series.reduce((s: number, p: { requests: number }) => s + p.requests, 0)).toBe(node.plain.requestCount);
  });
});

test("the dashboard's alerts count an active deployment whose P95 over 15 minutes exceeds 500 ms (a default rule), even without errors", async () => {
  const alerts = async () => (await query(t.db, `{ dashboard { alertsFiring } }`)).dashboard.alertsFiring as number;
  // The count is the alert rules' state (issue 14): each deployment gets the default rules, the evaluator fires them.
  const evaluate = () => evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(Date.now() + 3_600_000) });
  await evaluate();
  const before = await alerts();
  const slow = await createDeployment(t.db.prisma);
  await applyDefaultAlertRules(t.db.prisma, { deploymentId: slow.id });
  const random = rng(5);
  await recordInferenceEvents(t.db.prisma, slow.id, eventsAt(Array.from({ length: 400 }, () => 450 + random() * 300), new Date(Date.now() - 5 * 60_000), 4 * 60_000, random));
  await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL });
  // P95 > 500 ms fires; P50 ≈ 600 ms > 200 ms fires too: two alerts, one per rule.
  expect(await alerts()).toBe(before + 2);
  const fast = await createDeployment(t.db.prisma);
  await applyDefaultAlertRules(t.db.prisma, { deploymentId: fast.id });
  await recordInferenceEvents(t.db.prisma, fast.id, eventsAt(Array.from({ length: 400 }, () => 50 + random() * 50), new Date(Date.now() - 5 * 60_000), 4 * 60_000, random));
  await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL });
  expect(await alerts()).toBe(before + 2);
});
