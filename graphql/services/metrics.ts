import { inTransaction, isClient, type Db, type PrismaClient } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { findFirstBadEvent, INGEST_LIMITS, type InferenceEventInput } from "../validation/inference.ts";
import { LatencySketch } from "./sketch.ts";

/**
 * Inference metrics, computed from stored rollups only (docs/decisions/0005).
 *
 * Ingestion folds a batch of events into per-minute and per-hour rollup rows
 * (count, client and server errors, latency sum, mergeable latency histogram)
 * with one upsert; concurrent batches add into the same rows under the row lock.
 * Window queries merge the rollups of the window's buckets.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

export const METRICS_WINDOWS = ["LAST_15_MINUTES", "LAST_HOUR", "LAST_24_HOURS", "LAST_7_DAYS"] as const;
export type MetricsWindowName = (typeof METRICS_WINDOWS)[number];
type Resolution = "MINUTE" | "HOUR";

interface WindowSpec {
  durationMs: number;
  resolution: Resolution;
  bucketMs: number;
}

/**
 * Short windows read minute rollups, long ones hour rollups. A window is whole
 * buckets and ends with the bucket holding `now`, so the current minute (or
 * hour) counts and an event's bucket decides whether it is in.
 */
export const WINDOW_SPECS: Record<MetricsWindowName, WindowSpec> = {
  LAST_15_MINUTES: { durationMs: 15 * MINUTE_MS, resolution: "MINUTE", bucketMs: MINUTE_MS },
  LAST_HOUR: { durationMs: HOUR_MS, resolution: "MINUTE", bucketMs: MINUTE_MS },
  LAST_24_HOURS: { durationMs: 24 * HOUR_MS, resolution: "HOUR", bucketMs: HOUR_MS },
  LAST_7_DAYS: { durationMs: 7 * 24 * HOUR_MS, resolution: "HOUR", bucketMs: HOUR_MS },
};

/** Minute rollups serve the 15-minute and 1-hour windows; two days leaves room for late events. */
export const MINUTE_ROLLUP_RETENTION_MS = 2 * 24 * HOUR_MS;
/** Hour rollups serve the 7-day window; one extra day covers its partial first hour. */
export const HOUR_ROLLUP_RETENTION_MS = 8 * 24 * HOUR_MS;

export interface WindowBounds {
  window: MetricsWindowName;
  start: Date;
  end: Date;
  resolution: Resolution;
  bucketMs: number;
}

export function windowBounds(window: MetricsWindowName, now: Date): WindowBounds {
  const spec = WINDOW_SPECS[window];
  const end = Math.floor(now.getTime() / spec.bucketMs) * spec.bucketMs + spec.bucketMs;
  return { window, start: new Date(end - spec.durationMs), end: new Date(end), resolution: spec.resolution, bucketMs: spec.bucketMs };
}

export interface RollupRow {
  deploymentId: string;
  bucketStart: Date;
  requestCount: number;
  clientErrorCount: number;
  serverErrorCount: number;
  latencySumMs: number;
  histogramOffset: number;
  histogram: number[];
}

