import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { bucketLabel, MetricsChartFrame, type SeriesPoint } from "~/components/charts/metrics-chart-frame";
import { THRESHOLDS } from "~/components/deployment-metric-cards";

/** P50 and P95 latency per bucket, with the warning thresholds drawn in. Buckets without traffic leave gaps. */
export function MetricsLatencyChart({ series, spanHours, bucketLabelText }: { series: SeriesPoint[]; spanHours: number; bucketLabelText: string }) {
  const data = series.map((p) => ({
    label: bucketLabel(p.bucketStart, spanHours),
    p50: p.p50LatencyMs === null ? null : Math.round(p.p50LatencyMs),
    p95: p.p95LatencyMs === null ? null : Math.round(p.p95LatencyMs),
  }));
  return (
    <MetricsChartFrame title="Latency percentiles" description={`P50 and P95 per ${bucketLabelText}, in milliseconds (UTC).`}>
      {() => (
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={{ stroke: "#cbd5e1" }} minTickGap={24} />
            <YAxis tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} width={64} tickFormatter={(v: number) => `${v} ms`} />
            <Tooltip contentStyle={{ fontSize: 12, borderRadius: 8 }} formatter={(value) => `${value} ms`} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <ReferenceLine y={THRESHOLDS.p50LatencyMs.limit} stroke="#d97706" strokeDasharray="4 4" ifOverflow="extendDomain" label={{ value: "P50 limit 200 ms", position: "insideTopLeft", fontSize: 10, fill: "#b45309" }} />
            <ReferenceLine y={THRESHOLDS.p95LatencyMs.limit} stroke="#dc2626" strokeDasharray="4 4" ifOverflow="extendDomain" label={{ value: "P95 limit 500 ms", position: "insideTopLeft", fontSize: 10, fill: "#b91c1c" }} />
            <Line type="monotone" dataKey="p50" name="P50" stroke="#6366f1" strokeWidth={2} dot={false} connectNulls={false} isAnimationActive={false} />
            <Line type="monotone" dataKey="p95" name="P95" stroke="#0ea5e9" strokeWidth={2} dot={false} connectNulls={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      )}
    </MetricsChartFrame>
  );
}
