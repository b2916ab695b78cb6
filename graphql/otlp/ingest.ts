import { createHash } from "node:crypto";
import type { PrismaClient } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { BaseError } from "../errors.ts";
import { ingestRollups, refreshDeploymentStats, RollupAccumulator } from "../services/metrics.ts";
import { LatencySketch } from "../services/sketch.ts";
import { INGEST_LIMITS } from "../validation/inference.ts";
import { ingestedDataPoints, ingestionLag } from "../observability/registry.ts";
import type { OtlpAnyValue, OtlpExponentialPoint, OtlpHistogramPoint, OtlpKeyValue, OtlpRequest } from "./proto.ts";
import { isUuid } from "../ids.ts";

/**
 * OTLP metrics → Trainyard rollups (docs/decisions/0018-otlp-metrics-ingestion.md).
 *
 * Only `http.server.request.duration` is read: exponential histograms are re-binned
 * into the rollup sketch (each OTLP bucket counted at the point of least relative
 * error, (b−1)/(b+1) with b = 2^(2^−scale): 1.08 % at scale 5, so P50/P95/P99 stay
 * within 2 % with the sketch's own 0.9 %); explicit-bucket histograms the same way,
 * with an error bounded by each bucket's own width (coarse: as good as the buckets).
 * Errors come from `http.response.status_code` (5xx server, 4xx client).
 * Cumulative streams are turned into deltas against the last value stored per
 * stream (row-locked), with resets detected; delta points are counted once by an
 * idempotency receipt on (stream, start, time). Everything that cannot be used is
 * counted in `rejectedDataPoints` with a reason, never thrown.
 */
export const DURATION_METRIC = "http.server.request.duration";
export const OTLP_LIMITS = {
  /** Data points of the duration metric per export. */
  maxPoints: 5_000,
  /** Buckets per point (the SDK's default exponential histogram has at most 160). */
  maxBuckets: 4_096,
  minScale: -10,
  maxScale: 20,
};

const UNIT_TO_MS: Record<string, number> = { s: 1000, ms: 1, us: 0.001, "": 1000 };

export interface OtlpIngestResult {
  acceptedDataPoints: number;
  rejectedDataPoints: number;
  /** Points of other metrics: not Trainyard's to read, neither accepted nor rejected. */
  ignoredDataPoints: number;
  /** One line per distinct reason, with its count. */
  errorMessage: string;
  deploymentIds: string[];
}

type Outcome = "OK" | "CLIENT_ERROR" | "SERVER_ERROR";

interface Histo {
  kind: "exp" | "explicit";
  /** exp: scale and the positive buckets; explicit: the bounds. */
  scale: number;
  offset: number;
  counts: number[];
  zeroCount: number;
  bounds: number[];
  count: number;
  sum: number | null;
  min: number | null;
  max: number | null;
}

interface Point {
  deploymentId: string;
  streamKey: string;
  cumulative: boolean;
  startNs: bigint;
  timeNs: bigint;
  outcome: Outcome;
  toMs: number;
  histo: Histo;
}

class Rejections {
  private readonly reasons = new Map<string, number>();
  total = 0;
  add(reason: string, n = 1) {
    if (n <= 0) return;
    this.total += n;
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + n);
  }
  message(): string {
    return [...this.reasons.entries()].map(([r, n]) => `${n} data point${n === 1 ? "" : "s"}: ${r}`).join("; ");
  }
}

function anyToString(v: OtlpAnyValue | undefined): string | null {
  if (!v) return null;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  return null;
}

function attributeMap(list: OtlpKeyValue[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const kv of list ?? []) {
    const v = anyToString(kv.value);
    if (kv.key && v !== null) m.set(kv.key, v);
  }
  return m;
}