export interface MetricsPoint {
  bucketStart: Date;
  requests: number;
  errors: number;
  clientErrors: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

export interface DeploymentMetrics {
  deploymentId: string;
  window: MetricsWindowName;
  windowStart: Date;
  windowEnd: Date;
  requestCount: number;
  requestsPerSecond: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
  averageLatencyMs: number | null;
  /** Server or model errors ÷ requests; null without requests. */
  errorRate: number | null;
  /** Client errors (4xx) ÷ requests, shown apart; null without requests. */
  clientErrorRate: number | null;
  serverErrorCount: number;
  clientErrorCount: number;
  /** One point per bucket of the window, oldest first, empty buckets included. */
  series: () => MetricsPoint[];
}

/** Folds the rollup rows of one deployment (already limited to the window) into its metrics. */
export function computeMetrics(deploymentId: string, bounds: WindowBounds, rows: readonly RollupRow[]): DeploymentMetrics {
  const sketch = new LatencySketch();
  let requests = 0;
  let clientErrors = 0;
  let serverErrors = 0;
  let latencySum = 0;
  for (const r of rows) {
    requests += r.requestCount;
    clientErrors += r.clientErrorCount;
    serverErrors += r.serverErrorCount;
    latencySum += r.latencySumMs;
    sketch.merge(r.histogramOffset, r.histogram);
  }
  const seconds = (bounds.end.getTime() - bounds.start.getTime()) / 1000;
  let series: MetricsPoint[] | undefined;
  return {
    deploymentId,
    window: bounds.window,
    windowStart: bounds.start,
    windowEnd: bounds.end,
    requestCount: requests,
    requestsPerSecond: requests / seconds,
    p50LatencyMs: sketch.quantile(0.5),
    p95LatencyMs: sketch.quantile(0.95),
    p99LatencyMs: sketch.quantile(0.99),
    averageLatencyMs: requests > 0 ? latencySum / requests : null,
    errorRate: requests > 0 ? serverErrors / requests : null,
    clientErrorRate: requests > 0 ? clientErrors / requests : null,
    serverErrorCount: serverErrors,
    clientErrorCount: clientErrors,
    series: () => (series ??= buildSeries(bounds, rows)),
  };
}

function buildSeries(bounds: WindowBounds, rows: readonly RollupRow[]): MetricsPoint[] {
  const byBucket = new Map<number, RollupRow[]>();
  for (const r of rows) {
    const key = r.bucketStart.getTime();
    const list = byBucket.get(key);
    if (list) list.push(r);
    else byBucket.set(key, [r]);
  }
  const points: MetricsPoint[] = [];
  for (let t = bounds.start.getTime(); t < bounds.end.getTime(); t += bounds.bucketMs) {
    const sketch = new LatencySketch();
    let requests = 0;
    let errors = 0;
    let clientErrors = 0;
    for (const r of byBucket.get(t) ?? []) {
      requests += r.requestCount;
      errors += r.serverErrorCount;
      clientErrors += r.clientErrorCount;
      sketch.merge(r.histogramOffset, r.histogram);
    }
    points.push({ bucketStart: new Date(t), requests, errors, clientErrors, p50LatencyMs: sketch.quantile(0.5), p95LatencyMs: sketch.quantile(0.95) });
  }
  return points;
}

async function fetchRollups(prisma: PrismaClient | Prisma.TransactionClient, ids: readonly string[], resolution: Resolution, start: Date, end: Date) {
  const rows = await prisma.$queryRaw<RollupRow[]>`
    SELECT "deploymentId"::text AS "deploymentId", "bucketStart", "requestCount", "clientErrorCount", "serverErrorCount",
           "latencySumMs", "histogramOffset", "histogram"
    FROM "InferenceRollup"
    WHERE "deploymentId" = ANY(${ids as string[]}::uuid[])
      AND "resolution" = ${resolution}::"RollupResolution"
      AND "bucketStart" >= ${start.toISOString()}::timestamp
      AND "bucketStart" < ${end.toISOString()}::timestamp`;
  const byDeployment = new Map<string, RollupRow[]>();
  for (const r of rows) {
    const list = byDeployment.get(r.deploymentId);
    if (list) list.push(r);
    else byDeployment.set(r.deploymentId, [r]);
  }
  return byDeployment;
}

/** The metrics of many deployments for one window, in one query (the deployments list uses it per page). */
export async function loadDeploymentMetrics(
  prisma: PrismaClient,
  deploymentIds: readonly string[],
  window: MetricsWindowName,
  now = new Date(),
): Promise<Map<string, DeploymentMetrics>> {
  const bounds = windowBounds(window, now);
  const rows = deploymentIds.length ? await fetchRollups(prisma, deploymentIds, bounds.resolution, bounds.start, bounds.end) : new Map();
  return new Map(deploymentIds.map((id) => [id, computeMetrics(id, bounds, rows.get(id) ?? [])]));
}

export async function getDeploymentMetrics(prisma: PrismaClient, deploymentId: string, window: MetricsWindowName, now = new Date()) {
  return (await loadDeploymentMetrics(prisma, [deploymentId], window, now)).get(deploymentId)!;
}

export interface RollupWrite {
  resolution: Resolution;
  bucketStart: string;
  n: number;
  c: number;
  s: number;
  sum: number;
  o: number;
  h: number[];
}

interface RollupBucket {
  resolution: Resolution;
  start: number;
  n: number;
  c: number;
  s: number;
  sum: number;
  sketch: LatencySketch;
}

/**
 * Folds inference data into the rollup rows it adds to (one per minute and per
 * hour touched). Whoever measures the requests feeds it: events one by one
 * (`add`), or totals with a latency sketch already built (`addSketch`: a
 * gateway's per-second aggregate, an OTLP histogram re-binned into a sketch).
 */
export class RollupAccumulator {
  private readonly buckets = new Map<string, RollupBucket>();
  private events = 0;

