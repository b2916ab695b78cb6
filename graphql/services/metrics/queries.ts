import type { PrismaClient } from "../../db.ts";
import type { Prisma } from "../../generated/prisma/client.ts";
import { LatencySketch } from "../sketch.ts";
import { windowBounds, type MetricsWindowName, type Resolution, type WindowBounds } from "./windows.ts";

/**
 * Inference metrics, computed from stored rollups only (docs/decisions/0005):
 * a window query merges the rollups of the window's buckets.
 */

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

export async function fetchRollups(prisma: PrismaClient | Prisma.TransactionClient, ids: readonly string[], resolution: Resolution, start: Date, end: Date) {
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

