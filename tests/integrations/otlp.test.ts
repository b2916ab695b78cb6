import { gzipSync } from "node:zlib";
import { AggregationTemporalityPreference, OTLPMetricExporter as OTLPHttpJsonExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as OTLPProtoExporter } from "@opentelemetry/exporter-metrics-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { AggregationType, MeterProvider, PeriodicExportingMetricReader, type PushMetricExporter } from "@opentelemetry/sdk-metrics";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { decodeResponse, encodeProtobufRequest } from "../../graphql/otlp/proto.ts";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { serveIntegrations, type LocalServer } from "../setup/http.ts";
import { createDeployment, logNormal, rng } from "../services/metrics-fixtures.ts";

// A real OpenTelemetry SDK pushes to POST /v1/metrics on a running HTTP server.
let t: TestDatabase;
let http: LocalServer;
let base: string;
let ingestToken: string;
let readToken: string;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 5 });
  await seedDemoData(t.db);
  ingestToken = (await createApiToken(t.db.prisma, { input: { name: "otel-collector", scopes: ["ingest"] }, actor: "console" })).secret;
  readToken = (await createApiToken(t.db.prisma, { input: { name: "dashboards", scopes: ["read"] }, actor: "console" })).secret;
  http = await serveIntegrations(t.db);
  base = http.base;
});
afterAll(async () => {
  await http.close();
  await t.drop();
});

const METRICS = `query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) {
  requestCount serverErrorCount clientErrorCount p50LatencyMs p95LatencyMs p99LatencyMs } } }`;
const metricsOf = async (id: string) => (await query(t.db, METRICS, { id })).deployment.metrics;

/** PostgreSQL's percentile_cont: linear interpolation at rank q·(n−1). */
function exact(values: number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = q * (s.length - 1);
  const lo = Math.floor(rank);
  return s[lo]! + (rank - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
}

function sdk(exporter: PushMetricExporter, attributes: Record<string, string>, aggregation: "exponential" | "explicit") {
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ "service.instance.id": `test-${Math.random()}`, ...attributes }),
    readers: [reader],
    views: [
      {
        instrumentName: "http.server.request.duration",
        aggregation:
          aggregation === "exponential"
            ? { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 400 } }
            : { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] } },
      },
    ],
  });
  const histogram = provider.getMeter("trainyard-test").createHistogram("http.server.request.duration", { unit: "s" });
  return { reader, provider, histogram };
}

/** Latencies in ms (log-normal around 120 ms) with 2 % 500s and 3 % 404s. */
function traffic(n: number, seed: number) {
  const random = rng(seed);
  return Array.from({ length: n }, () => {
    const r = random();
    return { ms: Math.min(5000, Math.max(5, logNormal(random, Math.log(120), 0.6))), status: r < 0.02 ? 500 : r < 0.05 ? 404 : 200 };
  });
}

describe("OpenTelemetry SDK → POST /v1/metrics", () => {
  test("exponential histograms (protobuf, cumulative, two exports): counts exact, P50/P95/P99 within 2 %", async () => {
    const deployment = await createDeployment(t.db.prisma);
    const exporter = new OTLPProtoExporter({ url: `${base}/v1/metrics`, headers: { Authorization: `Bearer ${ingestToken}` } });
    const { reader, provider, histogram } = sdk(exporter, { "trainyard.deployment.id": deployment.id }, "exponential");
    const first = traffic(2000, 1);
    const second = traffic(1500, 2);
    for (const r of first) histogram.record(r.ms / 1000, { "http.response.status_code": r.status, "http.request.method": "POST" });
    await reader.forceFlush();
    for (const r of second) histogram.record(r.ms / 1000, { "http.response.status_code": r.status, "http.request.method": "POST" });
    await reader.forceFlush(); // cumulative again: only the second batch is new
    await reader.forceFlush(); // nothing new: counted once
    await provider.shutdown();

    // The SDK kept scale ≥ 5 (the bound the 2 % promise is made for): the streams' stored state says so.
    const streams = await t.db.prisma.otlpStream.findMany({ where: { deploymentId: deployment.id } });
    expect(streams.length).toBe(3); // one per status code
    for (const s of streams) expect((s.state as { histo: { scale: number } }).histo.scale).toBeGreaterThanOrEqual(5);
    const all = [...first, ...second];
    const m = await metricsOf(deployment.id);
    expect(m.requestCount).toBe(all.length);
    expect(m.serverErrorCount).toBe(all.filter((r) => r.status === 500).length);
    expect(m.clientErrorCount).toBe(all.filter((r) => r.status === 404).length);
    const ms = all.map((r) => r.ms);
    for (const [q, got] of [[0.5, m.p50LatencyMs], [0.95, m.p95LatencyMs], [0.99, m.p99LatencyMs]] as const) {
      const want = exact(ms, q);
      expect(Math.abs(got - want) / want, `P${q * 100}: ${got} vs exact ${want}`).toBeLessThan(0.02);
    }
  });

  test("explicit-bucket histograms (JSON over gzip, delta, deployment by service.name + service.version)", async () => {
    const deployment = await createDeployment(t.db.prisma);
    const exporter = new OTLPHttpJsonExporter({
      url: `${base}/v1/metrics`,
      headers: { Authorization: `Bearer ${ingestToken}` },
      compression: "gzip" as never,
      temporalityPreference: AggregationTemporalityPreference.DELTA,
    });
    const { reader, provider, histogram } = sdk(exporter, { "service.name": deployment.modelName, "service.version": "1.0.0" }, "explicit");
    const batch = traffic(1200, 3);
    for (const r of batch.slice(0, 700)) histogram.record(r.ms / 1000, { "http.response.status_code": r.status });
    await reader.forceFlush();
    for (const r of batch.slice(700)) histogram.record(r.ms / 1000, { "http.response.status_code": r.status });
    await reader.forceFlush();
    await provider.shutdown();

    const m = await metricsOf(deployment.id);
    expect(m.requestCount).toBe(batch.length);
    expect(m.serverErrorCount).toBe(batch.filter((r) => r.status === 500).length);
    // Explicit buckets bound the error by the bucket: P50 lies in the exact P50's bucket.
    const bounds = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000];
    const want = exact(batch.map((r) => r.ms), 0.5);
    const i = bounds.findIndex((b) => b >= want);
    expect(m.p50LatencyMs).toBeGreaterThanOrEqual(bounds[i - 1]! * 0.99);
    expect(m.p50LatencyMs).toBeLessThanOrEqual(bounds[i]! * 1.01);
  });
});

