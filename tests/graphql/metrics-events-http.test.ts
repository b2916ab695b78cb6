import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { systemActor, type Actor } from "../../graphql/context.ts";
import { flushStatsRefresh } from "../../graphql/services/metrics.ts";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { createDeployment, logNormal, percentileCont as exact, rng } from "../services/metrics-fixtures.ts";
import { serveIntegrations } from "../setup/http.ts";

// Issue 12: POST /api/v1/deployments/{id}/events on a real HTTP server and a real database
// (PGlite by default; PostgreSQL with TEST_DATABASE_URL): the same rows, rules, errors and
// idempotency as recordInferenceEvents, in one statement per batch.

let t: TestDatabase;
let http: Awaited<ReturnType<typeof serveIntegrations>>;
const tokens = { ingest: "", read: "" };
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 8 });
  await seedDemoData(t.db);
  for (const scope of ["ingest", "read"] as const) tokens[scope] = (await createApiToken(t.db.prisma, { input: { name: `events-${scope}`, scopes: [scope] }, actor: "console" })).secret;
  http = await serveIntegrations(t.db);
});
afterAll(async () => {
  await http.close();
  await flushStatsRefresh(t.db.prisma);
  await t.drop();
});

const ingest: Actor = { ...systemActor("gateway-graphql"), kind: "TOKEN", scopes: new Set(["ingest"]) };
const RECORD = `mutation ($id: ID!, $events: [InferenceEventInput!]!, $key: String) {
  recordInferenceEvents(deploymentId: $id, events: $events, idempotencyKey: $key) {
    __typename ... on RecordInferenceEventsSuccess { acceptedCount duplicate } ... on Error { code message } } }`;
const METRICS = `query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) {
  requestCount serverErrorCount clientErrorCount p50LatencyMs p95LatencyMs p99LatencyMs averageLatencyMs } } }`;

async function post(id: string, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${http.base}/api/v1/deployments/${id}/events`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${tokens.ingest}`, ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, any> };
}

function traffic(n: number, seed: number) {
  const random = rng(seed);
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => {
    const r = random();
    return {
      timestamp: new Date(now - 1000 - ((i * 7919) % 600_000)).toISOString(),
      latencyMs: Math.round(logNormal(random, Math.log(120), 0.6) * 100) / 100,
      outcome: r < 0.02 ? "SERVER_ERROR" : r < 0.05 ? "CLIENT_ERROR" : "OK",
    };
  });
}

const rollupsOf = (id: string) =>
  t.db.prisma.inferenceRollup.findMany({
    where: { deploymentId: id },
    orderBy: [{ resolution: "asc" }, { bucketStart: "asc" }],
    select: { resolution: true, bucketStart: true, requestCount: true, clientErrorCount: true, serverErrorCount: true, latencySumMs: true, histogramOffset: true, histogram: true },
  });
const fleetTotal = async () =>
  (await t.db.prisma.$queryRaw<Array<{ n: number }>>`SELECT coalesce(sum("requestCount"), 0)::float8 AS n FROM "FleetRollup"`)[0]!.n;

