import { useMemo } from "react";
import { bucketSeconds, MetricsChartFrame, timeLabel, type SeriesPoint } from "~/components/charts/metrics-chart-frame";
import { AXIS_STYLE, fromZero, limitLines, type PlotSpec, readOut } from "~/components/charts/plot";
import type { HealthThreshold } from "~/components/deployment-metric-cards";

const LIMIT_STYLE = { WARN: { stroke: "#d97706", fill: "#b45309" }, CRITICAL: { stroke: "#dc2626", fill: "#b91c1c" }, OK: { stroke: "#64748b", fill: "#475569" } } as const;
const LATENCY_LABEL = { P50_LATENCY: "P50", P95_LATENCY: "P95" } as const;
const ms = (v: number) => `${Math.round(v)} ms`;

/** P50 and P95 latency per bucket, with the warning thresholds drawn in. Buckets without traffic leave gaps. */
export function MetricsLatencyChart(props: { series: SeriesPoint[]; spanHours: number; bucketLabelText: string; thresholds: readonly HealthThreshold[] }) {
  const { series, spanHours, bucketLabelText, thresholds } = props;
  const spec = useMemo<PlotSpec>(() => {
    // The limit lines are the API's health thresholds (healthThresholds), the same the cards and alerts use.
    const limits = thresholds.filter((t): t is HealthThreshold & { metric: keyof typeof LATENCY_LABEL } => t.metric in LATENCY_LABEL);
    return {
      data: [bucketSeconds(series), series.map((p) => p.p50LatencyMs), series.map((p) => p.p95LatencyMs)],
      options: {
        scales: { x: { time: true }, y: { range: fromZero(Math.max(0, ...limits.map((t) => t.above))) } },
        axes: [
          { ...AXIS_STYLE, values: (_u, splits) => splits.map((s) => timeLabel(s, spanHours)) },
          { ...AXIS_STYLE, size: 56, values: (_u, splits) => splits.map((v) => `${v} ms`) },
        ],
        series: [
          { label: "Time (UTC)", value: readOut((v) => timeLabel(v, spanHours)) },
          { label: "P50", stroke: "#6366f1", width: 2, value: readOut(ms) },
          { label: "P95", stroke: "#0ea5e9", width: 2, value: readOut(ms) },
        ],
        plugins: [
          limitLines(
            limits.map((t) => ({ value: t.above, label: `${LATENCY_LABEL[t.metric]} limit ${t.above} ms`, color: LIMIT_STYLE[t.level].stroke, textColor: LIMIT_STYLE[t.level].fill })),
          ),
        ],
      },
    };
  }, [series, spanHours, thresholds]);
  return (
    <MetricsChartFrame
      title="Latency percentiles"
      description={`P50 and P95 per ${bucketLabelText}, in milliseconds (UTC).`}
      spec={spec}
      preview={[
        { values: series.map((p) => p.p50LatencyMs), color: "#6366f1" },
        { values: series.map((p) => p.p95LatencyMs), color: "#0ea5e9" },
      ]}
    />
  );
}