function sortedEntries(m: Map<string, string>) {
  return [...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function outcomeOf(attrs: Map<string, string>): Outcome {
  const code = Number(attrs.get("http.response.status_code") ?? attrs.get("http.status_code"));
  if (code >= 500 && code <= 599) return "SERVER_ERROR";
  if (code >= 400 && code <= 499) return "CLIENT_ERROR";
  return "OK";
}

/** A uint64 from OTLP (decimal string) as a safe integer, or null. */
function count(v: string | number | undefined | null): number | null {
  if (v === undefined || v === null) return 0;
  const n = Number(v);
  return Number.isSafeInteger(n) && n >= 0 ? n : null;
}

function nanos(v: string | undefined): bigint | null {
  if (v === undefined) return 0n;
  try {
    const n = BigInt(v);
    return n >= 0n ? n : null;
  } catch {
    return null;
  }
}

const optionalFinite = (v: number | undefined | null): number | null | "bad" =>
  v === undefined || v === null ? (v === null ? "bad" : null) : Number.isFinite(v) ? v : "bad";

function parseExponential(p: OtlpExponentialPoint): Histo | string {
  const scale = p.scale ?? 0;
  if (!Number.isInteger(scale) || scale < OTLP_LIMITS.minScale || scale > OTLP_LIMITS.maxScale) {
    return `scale ${scale} is outside ${OTLP_LIMITS.minScale}..${OTLP_LIMITS.maxScale}`;
  }
  const total = count(p.count);
  const zero = count(p.zeroCount);
  if (total === null || zero === null) return "count or zero_count is negative or not an integer";
  const raw = p.positive?.bucketCounts ?? [];
  if (raw.length > OTLP_LIMITS.maxBuckets) return `more than ${OTLP_LIMITS.maxBuckets} buckets`;
  const counts: number[] = [];
  for (const c of raw) {
    const n = count(c);
    if (n === null) return "a bucket count is negative or not an integer";
    counts.push(n);
  }
  if ((p.negative?.bucketCounts ?? []).some((c) => Number(c) !== 0)) return "negative durations (negative buckets) are not latencies";
  const offset = p.positive?.offset ?? 0;
  if (!Number.isInteger(offset) || Math.abs(offset) > 1e9) return "bucket offset out of range";
  if (counts.reduce((a, b) => a + b, zero) !== total) return "count is not zero_count plus the bucket counts";
  const sum = optionalFinite(p.sum);
  const min = optionalFinite(p.min);
  const max = optionalFinite(p.max);
  if (sum === "bad" || min === "bad" || max === "bad") return "sum, min or max is not a finite number";
  if (sum !== null && sum < 0) return "sum of durations is negative";
  return { kind: "exp", scale, offset, counts, zeroCount: zero, bounds: [], count: total, sum, min, max };
}

function parseExplicit(p: OtlpHistogramPoint): Histo | string {
  const total = count(p.count);
  if (total === null) return "count is negative or not an integer";
  const bounds = p.explicitBounds ?? [];
  const raw = p.bucketCounts ?? [];
  if (raw.length > OTLP_LIMITS.maxBuckets) return `more than ${OTLP_LIMITS.maxBuckets} buckets`;
  if (raw.length === 0 && total > 0) return "a histogram with a count needs bucket counts";
  if (raw.length > 0 && raw.length !== bounds.length + 1) return "bucket_counts must have one more entry than explicit_bounds";
  for (let i = 0; i < bounds.length; i++) {
    if (!Number.isFinite(bounds[i]!) || (i > 0 && bounds[i]! <= bounds[i - 1]!)) return "explicit_bounds must be finite and increasing";
  }
  const counts: number[] = [];
  for (const c of raw) {
    const n = count(c);
    if (n === null) return "a bucket count is negative or not an integer";
    counts.push(n);
  }
  if (counts.reduce((a, b) => a + b, 0) !== total) return "count is not the sum of the bucket counts";
  const sum = optionalFinite(p.sum);
  const min = optionalFinite(p.min);
  const max = optionalFinite(p.max);
  if (sum === "bad" || min === "bad" || max === "bad") return "sum, min or max is not a finite number";
  if (sum !== null && sum < 0) return "sum of durations is negative";
  return { kind: "explicit", scale: 0, offset: 0, counts, zeroCount: 0, bounds, count: total, sum, min, max };
}

/** Within-bucket point of least relative error for (lo, hi]. */
const representative = (lo: number, hi: number) => (lo <= 0 ? hi / 2 : (2 * lo * hi) / (lo + hi));

/** The histogram's counts as a latency sketch in milliseconds (and the estimated sum when none was sent). */
export function toSketch(h: Histo, toMs: number): { sketch: LatencySketch; estimatedSumMs: number } {
  const sketch = new LatencySketch();
  let estimatedSumMs = 0;
  const add = (valueMs: number, n: number) => {
    if (n <= 0) return;
    sketch.add(valueMs, n);
    estimatedSumMs += valueMs * n;
  };
  if (h.kind === "exp") {
    add(0, h.zeroCount);
    const step = Math.pow(2, -h.scale);
    h.counts.forEach((n, i) => {
      if (!n) return;
      const index = h.offset + i;
      add(representative(Math.pow(2, index * step), Math.pow(2, (index + 1) * step)) * toMs, n);
    });
  } else {
    h.counts.forEach((n, i) => {
      if (!n) return;
      const hi = h.bounds[i];
      const lo = i === 0 ? Math.max(0, h.min ?? 0) : h.bounds[i - 1]!;
      if (hi === undefined) add((h.max ?? lo) * toMs, n); // the overflow bucket: its max is the best we know
      else add(representative(Math.min(lo, hi), hi) * toMs, n);
    });
  }
  return { sketch, estimatedSumMs };
}

/** Rewrites exponential buckets at a coarser scale (what an SDK does when its range grows). */
function downscale(h: Histo, scale: number): Histo {
  if (h.kind !== "exp" || scale >= h.scale) return h;
  const shift = h.scale - scale;
  const map = new Map<number, number>();
  h.counts.forEach((n, i) => {
    const idx = (h.offset + i) >> shift;
    map.set(idx, (map.get(idx) ?? 0) + n);
  });
  if (map.size === 0) return { ...h, scale, offset: 0, counts: [] };
  const lo = Math.min(...map.keys());
  const hi = Math.max(...map.keys());
  const counts = Array.from({ length: hi - lo + 1 }, (_, i) => map.get(lo + i) ?? 0);
  return { ...h, scale, offset: lo, counts };
}

/** current − previous for one cumulative stream, or null when the counter was reset. */
export function cumulativeDelta(previous: Histo, current: Histo): Histo | null {
  if (current.count < previous.count) return null;
  if (current.kind !== previous.kind) return null;
  if (current.kind === "explicit") {
    if (current.bounds.length !== previous.bounds.length || current.bounds.some((b, i) => b !== previous.bounds[i])) return null;
    const counts = current.counts.map((n, i) => n - (previous.counts[i] ?? 0));
    if (counts.some((n) => n < 0)) return null;
    return { ...current, counts, count: current.count - previous.count, sum: deltaSum(current, previous), min: null, max: current.max };
  }
  if (current.scale > previous.scale) return null;
  const prev = downscale(previous, current.scale);
  const counts = current.counts.slice();
  for (let i = 0; i < prev.counts.length; i++) {
    const at = prev.offset + i - current.offset;
    if (!prev.counts[i]) continue;
    if (at < 0 || at >= counts.length) return null;
    counts[at]! -= prev.counts[i]!;
    if (counts[at]! < 0) return null;
  }
  const zeroCount = current.zeroCount - prev.zeroCount;
  if (zeroCount < 0) return null;
  return { ...current, counts, zeroCount, count: current.count - previous.count, sum: deltaSum(current, previous), min: null, max: null };
}

const deltaSum = (c: Histo, p: Histo) => (c.sum !== null && p.sum !== null ? Math.max(0, c.sum - p.sum) : null);

interface StoredState {
  histo: Histo;
}

async function resolveDeployments(prisma: PrismaClient, request: OtlpRequest) {
  const found = new Map<number, { id: string } | { problem: string }>();
  const cache = new Map<string, string | null>();
  for (const [i, rm] of (request.resourceMetrics ?? []).entries()) {
    const attrs = attributeMap(rm.resource?.attributes);
    const id = attrs.get("trainyard.deployment.id");
    const name = attrs.get("service.name");
    const version = attrs.get("service.version");
    if (id !== undefined) {
      if (!isUuid(id)) {
        found.set(i, { problem: `trainyard.deployment.id "${id.slice(0, 60)}" is not a deployment id` });
        continue;
      }
      const key = `id:${id}`;
      if (!cache.has(key)) cache.set(key, (await prisma.deployment.findUnique({ where: { id }, select: { id: true } }))?.id ?? null);
      const hit = cache.get(key);
      found.set(i, hit ? { id: hit } : { problem: `no deployment ${id}` });
    } else if (name && version) {
      const v = version.startsWith("v") ? version : `v${version}`;
      const key = `nv:${name}\u0000${v}`;
      if (!cache.has(key)) {
        cache.set(key, (await prisma.deployment.findUnique({ where: { modelName_version: { modelName: name, version: v } }, select: { id: true } }))?.id ?? null);
      }
      const hit = cache.get(key);
      found.set(i, hit ? { id: hit } : { problem: `no deployment of model ${name.slice(0, 60)} version ${v.slice(0, 30)}` });
    } else {
      found.set(i, { problem: "the resource names no deployment (set trainyard.deployment.id, or service.name and service.version)" });
    }
  }
  return found;
}

export async function ingestOtlpMetrics(prisma: PrismaClient, request: OtlpRequest, now = new Date()): Promise<OtlpIngestResult> {
  const rejected = new Rejections();
  let ignored = 0;
  const points: Point[] = [];
  const deployments = await resolveDeployments(prisma, request);
  const oldestNs = BigInt(now.getTime() - INGEST_LIMITS.retentionMs) * 1_000_000n;
  const newestNs = BigInt(now.getTime() + INGEST_LIMITS.futureSkewMs) * 1_000_000n;

  for (const [ri, rm] of (request.resourceMetrics ?? []).entries()) {
    const resourceAttrs = attributeMap(rm.resource?.attributes);
    const deployment = deployments.get(ri)!;
    for (const sm of rm.scopeMetrics ?? []) {
      for (const metric of sm.metrics ?? []) {
        const pointsOf = (d: { dataPoints?: unknown[] } | undefined) => d?.dataPoints?.length ?? 0;
        const n =
          pointsOf(metric.gauge) + pointsOf(metric.sum) + pointsOf(metric.summary) + pointsOf(metric.histogram) + pointsOf(metric.exponentialHistogram);
        if (metric.name !== DURATION_METRIC) {
          ignored += n;
          continue;
        }
        if ("problem" in deployment) {
          rejected.add(deployment.problem, n);
          continue;
        }
        if (metric.gauge || metric.sum || metric.summary) {
          rejected.add(`${DURATION_METRIC} as a ${metric.gauge ? "gauge" : metric.sum ? "sum" : "summary"} is not supported: export it as a histogram`, n);
          continue;
        }
        const unit = metric.unit ?? "";
        const toMs = UNIT_TO_MS[unit];
        if (toMs === undefined) {
          rejected.add(`unit "${unit.slice(0, 20)}" is not a duration unit (s, ms or us)`, n);
          continue;
        }
        const data = metric.exponentialHistogram ?? metric.histogram;
        const temporality = data?.aggregationTemporality ?? 0;
        if (temporality !== 1 && temporality !== 2) {
          rejected.add("aggregation temporality must be DELTA or CUMULATIVE", n);
          continue;
        }
        const kind = metric.exponentialHistogram ? "exp" : "explicit";
        for (const dp of (data?.dataPoints ?? []) as Array<OtlpExponentialPoint & OtlpHistogramPoint>) {
          if (points.length >= OTLP_LIMITS.maxPoints) {
            rejected.add(`more than ${OTLP_LIMITS.maxPoints} ${DURATION_METRIC} points in one export: send smaller batches`);
            continue;
          }
          const histo = kind === "exp" ? parseExponential(dp) : parseExplicit(dp);
          if (typeof histo === "string") {
            rejected.add(histo);
            continue;
          }
          const startNs = nanos(dp.startTimeUnixNano);
          const timeNs = nanos(dp.timeUnixNano);
          if (startNs === null || timeNs === null || timeNs === 0n) {
            rejected.add("time_unix_nano is missing or invalid");
            continue;
          }
          if (timeNs < oldestNs || timeNs > newestNs) {
            rejected.add("time_unix_nano is older than 7 days or in the future");
            continue;
          }
          if (temporality === 2 && (startNs === 0n || startNs > timeNs)) {
            rejected.add("a cumulative point needs start_time_unix_nano before time_unix_nano");
            continue;
          }
          const pointAttrs = attributeMap(dp.attributes);
          const streamKey = createHash("sha256")
            .update(JSON.stringify([deployment.id, sortedEntries(resourceAttrs), sm.scope?.name ?? "", metric.name, unit, kind, sortedEntries(pointAttrs)]))
            .digest("hex");
          points.push({ deploymentId: deployment.id, streamKey, cumulative: temporality === 2, startNs, timeNs, outcome: outcomeOf(pointAttrs), toMs, histo });
        }
      }
    }
  }

  let accepted = 0;
  const touched = new Set<string>();
  const byDeployment = new Map<string, Point[]>();
  for (const p of points) byDeployment.set(p.deploymentId, [...(byDeployment.get(p.deploymentId) ?? []), p]);
  for (const [deploymentId, list] of byDeployment) {
    list.sort((a, b) => (a.timeNs < b.timeNs ? -1 : a.timeNs > b.timeNs ? 1 : 0));
    try {
      const wrote = await prisma.$transaction((tx) => ingestDeploymentPoints(tx, deploymentId, list, now), { timeout: 30_000, maxWait: 30_000 });
      accepted += list.length;
      if (wrote) touched.add(deploymentId);
      for (const p of list) ingestionLag.observe({ source: "otlp" }, Math.max(0, now.getTime() - Number(p.timeNs / 1_000_000n)) / 1000);
    } catch (err) {
      if (!(err instanceof BaseError)) throw err;
      rejected.add(err.code === "VALIDATION" ? `deployment ${deploymentId} is not ACTIVE` : err.message, list.length);
    }
  }
  if (touched.size) {
    await refreshDeploymentStats(prisma, [...touched], now).catch((err) => console.warn(`[otlp] could not refresh stats: ${(err as Error).message}`));
  }
  ingestedDataPoints.inc({ source: "otlp", result: "accepted" }, accepted);
  ingestedDataPoints.inc({ source: "otlp", result: "rejected" }, rejected.total);
  ingestedDataPoints.inc({ source: "otlp", result: "ignored" }, ignored);
  return { acceptedDataPoints: accepted, rejectedDataPoints: rejected.total, ignoredDataPoints: ignored, errorMessage: rejected.message(), deploymentIds: [...touched] };
}

/** Writes one deployment's points in the caller's transaction; true when anything new was counted. */
async function ingestDeploymentPoints(tx: Prisma.TransactionClient, deploymentId: string, list: Point[], now: Date): Promise<boolean> {
  let wrote = false;
  for (const p of list) {
    let delta: Histo | null = p.histo;
    let key: string | null = null;
    if (p.cumulative) {
      delta = await advanceStream(tx, p, now);
    } else {
      key = `otlp:${p.streamKey.slice(0, 32)}:${p.startNs}:${p.timeNs}`;
    }
    if (!delta || delta.count === 0) continue;
    const { sketch, estimatedSumMs } = toSketch(delta, p.toMs);
    const acc = new RollupAccumulator();
    acc.addSketch(
      Number(p.timeNs / 1_000_000n),
      {
        requests: delta.count,
        clientErrors: p.outcome === "CLIENT_ERROR" ? delta.count : 0,
        serverErrors: p.outcome === "SERVER_ERROR" ? delta.count : 0,
        latencySumMs: delta.sum !== null ? delta.sum * p.toMs : estimatedSumMs,
      },
      sketch,
    );
    const result = await ingestRollups(tx, { deploymentId, writes: acc.writes(), eventCount: delta.count, idempotencyKey: key });
    if (!result.duplicate) wrote = true;
  }
  return wrote;
}

/**
 * The delta a cumulative point adds, against the stream's stored last value
 * (row-locked), and the new stored value. A point no newer than the stored one
 * (a duplicate or a late export) adds nothing; a new start time or a smaller
 * count is a reset: the point counts in full from its start.
 */
async function advanceStream(tx: Prisma.TransactionClient, p: Point, now: Date): Promise<Histo | null> {
  const rows = await tx.$queryRaw<Array<{ start: string; last: string; state: StoredState }>>`
    SELECT "startTimeUnixNano"::text AS start, "lastTimeUnixNano"::text AS last, state FROM "OtlpStream"
    WHERE "deploymentId" = ${p.deploymentId}::uuid AND "streamKey" = ${p.streamKey} FOR UPDATE`;
  const row = rows[0];
  let delta: Histo | null;
  if (!row) {
    delta = p.histo;
  } else {
    const start = BigInt(row.start);
    const last = BigInt(row.last);
    if (p.startNs < start || (p.startNs === start && p.timeNs <= last)) return null; // late or repeated
    delta = p.startNs === start ? cumulativeDelta(row.state.histo, p.histo) ?? p.histo : p.histo;
  }
  const state = JSON.stringify({ histo: p.histo } satisfies StoredState);
  await tx.$executeRaw`
    INSERT INTO "OtlpStream" ("deploymentId", "streamKey", "startTimeUnixNano", "lastTimeUnixNano", state, "updatedAt")
    VALUES (${p.deploymentId}::uuid, ${p.streamKey}, ${p.startNs.toString()}::bigint, ${p.timeNs.toString()}::bigint, ${state}::jsonb, ${now})
    ON CONFLICT ("deploymentId", "streamKey") DO UPDATE SET "startTimeUnixNano" = EXCLUDED."startTimeUnixNano",
      "lastTimeUnixNano" = EXCLUDED."lastTimeUnixNano", state = EXCLUDED.state, "updatedAt" = EXCLUDED."updatedAt"`;
  return delta;
}