  get eventCount(): number {
    return this.events;
  }

  add(timestampMs: number, latencyMs: number, outcome: InferenceEventInput["outcome"], times = 1): void {
    for (const b of this.bucketsAt(timestampMs)) {
      b.n += times;
      if (outcome === "CLIENT_ERROR") b.c += times;
      else if (outcome === "SERVER_ERROR") b.s += times;
      b.sum += latencyMs * times;
      b.sketch.add(latencyMs, times);
    }
    this.events += times;
  }

  addSketch(timestampMs: number, totals: { requests: number; clientErrors: number; serverErrors: number; latencySumMs: number }, sketch: LatencySketch): void {
    for (const b of this.bucketsAt(timestampMs)) {
      b.n += totals.requests;
      b.c += totals.clientErrors;
      b.s += totals.serverErrors;
      b.sum += totals.latencySumMs;
      b.sketch.mergeSketch(sketch);
    }
    this.events += totals.requests;
  }

  /** The rows to write, in a fixed order so concurrent upserts never deadlock. */
  writes(): RollupWrite[] {
    return [...this.buckets.values()]
      .sort((a, b) => (a.resolution === b.resolution ? a.start - b.start : a.resolution < b.resolution ? -1 : 1))
      .map((b) => {
        const dense = b.sketch.toDense();
        return { resolution: b.resolution, bucketStart: new Date(b.start).toISOString(), n: b.n, c: b.c, s: b.s, sum: b.sum, o: dense.offset, h: dense.counts };
      });
  }

  /** The last minute's pair, reused while events stay in that minute (the gateway adds one per request). */
  private lastMinute = -1;
  private lastPair: [RollupBucket, RollupBucket] | null = null;

  private bucketsAt(timestampMs: number): [RollupBucket, RollupBucket] {
    const minute = timestampMs - (timestampMs % MINUTE_MS);
    if (minute === this.lastMinute && this.lastPair) return this.lastPair;
    this.lastMinute = minute;
    return (this.lastPair = [this.bucket("MINUTE", minute), this.bucket("HOUR", timestampMs - (timestampMs % HOUR_MS))]);
  }