const NOW_NS = () => BigInt(Date.now()) * 1_000_000n;

function expRequest(deploymentId: string, points: Array<Record<string, unknown>>, temporality = 2, extra: Record<string, unknown> = {}) {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: "trainyard.deployment.id", value: { stringValue: deploymentId } }] },
        scopeMetrics: [{ metrics: [{ name: "http.server.request.duration", unit: "s", exponentialHistogram: { aggregationTemporality: temporality, dataPoints: points } }, ...(extra.more as never[] ?? [])] }],
      },
    ],
  };
}

/** n requests of about 100 ms at scale 5 (bucket −107 of base 2^(1/32) is 98.6–100.8 ms). */
const point = (start: bigint, time: bigint, n: number, attrs: Array<Record<string, unknown>> = []) => ({
  attributes: attrs,
  startTimeUnixNano: start.toString(),
  timeUnixNano: time.toString(),
  count: String(n),
  sum: n * 0.1,
  scale: 5,
  positive: { offset: -107, bucketCounts: [String(n)] },
});

async function post(body: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}/v1/metrics`, {
    method: "POST",
    headers: { "content-type": "application/x-protobuf", authorization: `Bearer ${ingestToken}`, ...headers },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
  const bytes = Buffer.from(await response.arrayBuffer());
  return { status: response.status, bytes, type: response.headers.get("content-type") ?? "" };
}

describe("cumulative → delta, duplicates, resets", () => {
  test("repeated, out-of-order and reset cumulative exports count each request once", async () => {
    const d = await createDeployment(t.db.prisma);
    const start = NOW_NS() - 60_000_000_000n;
    const t1 = start + 10_000_000_000n;
    const t2 = start + 20_000_000_000n;
    const send = async (...points: Array<Record<string, unknown>>) => {
      const r = await post(encodeProtobufRequest(expRequest(d.id, points)));
      expect(r.status).toBe(200);
      expect(decodeResponse(r.bytes).partialSuccess?.rejectedDataPoints ?? "0").toBe("0");
    };
    await send(point(start, t2, 25)); // the later export arrives first
    await send(point(start, t1, 10)); // the earlier one late: already included
    await send(point(start, t2, 25)); // a retry
    expect((await metricsOf(d.id)).requestCount).toBe(25);
    await send(point(start, t2 + 5_000_000_000n, 40)); // +15
    expect((await metricsOf(d.id)).requestCount).toBe(40);
    const restarted = t2 + 6_000_000_000n;
    await send(point(restarted, restarted + 1_000_000_000n, 4)); // the process restarted: a new series from 0
    expect((await metricsOf(d.id)).requestCount).toBe(44);
    const m = await metricsOf(d.id);
    expect(Math.abs(m.p50LatencyMs - 100) / 100).toBeLessThan(0.02);
  });

  test("a delta point sent twice is counted once", async () => {
    const d = await createDeployment(t.db.prisma);
    const now = NOW_NS();
    const body = encodeProtobufRequest(expRequest(d.id, [point(now - 10_000_000_000n, now, 7, [{ key: "http.response.status_code", value: { intValue: "503" } }])], 1));
    expect((await post(body)).status).toBe(200);
    expect((await post(body)).status).toBe(200);
    expect(await metricsOf(d.id)).toMatchObject({ requestCount: 7, serverErrorCount: 7 });
  });
});

describe("bad input: partial success or a 4xx, never a 500, nothing written that should not be", () => {
  test("unknown deployments, unsupported types and bad points are rejected with reasons; good points in the same export count", async () => {
    const d = await createDeployment(t.db.prisma);
    const now = NOW_NS();
    const s = now - 5_000_000_000n;
    const request = {
      resourceMetrics: [
        expRequest(d.id, [
          point(s, now, 3),
          { ...point(s, now, 3), scale: 30, attributes: [{ key: "k", value: { stringValue: "scale" } }] },
          { ...point(s, now, 3), count: "4", attributes: [{ key: "k", value: { stringValue: "count" } }] },
          { ...point(s, now, 3), sum: Number.NaN, attributes: [{ key: "k", value: { stringValue: "nan" } }] },
        ], 1, { more: [{ name: "http.server.request.duration", unit: "s", gauge: { dataPoints: [{ asDouble: 1, timeUnixNano: now.toString() }] } }, { name: "process.cpu", sum: { dataPoints: [{ asDouble: 1 }] } }] }).resourceMetrics[0],
        expRequest("00000000-0000-4000-8000-000000000000", [point(s, now, 5)], 1).resourceMetrics[0],
        { resource: { attributes: [{ key: "service.name", value: { stringValue: "no-such-model" } }, { key: "service.version", value: { stringValue: "9.9.9" } }] }, scopeMetrics: expRequest(d.id, [point(s, now, 1)], 1).resourceMetrics[0]!.scopeMetrics },
      ],
    };
    const r = await post(encodeProtobufRequest(request));
    expect(r.status).toBe(200);
    const partial = decodeResponse(r.bytes).partialSuccess!;
    expect(partial.rejectedDataPoints).toBe("6");
    expect(partial.errorMessage).toMatch(/scale 30 is outside/);
    expect(partial.errorMessage).toMatch(/count is not zero_count plus the bucket counts/);
    expect(partial.errorMessage).toMatch(/not a finite number/);
    expect(partial.errorMessage).toMatch(/as a gauge is not supported/);
    expect(partial.errorMessage).toMatch(/no deployment 00000000-0000-4000-8000-000000000000/);
    expect(partial.errorMessage).toMatch(/no deployment of model no-such-model version v9.9.9/);
    expect((await metricsOf(d.id)).requestCount).toBe(3);
  });

  test("JSON with negative or NaN bucket counts is rejected as data points; a paused deployment takes nothing", async () => {
    const d = await createDeployment(t.db.prisma);
    const paused = await createDeployment(t.db.prisma, "PAUSED");
    const now = NOW_NS();
    const bad = { ...point(now - 1_000_000_000n, now, 2), positive: { offset: -107, bucketCounts: ["-1", "3"] } };
    const body = JSON.stringify({
      resourceMetrics: [expRequest(d.id, [bad], 1).resourceMetrics[0], expRequest(paused.id, [point(now - 1_000_000_000n, now, 2)], 1).resourceMetrics[0]],
    });
    const r = await post(body, { "content-type": "application/json" });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/application\/json/);
    const json = JSON.parse(r.bytes.toString());
    expect(json.partialSuccess.rejectedDataPoints).toBe("2");
    expect(json.partialSuccess.errorMessage).toMatch(/negative or not an integer/);
    expect(json.partialSuccess.errorMessage).toMatch(/is not ACTIVE/);
    expect((await metricsOf(d.id)).requestCount).toBe(0);
    expect((await metricsOf(paused.id)).requestCount).toBe(0);
  });

  test("malformed bodies, wrong content types, credentials and sizes get 4xx answers", async () => {
    expect((await post(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]))).status).toBe(400);
    expect((await post("{not json", { "content-type": "application/json" })).status).toBe(400);
    expect((await post(Buffer.from("not gzip"), { "content-encoding": "gzip" })).status).toBe(400);
    expect((await post("hello", { "content-type": "text/plain" })).status).toBe(415);
    expect((await post(Buffer.alloc(0), { authorization: "" })).status).toBe(401);
    expect((await post(Buffer.alloc(0), { authorization: "Bearer nope" })).status).toBe(401);
    expect((await post(Buffer.alloc(0), { authorization: `Bearer ${readToken}` })).status).toBe(403);
    expect((await post(Buffer.alloc(5 * 1024 * 1024))).status).toBe(413);
    expect((await post(gzipSync(Buffer.alloc(64 * 1024 * 1024)), { "content-encoding": "gzip" })).status).toBe(413);
    const empty = await post(encodeProtobufRequest({}));
    expect(empty.status).toBe(200);
    expect(decodeResponse(empty.bytes).partialSuccess).toBeUndefined();
  });
});
