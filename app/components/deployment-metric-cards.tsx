import { Activity, Gauge, Timer, TimerReset, Zap } from "lucide-react";
import { StatCard, type StatTone } from "~/components/ui/stat-card";
import { formatCompact, formatMs, formatPercent } from "~/lib/format";

/** What the API says about a figure (`DeploymentMetrics.health`, `healthThresholds`): the console only renders it. */
export type HealthLevel = "OK" | "WARN" | "CRITICAL";
export type HealthMetric = "P50_LATENCY" | "P95_LATENCY" | "ERROR_RATE";
export interface HealthThreshold {
  metric: HealthMetric;
  above: number;
  level: HealthLevel;
  cue: string;
}

const TONE: Record<HealthLevel, StatTone> = { OK: "neutral", WARN: "warning", CRITICAL: "critical" };

/** The tone and text cue of a health level; the cue names the API's threshold (e.g. "Above 500 ms"). */
export function assess(
  thresholds: ReadonlyArray<Pick<HealthThreshold, "metric" | "cue">>,
  metric: HealthMetric,
  level: HealthLevel | null | undefined,
): { tone: StatTone; cue?: string } {
  if (!level || level === "OK") return { tone: "neutral" };
  return { tone: TONE[level], cue: thresholds.find((t) => t.metric === metric)?.cue };
}

/**
 * A table cell figure with the same warning as the detail page's cards: colour, a glyph and a screen-reader cue.
 * The cue's wording is the same on every row, so the page says it once (a legend), not in a tooltip per cell.
 */
export function MetricCell({ health, text }: { health: { tone: StatTone; cue?: string }; text: string }) {
  const { tone, cue } = health;
  if (!cue) return <>{text}</>;
  return (
    <span className={tone === "critical" ? "cue bad" : "cue warn"}>
      {text}
      <span>{` (${cue})`}</span>
    </span>
  );
}

export interface MetricsSummary {
  requestCount: number;
  requestsPerSecond: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
  errorRate: number | null;
  clientErrorRate: number | null;
  serverErrorCount?: number;
  clientErrorCount?: number;
  health: { p50: HealthLevel; p95: HealthLevel; errorRate: HealthLevel };
}

export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond === null || perSecond === undefined) return "—";
  if (perSecond === 0) return "0";
  return perSecond < 10 ? perSecond.toFixed(2) : perSecond.toFixed(1);
}

/** Request Volume, P50, P95, P99 and Error Rate for one window, with threshold cues. */
export function DeploymentMetricCards(props: { metrics: MetricsSummary; windowLabel: string; thresholds: readonly HealthThreshold[] }) {
  const { metrics, windowLabel, thresholds } = props;
  const p50 = assess(thresholds, "P50_LATENCY", metrics.health.p50);
  const p95 = assess(thresholds, "P95_LATENCY", metrics.health.p95);
  const errors = assess(thresholds, "ERROR_RATE", metrics.health.errorRate);
  const noTraffic = metrics.requestCount === 0;
  return (
    <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-5">
      <StatCard
        testId="metric-requests"
        label="Request Volume"
        value={formatCompact(metrics.requestCount)}
        icon={Activity}
        hint={noTraffic ? `no requests in ${windowLabel}` : `${formatRate(metrics.requestsPerSecond)} req/s over ${windowLabel}`}
      />
      <StatCard testId="metric-p50" label="P50 Latency" value={formatMs(metrics.p50LatencyMs)} icon={Timer} {...p50} hint="median" />
      <StatCard testId="metric-p95" label="P95 Latency" value={formatMs(metrics.p95LatencyMs)} icon={TimerReset} {...p95} hint="95th percentile" />
      <StatCard testId="metric-p99" label="P99 Latency" value={formatMs(metrics.p99LatencyMs)} icon={Zap} hint="99th percentile" />
      <StatCard
        testId="metric-error-rate"
        label="Error Rate"
        value={formatPercent(metrics.errorRate)}
        icon={Gauge}
        {...errors}
        hint={
          metrics.clientErrorRate === null
            ? "server and model errors"
            : `client errors (4xx) apart: ${formatPercent(metrics.clientErrorRate)}`
        }
      />
    </div>
  );
}