  private bucket(resolution: Resolution, start: number): RollupBucket {
    const key = `${resolution}:${start}`;
    let b = this.buckets.get(key);
    if (!b) this.buckets.set(key, (b = { resolution, start, n: 0, c: 0, s: 0, sum: 0, sketch: new LatencySketch() }));
    return b;
  }
}

/** One rollup row per minute and per hour touched by the batch. */
export function rollupWritesFor(events: readonly InferenceEventInput[]): RollupWrite[] {
  const acc = new RollupAccumulator();
  for (const e of events) acc.add(e.timestamp.getTime(), e.latencyMs, e.outcome);
  return acc.writes();
}

/** Shards of the fleet rollup per hour: concurrent writers pick one at random, so they rarely wait on the same row. */
export const FLEET_SHARDS = 16;

/**
 * Adds rollup rows into the stored ones (the histogram merge is exact: bucket
 * counts add), and the hour rows' counts into the fleet rollup the dashboard
 * reads. Two statements, rollups first and fleet rows in bucket order, so
 * concurrent batches always lock in the same order and never deadlock.
 */
export async function upsertRollups(tx: Prisma.TransactionClient | PrismaClient, deploymentId: string, writes: readonly RollupWrite[]) {
  if (writes.length === 0) return;
  await tx.$executeRaw`
    INSERT INTO "InferenceRollup" AS r ("deploymentId", "resolution", "bucketStart", "requestCount", "clientErrorCount",
                                        "serverErrorCount", "latencySumMs", "histogramOffset", "histogram")
    SELECT ${deploymentId}::uuid, w.resolution::"RollupResolution", w."bucketStart"::timestamp, w.n, w.c, w.s, w.sum, w.o, w.h
    FROM jsonb_to_recordset(${JSON.stringify(writes)}::jsonb)
         AS w(resolution TEXT, "bucketStart" TEXT, n INTEGER, c INTEGER, s INTEGER, sum DOUBLE PRECISION, o INTEGER, h INTEGER[])
    ON CONFLICT ("deploymentId", "resolution", "bucketStart") DO UPDATE SET
      "requestCount" = r."requestCount" + EXCLUDED."requestCount",
      "clientErrorCount" = r."clientErrorCount" + EXCLUDED."clientErrorCount",
      "serverErrorCount" = r."serverErrorCount" + EXCLUDED."serverErrorCount",
      "latencySumMs" = r."latencySumMs" + EXCLUDED."latencySumMs",
      "histogramOffset" = "trainyard_histogram_offset"(r."histogramOffset", r."histogram", EXCLUDED."histogramOffset", EXCLUDED."histogram"),
      "histogram" = "trainyard_histogram_add"(r."histogramOffset", r."histogram", EXCLUDED."histogramOffset", EXCLUDED."histogram")`;
  const hours = writes
    .filter((w) => w.resolution === "HOUR")
    .map((w) => ({ b: w.bucketStart, n: w.n, c: w.c, s: w.s }))
    .sort((a, b) => (a.b < b.b ? -1 : a.b > b.b ? 1 : 0));
  if (hours.length === 0) return;
  const shard = Math.floor(Math.random() * FLEET_SHARDS);
  await tx.$executeRaw`
    INSERT INTO "FleetRollup" AS f ("bucketStart", "shard", "requestCount", "clientErrorCount", "serverErrorCount")
    SELECT w.b::timestamp, ${shard}::int, w.n, w.c, w.s
    FROM jsonb_to_recordset(${JSON.stringify(hours)}::jsonb) AS w(b TEXT, n BIGINT, c BIGINT, s BIGINT)
    ORDER BY 1
    ON CONFLICT ("bucketStart", "shard") DO UPDATE SET
      "requestCount" = f."requestCount" + EXCLUDED."requestCount",
      "clientErrorCount" = f."clientErrorCount" + EXCLUDED."clientErrorCount",
      "serverErrorCount" = f."serverErrorCount" + EXCLUDED."serverErrorCount"`;
}

/** The fleet's totals over hour buckets [start, end): what every deployment's hour rollups sum to. */
export async function fleetTotals(prisma: PrismaClient, start: Date, end: Date) {
  const rows = await prisma.$queryRaw<Array<{ n: number | null; c: number | null; s: number | null }>>`
    SELECT sum("requestCount")::float8 AS n, sum("clientErrorCount")::float8 AS c, sum("serverErrorCount")::float8 AS s
    FROM "FleetRollup" WHERE "bucketStart" >= ${start.toISOString()}::timestamp AND "bucketStart" < ${end.toISOString()}::timestamp`;
  const r = rows[0];
  return { requests: r?.n ?? 0, clientErrors: r?.c ?? 0, serverErrors: r?.s ?? 0 };
}

export function validateBatch(events: readonly InferenceEventInput[], now: Date): void {
  if (events.length > INGEST_LIMITS.maxBatch) {
    throw new ValidationError(`A batch holds at most ${INGEST_LIMITS.maxBatch.toLocaleString("en-US")} events; split it`, [
      { path: "events", message: `at most ${INGEST_LIMITS.maxBatch} events` },
    ]);
  }
  const bad = findFirstBadEvent(events, now);
  if (bad) {
    throw new ValidationError(`Event ${bad.index} is invalid: ${bad.message}. Nothing was recorded.`, [
      { path: `events.${bad.index}.${bad.field}`, message: bad.message },
    ]);
  }
}

/**
 * Checks the deployment accepts traffic and writes the batch, inside the
 * caller's transaction. The share lock keeps the deployment from being paused
 * or retired between the check and the write.
 */
export async function ingestInTransaction(tx: Prisma.TransactionClient, deploymentId: string, events: readonly InferenceEventInput[]) {
  await assertAcceptsTraffic(tx, deploymentId);
  await upsertRollups(tx, deploymentId, rollupWritesFor(events));
}

async function assertAcceptsTraffic(tx: Prisma.TransactionClient, deploymentId: string) {
  const rows = await tx.$queryRaw<Array<{ status: string }>>`
    SELECT "status"::text AS status FROM "Deployment" WHERE "id" = ${deploymentId}::uuid FOR SHARE`;
  const deployment = rows[0];
  if (!deployment) throw new NotFoundError("Deployment", deploymentId);
  if (deployment.status !== "ACTIVE") {
    throw new ValidationError(
      `Deployment ${deploymentId} is ${deployment.status.toLowerCase()} and not accepting traffic; event 0 and the rest were not recorded.`,
      [{ path: "deploymentId", message: "the deployment is not ACTIVE" }],
    );
  }
}

export interface IngestResult {
  deploymentId: string;
  acceptedCount: number;
  /** True when this idempotency key was already counted: nothing was recorded again. */
  duplicate: boolean;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An idempotency key: what a client may use to make a retried batch count once. */
export const IDEMPOTENCY_KEY = { maxLength: 200, pattern: /^[\x21-\x7e]+$/ } as const;
/** Receipts are kept this long: a batch retried later than that would be counted again. */
export const INGEST_RECEIPT_RETENTION_MS = 48 * HOUR_MS;

export function validateIdempotencyKey(key: string | null | undefined, path = "idempotencyKey"): void {
  if (key == null) return;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY.maxLength || !IDEMPOTENCY_KEY.pattern.test(key)) {
    throw new ValidationError(`${path} must be 1 to ${IDEMPOTENCY_KEY.maxLength} printable ASCII characters without spaces`, [
      { path, message: "1 to 200 printable ASCII characters" },
    ]);
  }
}

/**
 * The one write path for inference data, whoever aggregated it: events from
 * `recordInferenceEvents` and the simulator, a gateway's per-second sketches,
 * OTLP histograms. Inside one transaction (the caller's, when `db` is one): the
 * deployment must be ACTIVE (unless `requireActive` is false: a gateway flushing
 * what a deployment served just before it was paused), the idempotency key is
 * claimed (a key already claimed means this batch was counted before: nothing is
 * written and `duplicate` is true), then the rollup rows are added into.
 */
export async function ingestRollups(
  db: Db,
  args: { deploymentId: string; writes: readonly RollupWrite[]; eventCount: number; idempotencyKey?: string | null; requireActive?: boolean },
): Promise<IngestResult> {
  const { deploymentId, writes, eventCount } = args;
  if (!UUID.test(deploymentId)) throw new NotFoundError("Deployment", deploymentId);
  validateIdempotencyKey(args.idempotencyKey);
  return inTransaction(db, async (tx) => {
    if (args.requireActive === false) {
      const exists = await tx.$queryRaw<unknown[]>`SELECT 1 FROM "Deployment" WHERE "id" = ${deploymentId}::uuid FOR SHARE`;
      if (exists.length === 0) throw new NotFoundError("Deployment", deploymentId);
    } else {
      await assertAcceptsTraffic(tx, deploymentId);
    }
    if (args.idempotencyKey != null) {
      // Concurrent retries of one key: the second insert waits on the primary key and then finds it taken.
      const claimed = await tx.$queryRaw<unknown[]>`
        INSERT INTO "IngestReceipt" ("deploymentId", "key", "eventCount") VALUES (${deploymentId}::uuid, ${args.idempotencyKey}, ${eventCount})
        ON CONFLICT DO NOTHING RETURNING 1`;
      if (claimed.length === 0) return { deploymentId, acceptedCount: eventCount, duplicate: true };
    }
    await upsertRollups(tx, deploymentId, writes);
    return { deploymentId, acceptedCount: eventCount, duplicate: false };
  });
}

/** The `recordInferenceEvents` mutation: validates a batch of events, then writes it through `ingestRollups`. All or nothing. */
export async function recordInferenceEvents(
  db: Db,
  deploymentId: string,
  events: readonly InferenceEventInput[],
  now = new Date(),
  options: { idempotencyKey?: string | null } = {},
): Promise<IngestResult> {
  if (!UUID.test(deploymentId)) throw new NotFoundError("Deployment", deploymentId);
  validateBatch(events, now);
  const result = await ingestRollups(db, { deploymentId, writes: rollupWritesFor(events), eventCount: events.length, idempotencyKey: options.idempotencyKey });
  if (!result.duplicate && isClient(db)) {
    // The batch is committed: a failed refresh must not make the gateway retry (and double-count) it.
    // The maintenance worker recomputes the figures within a minute anyway.
    await refreshDeploymentStats(db as PrismaClient, [deploymentId], now).catch((err) =>
      console.warn(`[metrics] could not refresh stats of ${deploymentId}: ${(err as Error).message}`),
    );
  }
  return result;
}

/** Forgets idempotency keys past their retention. */
export async function pruneIngestReceipts(db: Db, now = new Date()) {
  const cutoff = new Date(now.getTime() - INGEST_RECEIPT_RETENTION_MS).toISOString();
  return db.$executeRaw`DELETE FROM "IngestReceipt" WHERE "createdAt" < ${cutoff}::timestamp`;
}

/** DeploymentStats column suffix per window. */
const STATS_SUFFIX: Record<MetricsWindowName, string> = {
  LAST_15_MINUTES: "15m",
  LAST_HOUR: "1h",
  LAST_24_HOURS: "24h",
  LAST_7_DAYS: "7d",
};

export function statsColumn(metric: "requestsPerSecond" | "p95LatencyMs" | "errorRate", window: MetricsWindowName) {
  return `${metric}${STATS_SUFFIX[window]}` as const;
}

/**
 * Recomputes the sortable per-window figures of some deployments from their
 * rollups: two reads and one upsert for any number of deployments. A slower
 * refresh never overwrites a newer one.
 */
export async function refreshDeploymentStats(prisma: PrismaClient, deploymentIds: readonly string[], now = new Date()) {
  if (deploymentIds.length === 0) return;
  const hour = windowBounds("LAST_HOUR", now);
  const week = windowBounds("LAST_7_DAYS", now);
  const [minuteRows, hourRows] = await Promise.all([
    fetchRollups(prisma, deploymentIds, "MINUTE", hour.start, hour.end),
    fetchRollups(prisma, deploymentIds, "HOUR", week.start, week.end),
  ]);
  const records = deploymentIds.map((id) => {
    const record: Record<string, unknown> = { deploymentId: id };
    for (const window of METRICS_WINDOWS) {
      const bounds = windowBounds(window, now);
      const source = (bounds.resolution === "MINUTE" ? minuteRows : hourRows).get(id) ?? [];
      const m = computeMetrics(id, bounds, source.filter((r) => r.bucketStart >= bounds.start && r.bucketStart < bounds.end));
      record[statsColumn("requestsPerSecond", window)] = m.requestsPerSecond;
      record[statsColumn("p95LatencyMs", window)] = m.p95LatencyMs;
      record[statsColumn("errorRate", window)] = m.errorRate;
    }
    return record;
  });
  await prisma.$executeRaw`
    INSERT INTO "DeploymentStats" AS s ("deploymentId", "computedAt",
      "requestsPerSecond15m", "p95LatencyMs15m", "errorRate15m", "requestsPerSecond1h", "p95LatencyMs1h", "errorRate1h",
      "requestsPerSecond24h", "p95LatencyMs24h", "errorRate24h", "requestsPerSecond7d", "p95LatencyMs7d", "errorRate7d")
    SELECT x."deploymentId", ${now.toISOString()}::timestamp,
      x."requestsPerSecond15m", x."p95LatencyMs15m", x."errorRate15m", x."requestsPerSecond1h", x."p95LatencyMs1h", x."errorRate1h",
      x."requestsPerSecond24h", x."p95LatencyMs24h", x."errorRate24h", x."requestsPerSecond7d", x."p95LatencyMs7d", x."errorRate7d"
    FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS x("deploymentId" UUID,
      "requestsPerSecond15m" DOUBLE PRECISION, "p95LatencyMs15m" DOUBLE PRECISION, "errorRate15m" DOUBLE PRECISION,
      "requestsPerSecond1h" DOUBLE PRECISION, "p95LatencyMs1h" DOUBLE PRECISION, "errorRate1h" DOUBLE PRECISION,
      "requestsPerSecond24h" DOUBLE PRECISION, "p95LatencyMs24h" DOUBLE PRECISION, "errorRate24h" DOUBLE PRECISION,
      "requestsPerSecond7d" DOUBLE PRECISION, "p95LatencyMs7d" DOUBLE PRECISION, "errorRate7d" DOUBLE PRECISION)
    WHERE EXISTS (SELECT 1 FROM "Deployment" d WHERE d."id" = x."deploymentId")
    ORDER BY x."deploymentId"
    ON CONFLICT ("deploymentId") DO UPDATE SET
      "computedAt" = EXCLUDED."computedAt",
      "requestsPerSecond15m" = EXCLUDED."requestsPerSecond15m", "p95LatencyMs15m" = EXCLUDED."p95LatencyMs15m", "errorRate15m" = EXCLUDED."errorRate15m",
      "requestsPerSecond1h" = EXCLUDED."requestsPerSecond1h", "p95LatencyMs1h" = EXCLUDED."p95LatencyMs1h", "errorRate1h" = EXCLUDED."errorRate1h",
      "requestsPerSecond24h" = EXCLUDED."requestsPerSecond24h", "p95LatencyMs24h" = EXCLUDED."p95LatencyMs24h", "errorRate24h" = EXCLUDED."errorRate24h",
      "requestsPerSecond7d" = EXCLUDED."requestsPerSecond7d", "p95LatencyMs7d" = EXCLUDED."p95LatencyMs7d", "errorRate7d" = EXCLUDED."errorRate7d"
    WHERE s."computedAt" <= EXCLUDED."computedAt"`;
}

/**
 * At most this many rows per pass (the worker passes every 5 s), oldest first: a
 * refresh re-reads up to 7 days of rollups, so a fleet whose every deployment had
 * traffic in its last hour is caught up gradually rather than all at each minute.
 */
export const STALE_STATS_PER_PASS = 50;

/**
 * Deployments whose figures have changed since they were computed without new
 * traffic (windows slide), or that have rollups but no figures yet. Only what
 * can have changed is recomputed: the 15-minute and 1-hour figures move with
 * the minute, and only for a deployment with traffic in its last hour; the
 * 24-hour and 7-day figures are whole hours and move with the hour, only for a
 * deployment with traffic in its last 7 days. An idle fleet therefore costs
 * nothing between hour boundaries (docs/decisions/0025-stats-freshness.md).
 */
export async function refreshStaleStats(prisma: PrismaClient, now = new Date(), options: { limit?: number } = {}) {
  const limit = options.limit ?? STALE_STATS_PER_PASS;
  const minute = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS).toISOString();
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS).toISOString();
  const rows = await prisma.$queryRaw<Array<{ id: string }>>`
    (SELECT s."deploymentId"::text AS id FROM "DeploymentStats" s
      WHERE (s."computedAt" < ${minute}::timestamp AND s."requestsPerSecond1h" > 0)
         OR (s."computedAt" < ${hour}::timestamp AND s."requestsPerSecond7d" > 0)
      ORDER BY s."computedAt" LIMIT ${limit})
    UNION
    (SELECT d."id"::text AS id FROM "Deployment" d
      WHERE NOT EXISTS (SELECT 1 FROM "DeploymentStats" s WHERE s."deploymentId" = d."id")
        AND EXISTS (SELECT 1 FROM "InferenceRollup" r WHERE r."deploymentId" = d."id")
      LIMIT ${limit})`;
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 200) await refreshDeploymentStats(prisma, ids.slice(i, i + 200), now);
  return ids.length;
}