describe("POST /api/v1/deployments/{id}/events", () => {
  test("writes exactly the rows recordInferenceEvents writes for the same events; percentiles within 1 % of percentile_cont", async () => {
    const viaHttp = await createDeployment(t.db.prisma);
    const viaGraphql = await createDeployment(t.db.prisma);
    const events = traffic(2_000, 7);
    const fleetBefore = await fleetTotal();
    const answer = await post(viaHttp.id, { events });
    expect(answer).toEqual({ status: 200, json: { deploymentId: viaHttp.id, acceptedCount: 2_000, duplicate: false } });
    expect((await query(t.db, RECORD, { id: viaGraphql.id, events }, ingest)).recordInferenceEvents).toEqual({
      __typename: "RecordInferenceEventsSuccess",
      acceptedCount: 2_000,
      duplicate: false,
    });
    const [a, b] = [await rollupsOf(viaHttp.id), await rollupsOf(viaGraphql.id)];
    expect(a.length).toBeGreaterThan(0);
    expect(a).toEqual(b);
    expect((await fleetTotal()) - fleetBefore).toBe(4_000);

    const m = (await query(t.db, METRICS, { id: viaHttp.id })).deployment.metrics;
    expect(m.requestCount).toBe(2_000);
    expect(m.serverErrorCount).toBe(events.filter((e) => e.outcome === "SERVER_ERROR").length);
    expect(m.clientErrorCount).toBe(events.filter((e) => e.outcome === "CLIENT_ERROR").length);
    const latencies = events.map((e) => e.latencyMs);
    for (const [field, q] of [["p50LatencyMs", 0.5], ["p95LatencyMs", 0.95], ["p99LatencyMs", 0.99]] as const) {
      expect(Math.abs(m[field] - exact(latencies, q)) / exact(latencies, q)).toBeLessThanOrEqual(0.01);
    }
  });

  test("bad input gets a typed error naming the event, and nothing is written", async () => {
    const d = await createDeployment(t.db.prisma);
    const good = traffic(10, 3);
    const cases: Array<[unknown, string, string]> = [
      [{ events: good.map((e, i) => (i === 3 ? { ...e, latencyMs: -1 } : e)) }, "events.3.latencyMs", "latencyMs must not be negative"],
      [{ events: good.map((e, i) => (i === 5 ? { ...e, latencyMs: "12" } : e)) }, "events.5.latencyMs", "latencyMs must be a number"],
      [{ events: good.map((e, i) => (i === 0 ? { ...e, outcome: "TEAPOT" } : e)) }, "events.0.outcome", "outcome must be one of OK, CLIENT_ERROR, SERVER_ERROR"],
      [{ events: good.map((e, i) => (i === 9 ? { ...e, timestamp: "yesterday-ish" } : e)) }, "events.9.timestamp", "timestamp must be an ISO-8601 string or epoch milliseconds"],
      [{ events: good.map((e, i) => (i === 8 ? { ...e, timestamp: true } : e)) }, "events.8.timestamp", "timestamp must be a date"],
      [{ events: good.map((e, i) => (i === 2 ? { ...e, timestamp: new Date(Date.now() + 3_600_000).toISOString() } : e)) }, "events.2.timestamp", "in the future"],
      [{ events: good.map((e, i) => (i === 4 ? null : e)) }, "events.4", "must be an object"],
      [{ events: "many" }, "events", "events must be an array"],
      [[good], "body", "must be a JSON object"],
      [{ events: good, idempotencyKey: "has space" }, "idempotencyKey", "printable ASCII"],
      [{ events: Array.from({ length: 50_001 }, () => good[0]) }, "events", "at most 50000 events"],
    ];
    for (const [body, path, message] of cases) {
      const { status, json } = await post(d.id, body);
      expect(status, path).toBe(400);
      expect(json.error.code, path).toBe("VALIDATION");
      expect(json.error.fieldErrors[0].path, path).toBe(path);
      expect(JSON.stringify(json.error), path).toContain(message);
    }
    const notJson = await post(d.id, "{not json");
    expect([notJson.status, notJson.json.error.code]).toEqual([400, "VALIDATION"]);
    expect(await rollupsOf(d.id)).toEqual([]);
    expect(await t.db.prisma.ingestReceipt.count({ where: { deploymentId: d.id } })).toBe(0);
  });

  test("credentials, content type, unknown and paused deployments", async () => {
    const d = await createDeployment(t.db.prisma);
    const paused = await createDeployment(t.db.prisma, "PAUSED");
    const body = { events: traffic(5, 4), idempotencyKey: "paused-1" };
    const none = await post(d.id, body, { authorization: "" });
    expect([none.status, none.json.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    const unknownToken = await post(d.id, body, { authorization: "Bearer nope" });
    expect([unknownToken.status, unknownToken.json.error.code]).toEqual([401, "UNAUTHENTICATED"]);
    const reader = await post(d.id, body, { authorization: `Bearer ${tokens.read}` });
    expect([reader.status, reader.json.error.code]).toEqual([403, "FORBIDDEN"]);
    expect(reader.json.error.message).toContain('"ingest" scope');
    expect((await post(d.id, body, { "content-type": "text/plain" })).status).toBe(415);
    const missing = await post("00000000-0000-4000-8000-000000000000", body);
    expect([missing.status, missing.json.error.code]).toEqual([404, "NOT_FOUND"]);
    const notUuid = await post("not-a-uuid", body);
    expect([notUuid.status, notUuid.json.error.code]).toEqual([404, "NOT_FOUND"]);
    const p = await post(paused.id, body);
    expect([p.status, p.json.error.code, p.json.error.fieldErrors[0].path]).toEqual([400, "VALIDATION", "deploymentId"]);
    expect(p.json.error.message).toContain("is paused and not accepting traffic");
    expect(await rollupsOf(d.id)).toEqual([]);
    expect(await rollupsOf(paused.id)).toEqual([]);
    // The refused batch did not claim its key: once active, the same batch is counted.
    expect(await t.db.prisma.ingestReceipt.count({ where: { deploymentId: paused.id } })).toBe(0);
  });

  test("an idempotency key counts a batch once, however many concurrent retries, by body field or header, shared with GraphQL", async () => {
    const d = await createDeployment(t.db.prisma);
    const events = traffic(40, 5);
    const fleetBefore = await fleetTotal();
    const answers = await Promise.all(Array.from({ length: 4 }, () => post(d.id, { events, idempotencyKey: "events-batch-1" })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200]);
    expect(answers.map((a) => a.json.duplicate).sort()).toEqual([false, true, true, true]);
    const viaHeader = await post(d.id, { events }, { "idempotency-key": "events-batch-1" });
    expect(viaHeader.json).toEqual({ deploymentId: d.id, acceptedCount: 40, duplicate: true });
    const viaGraphql = (await query(t.db, RECORD, { id: d.id, events, key: "events-batch-1" }, ingest)).recordInferenceEvents;
    expect(viaGraphql.duplicate).toBe(true);
    const hours = (await rollupsOf(d.id)).filter((r) => r.resolution === "HOUR");
    expect(hours.reduce((n, r) => n + r.requestCount, 0)).toBe(40);
    expect((await fleetTotal()) - fleetBefore).toBe(40);
    const second = await post(d.id, { events }, { "idempotency-key": "events-batch-2" });
    expect(second.json.duplicate).toBe(false);
    expect((await fleetTotal()) - fleetBefore).toBe(80);
  });

  test("concurrent batches into the same buckets add up exactly (no lost update, no deadlock)", async () => {
    const d = await createDeployment(t.db.prisma);
    const batches = Array.from({ length: 8 }, (_, i) => traffic(250, 100 + i));
    const fleetBefore = await fleetTotal();
    const answers = await Promise.all(batches.map((events) => post(d.id, { events })));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const rows = await rollupsOf(d.id);
    for (const resolution of ["MINUTE", "HOUR"] as const) {
      const mine = rows.filter((r) => r.resolution === resolution);
      expect(mine.reduce((n, r) => n + r.requestCount, 0)).toBe(2_000);
      expect(mine.reduce((n, r) => n + r.histogram.reduce((a, b) => a + b, 0), 0)).toBe(2_000);
    }
    expect((await fleetTotal()) - fleetBefore).toBe(2_000);
  });
});
