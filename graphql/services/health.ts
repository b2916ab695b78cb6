import { ERROR_RATE_ALERT, P50_LATENCY_ALERT_MS, P95_LATENCY_ALERT_MS } from "./alerts.ts";

/**
 * The one place that says when a deployment's figures are unhealthy. The same
 * limits seed the default alert rules (graphql/services/alerts.ts); the API
 * exposes the levels (`DeploymentMetrics.health`, `Dashboard.errorRate24hHealth`)
 * and the limits themselves (`healthThresholds`), and the console's cards,
 * table cells, dashboard and chart limit lines read them from there.
 */
export const HEALTH_LEVELS = ["OK", "WARN", "CRITICAL"] as const;
export type HealthLevel = (typeof HEALTH_LEVELS)[number];

export const HEALTH_METRICS = ["P50_LATENCY", "P95_LATENCY", "ERROR_RATE"] as const;
export type HealthMetric = (typeof HEALTH_METRICS)[number];

export interface HealthThreshold {
  metric: HealthMetric;
  /** A value strictly above this is unhealthy. */
  above: number;
  /** The level a value above the limit reaches. */
  level: Exclude<HealthLevel, "OK">;
  /** A short text cue for people who cannot tell the colour (and for titles). */
  cue: string;
}

export const HEALTH_THRESHOLDS: readonly HealthThreshold[] = [
  { metric: "P50_LATENCY", above: P50_LATENCY_ALERT_MS, level: "WARN", cue: `Above ${P50_LATENCY_ALERT_MS} ms` },
  { metric: "P95_LATENCY", above: P95_LATENCY_ALERT_MS, level: "CRITICAL", cue: `Above ${P95_LATENCY_ALERT_MS} ms` },
  { metric: "ERROR_RATE", above: ERROR_RATE_ALERT, level: "CRITICAL", cue: `Above ${+(ERROR_RATE_ALERT * 100).toFixed(2)} %` },
];

const RANK: Record<HealthLevel, number> = { OK: 0, WARN: 1, CRITICAL: 2 };

/** The level of one figure; no figure (no traffic) is OK: there is nothing to warn about. */
export function healthOf(metric: HealthMetric, value: number | null | undefined): HealthLevel {
  const t = HEALTH_THRESHOLDS.find((h) => h.metric === metric)!;
  return value !== null && value !== undefined && value > t.above ? t.level : "OK";
}

export interface MetricsHealth {
  p50: HealthLevel;
  p95: HealthLevel;
  errorRate: HealthLevel;
  /** The worst of the three. */
  overall: HealthLevel;
}

export function metricsHealth(m: { p50LatencyMs: number | null; p95LatencyMs: number | null; errorRate: number | null }): MetricsHealth {
  const p50 = healthOf("P50_LATENCY", m.p50LatencyMs);
  const p95 = healthOf("P95_LATENCY", m.p95LatencyMs);
  const errorRate = healthOf("ERROR_RATE", m.errorRate);
  const overall = [p50, p95, errorRate].reduce((a, b) => (RANK[b] > RANK[a] ? b : a), "OK" as HealthLevel);
  return { p50, p95, errorRate, overall };
}