interface PendingRefresh {
  ids: Set<string>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}
const pendingRefreshes = new WeakMap<PrismaClient, PendingRefresh>();
/** How long ingestion lets touched deployments gather before their figures are recomputed together. */
export const STATS_REFRESH_DELAY_MS = 250;

/**
 * Recomputes the figures of deployments that just received traffic, shortly
 * after and together: a busy gateway's many batches cost one refresh per
 * deployment per round instead of a 7-day re-read per batch. The batch is
 * already committed; the sort order follows within about a second.
 */
export function scheduleStatsRefresh(prisma: PrismaClient, deploymentIds: Iterable<string>): void {
  let pending = pendingRefreshes.get(prisma);
  if (!pending) pendingRefreshes.set(prisma, (pending = { ids: new Set() }));
  for (const id of deploymentIds) pending.ids.add(id);
  if (pending.timer || pending.ids.size === 0) return;
  const p = pending;
  p.timer = setTimeout(() => {
    p.running = (async () => {
      // Let a refresh still running finish first, so one deployment is never refreshed twice at once.
      while (p.ids.size > 0) {
        const ids = [...p.ids];
        p.ids.clear();
        const now = new Date();
        for (let i = 0; i < ids.length; i += 200) {
          await refreshDeploymentStats(prisma, ids.slice(i, i + 200), now).catch((err) =>
            console.warn(`[metrics] could not refresh stats of ${ids.length} deployments: ${(err as Error).message}`),
          );
        }
      }
    })().finally(() => {
      p.timer = undefined;
      p.running = undefined;
      if (p.ids.size > 0) scheduleStatsRefresh(prisma, []);
    });
  }, STATS_REFRESH_DELAY_MS);
  p.timer.unref?.();
}

/** Waits until every scheduled stats refresh of this client is done (shutdown, tests). */
export async function flushStatsRefresh(prisma: PrismaClient): Promise<void> {
  const p = pendingRefreshes.get(prisma);
  while (p && (p.timer || p.running || p.ids.size > 0)) {
    if (p.running) await p.running;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Drops rollups older than their retention (raw events are never stored; see ADR 0005). */
export async function pruneRollups(prisma: PrismaClient, now = new Date()) {
  const minuteCutoff = new Date(now.getTime() - MINUTE_ROLLUP_RETENTION_MS).toISOString();
  const hourCutoff = new Date(now.getTime() - HOUR_ROLLUP_RETENTION_MS).toISOString();
  await prisma.$executeRaw`DELETE FROM "FleetRollup" WHERE "bucketStart" < ${hourCutoff}::timestamp`;
  return prisma.$executeRaw`
    DELETE FROM "InferenceRollup"
    WHERE ("resolution" = 'MINUTE' AND "bucketStart" < ${minuteCutoff}::timestamp)
       OR ("resolution" = 'HOUR' AND "bucketStart" < ${hourCutoff}::timestamp)`;
}
