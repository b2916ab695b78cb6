import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { bucketLabel, MetricsChartFrame, type SeriesPoint } from "~/components/charts/metrics-chart-frame";
import type { HealthThreshold } from "~/components/deployment-metric-cards";

const LIMIT_STYLE = { WARN: { stroke: "#d97706", fill: "#b45309" }, CRITICAL: { stroke: "#dc2626", fill: "#b91c1c" }, OK: { stroke: "#64748b", fill: "#475569" } } as const;
const LATENCY_LABEL = { P50_LATENCY: "P50", P95_LATENCY: "P95" } as const;

/** P50 and P95 latency per bucket, with the warning thresholds drawn in. Buckets without traffic leave gaps. */
export function MetricsLatencyChart(props: { series: SeriesPoint[]; spanHours: number; bucketLabelText: string; thresholds: readonly HealthThreshold[] }) {
  const { series, spanHours, bucketLabelText } = props;
  // The limit lines are the API's health thresholds (healthThresholds), the same the cards and alerts use.
  const limits = props.thresholds.filter((t): t is HealthThreshold & { metric: keyof typeof LATENCY_LABEL } => t.metric in LATENCY_LABEL);
  const data = series.map((p) => ({
    label: bucketLabel(p.bucketStart, spanHours),
    p50: p.p50LatencyMs === null ? null : Math.round(p.p50LatencyMs),
    p95: p.p95LatencyMs === null ? null : Math.round(p.p95LatencyMs),
  }));
  return (
    <MetricsChartFrame
      title="Latency percentiles"
      description={`P50 and P95 per ${bucketLabelText}, in milliseconds (UTC).`}
      preview={[
        { values: data.map((p) => p.p50), color: "#6366f1" },
        { values: data.map((p) => p.p95), color: "#0ea5e9" },
      ]}
    >
      {() => (
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={{ stroke: "#cbd5e1" }} minTickGap={24} />
            <YAxis tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} width={64} tickFormatter={(v: number) => `${v} ms`} />
            <Tooltip contentStyle={{ fontSize: 12, borderRadius: 8 }} formatter={(value) => `${value} ms`} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {limits.map((t) => (
              <ReferenceLine
                key={t.metric}
                y={t.above}
                stroke={LIMIT_STYLE[t.level].stroke}
                strokeDasharray="4 4"
                ifOverflow="extendDomain"
                label={{ value: `${LATENCY_LABEL[t.metric]} limit ${t.above} ms`, position: "insideTopLeft", fontSize: 10, fill: LIMIT_STYLE[t.level].fill }}
              />
            ))}
            <Line type="monotone" dataKey="p50" name="P50" stroke="#6366f1" strokeWidth={2} dot={false} connectNulls={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="p95" name="P95" stroke="#0ea5e9" strokeWidth={2} dot={false} connectNulls={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      )}
    </MetricsChartFrame>
  );
}
