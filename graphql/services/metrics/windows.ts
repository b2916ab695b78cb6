/**
 * The metric windows, in one table (docs/decisions/0034-ingestion-near-the-database.md).
 *
 * Everything else is derived from it: the `MetricsWindow` GraphQL enum and its
 * descriptions, the DeploymentStats column names and the SQL that reads and
 * writes them, which rollup resolution serves which window, and how long the
 * rollups are kept. Adding a window (say LAST_30_DAYS) is a row here, its three
 * DeploymentStats columns in prisma/schema.prisma and a migration adding them.
 * This module imports nothing, so validation can read it too.
 */

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
export const DAY_MS = 24 * HOUR_MS;

export type Resolution = "MINUTE" | "HOUR";

export interface WindowDefinition {
  name: string;
  durationMs: number;
  /** Which rollups the window reads: minute rows for short windows, hour rows for long ones. */
  resolution: Resolution;
  /** Suffix of the window's DeploymentStats columns (`requestsPerSecond15m`, …). */
  statsSuffix: string;
  description: string;
}

export const WINDOWS = [
  { name: "LAST_15_MINUTES", durationMs: 15 * MINUTE_MS, resolution: "MINUTE", statsSuffix: "15m", description: "The last 15 minutes, in minute buckets." },
  { name: "LAST_HOUR", durationMs: HOUR_MS, resolution: "MINUTE", statsSuffix: "1h", description: "The last hour, in minute buckets." },
  { name: "LAST_24_HOURS", durationMs: DAY_MS, resolution: "HOUR", statsSuffix: "24h", description: "The last 24 hours, in hour buckets." },
  { name: "LAST_7_DAYS", durationMs: 7 * DAY_MS, resolution: "HOUR", statsSuffix: "7d", description: "The last 7 days, in hour buckets." },
] as const satisfies readonly WindowDefinition[];

export type MetricsWindowName = (typeof WINDOWS)[number]["name"];
export const METRICS_WINDOWS = WINDOWS.map((w) => w.name) as readonly MetricsWindowName[] as readonly [MetricsWindowName, ...MetricsWindowName[]];

const BUCKET_MS: Record<Resolution, number> = { MINUTE: MINUTE_MS, HOUR: HOUR_MS };

export interface WindowSpec {
  durationMs: number;
  resolution: Resolution;
  bucketMs: number;
}

/**
 * A window is whole buckets and ends with the bucket holding `now`, so the
 * current minute (or hour) counts and an event's bucket decides whether it is in.
 */
export const WINDOW_SPECS = Object.fromEntries(
  WINDOWS.map((w) => [w.name, { durationMs: w.durationMs, resolution: w.resolution, bucketMs: BUCKET_MS[w.resolution] }]),
) as Record<MetricsWindowName, WindowSpec>;

function longest(resolution: Resolution): (typeof WINDOWS)[number] {
  return WINDOWS.filter((w) => w.resolution === resolution).reduce((a, b) => (b.durationMs > a.durationMs ? b : a));
}
/** The longest window of each resolution: a deployment with no traffic in it has nothing that can slide. */
export const LONGEST_WINDOW: Record<Resolution, MetricsWindowName> = { MINUTE: longest("MINUTE").name, HOUR: longest("HOUR").name };
/** How far back any window reaches: events older than this are refused (graphql/validation/inference.ts). */
export const LONGEST_WINDOW_MS = Math.max(...WINDOWS.map((w) => w.durationMs));

/** Minute rollups serve the minute windows; at least two days leaves room for late events. */
export const MINUTE_ROLLUP_RETENTION_MS = Math.max(2 * DAY_MS, WINDOW_SPECS[LONGEST_WINDOW.MINUTE].durationMs + HOUR_MS);
/** Hour rollups serve the hour windows; one extra day covers the longest one's partial first hour. */
export const HOUR_ROLLUP_RETENTION_MS = WINDOW_SPECS[LONGEST_WINDOW.HOUR].durationMs + DAY_MS;

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

/** The figures kept per window in DeploymentStats, for sorting the deployments list. */
export const STATS_METRICS = ["requestsPerSecond", "p95LatencyMs", "errorRate"] as const;
export type StatsMetric = (typeof STATS_METRICS)[number];

const SUFFIX = Object.fromEntries(WINDOWS.map((w) => [w.name, w.statsSuffix])) as Record<MetricsWindowName, string>;

export function statsColumn<M extends StatsMetric>(metric: M, window: MetricsWindowName) {
  return `${metric}${SUFFIX[window]}` as `${M}${string}`;
}

/** Every DeploymentStats figure column, window by window. */
export const STATS_COLUMNS: readonly string[] = METRICS_WINDOWS.flatMap((w) => STATS_METRICS.map((m) => statsColumn(m, w)));
