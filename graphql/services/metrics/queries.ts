import type { PrismaClient } from "../../db.ts";
import { Prisma } from "../../generated/prisma/client.ts";
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

/** A deployment's figures for one window. */
export interface WindowMetrics {
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
  /**
   * One point per bucket of the window, oldest first, empty buckets included. Computed when first asked; a summary
   * (loadDeploymentMetricsSummaries) fetches its rows then.
   */
  series(): MetricsPoint[] | Promise<MetricsPoint[]>;
}

/** Figures computed from the window's rollup rows, which are at hand for the series. */
export interface DeploymentMetrics extends WindowMetrics {
  series(): MetricsPoint[];
}

/** A window's totals and merged latency sketch, from its rollups (summed by the database or here). */
interface WindowTotals {
  requests: number;
  clientErrors: number;
  serverErrors: number;
  latencySum: number;
  sketch: LatencySketch;
}

/** Folds the rollup rows of one deployment (already limited to the window) into its metrics. */
export function computeMetrics(deploymentId: string, bounds: WindowBounds, rows: readonly RollupRow[]): DeploymentMetrics {
  const totals: WindowTotals = { requests: 0, clientErrors: 0, serverErrors: 0, latencySum: 0, sketch: new LatencySketch() };
  for (const r of rows) {
    totals.requests += r.requestCount;
    totals.clientErrors += r.clientErrorCount;
    totals.serverErrors += r.serverErrorCount;
    totals.latencySum += r.latencySumMs;
    totals.sketch.merge(r.histogramOffset, r.histogram);
  }
  let series: MetricsPoint[] | undefined;
  return metricsOf(deploymentId, bounds, totals, () => (series ??= buildSeries(bounds, rows)));
}

function metricsOf<Series extends MetricsPoint[] | Promise<MetricsPoint[]>>(
  deploymentId: string,
  bounds: WindowBounds,
  totals: WindowTotals,
  series: () => Series,
): WindowMetrics & { series(): Series } {
  const { requests, clientErrors, serverErrors, latencySum, sketch } = totals;
  const seconds = (bounds.end.getTime() - bounds.start.getTime()) / 1000;
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
    series,
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

/** The rollup rows of these deployments at this resolution in [start, end): what a window reads. */
function inWindow(ids: readonly string[], resolution: Resolution, start: Date, end: Date) {
  return Prisma.sql`"deploymentId" = ANY(${ids as string[]}::uuid[])
      AND "resolution" = ${resolution}::"RollupResolution"
      AND "bucketStart" >= ${start.toISOString()}::timestamp
      AND "bucketStart" < ${end.toISOString()}::timestamp`;
}

export async function fetchRollups(prisma: PrismaClient | Prisma.TransactionClient, ids: readonly string[], resolution: Resolution, start: Date, end: Date) {
  const rows = await prisma.$queryRaw<RollupRow[]>`
    SELECT "deploymentId"::text AS "deploymentId", "bucketStart", "requestCount", "clientErrorCount", "serverErrorCount",
           "latencySumMs", "histogramOffset", "histogram"
    FROM "InferenceRollup"
    WHERE ${inWindow(ids, resolution, start, end)}`;
  const byDeployment = new Map<string, RollupRow[]>();
  for (const r of rows) {
    const list = byDeployment.get(r.deploymentId);
    if (list) list.push(r);
    else byDeployment.set(r.deploymentId, [r]);
  }
  return byDeployment;
}

/** The metrics of many deployments for one window, with their series, in one query (for a selection that asks for `series`). */
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

/**
 * The same figures as loadDeploymentMetrics without their series, for lists: the database sums each deployment's
 * rollups of the window and hands over its histograms as one JSON text, so a 50-row page brings 50 rows to the
 * server instead of every rollup row of the window (~900 at the benchmark's fleet: their parsing was a fifth of a
 * list request's server CPU). Asking such a value for its series fetches that deployment's rows then.
 */
export async function loadDeploymentMetricsSummaries(
  prisma: PrismaClient,
  deploymentIds: readonly string[],
  window: MetricsWindowName,
  now = new Date(),
): Promise<Map<string, WindowMetrics>> {
  const bounds = windowBounds(window, now);
  const rows = deploymentIds.length
    ? await prisma.$queryRaw<Array<{ id: string; n: number; c: number; s: number; l: number; h: string }>>`
        SELECT "deploymentId"::text AS id, sum("requestCount")::float8 AS n, sum("clientErrorCount")::float8 AS c,
               sum("serverErrorCount")::float8 AS s, sum("latencySumMs")::float8 AS l,
               json_agg(json_build_array("histogramOffset", "histogram"))::text AS h
        FROM "InferenceRollup"
        WHERE ${inWindow(deploymentIds, bounds.resolution, bounds.start, bounds.end)}
        GROUP BY 1`
    : [];
  const found = new Map(rows.map((r) => [r.id, r]));
  return new Map(deploymentIds.map((id) => [id, metricsSummary(prisma, id, bounds, found.get(id))]));
}

/** A window's sums as the database hands them over: requests, client and server errors, latency sum, histograms as JSON text. */
export interface RollupSums {
  n: number | null;
  c: number | null;
  s: number | null;
  l: number | null;
  h: string | null;
}

/**
 * One deployment's figures from its window's sums (`undefined` or null sums: no rollups, no traffic); asking for
 * its series fetches that deployment's rows then. Shared by the summaries above and the deployment page's statement.
 */
export function metricsSummary(prisma: PrismaClient, id: string, bounds: WindowBounds, r: RollupSums | undefined): WindowMetrics {
  const sketch = new LatencySketch();
  if (r?.h) for (const [offset, counts] of JSON.parse(r.h) as Array<[number, number[]]>) sketch.merge(offset, counts);
  const totals = { requests: r?.n ?? 0, clientErrors: r?.c ?? 0, serverErrors: r?.s ?? 0, latencySum: r?.l ?? 0, sketch };
  let series: Promise<MetricsPoint[]> | undefined;
  const seriesLater = () =>
    (series ??= fetchRollups(prisma, [id], bounds.resolution, bounds.start, bounds.end).then((byId) => buildSeries(bounds, byId.get(id) ?? [])));
  return metricsOf(id, bounds, totals, seriesLater);
}

export async function getDeploymentMetrics(prisma: PrismaClient, deploymentId: string, window: MetricsWindowName, now = new Date()) {
  return (await loadDeploymentMetrics(prisma, [deploymentId], window, now)).get(deploymentId)!;
}

