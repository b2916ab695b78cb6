import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { bucketLabel, MetricsChartFrame, type SeriesPoint } from "~/components/charts/metrics-chart-frame";

/** Requests per bucket, split into successes, client errors and server errors (stacked). */
export function MetricsRequestsChart({ series, spanHours, bucketLabelText }: { series: SeriesPoint[]; spanHours: number; bucketLabelText: string }) {
  const data = series.map((p) => ({
    label: bucketLabel(p.bucketStart, spanHours),
    ok: Math.max(0, p.requests - p.errors - p.clientErrors),
    clientErrors: p.clientErrors,
    errors: p.errors,
  }));
  return (
    <MetricsChartFrame
      title="Requests"
      description={`Requests per ${bucketLabelText}, by outcome (UTC).`}
      preview={[
        { values: series.map((p) => p.requests), color: "#6366f1" },
        { values: series.map((p) => p.errors), color: "#dc2626" },
      ]}
    >
      {() => (
        <ResponsiveContainer width="100%" height="100%">
          <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" vertical={false} />
            <XAxis dataKey="label" tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={{ stroke: "#cbd5e1" }} minTickGap={24} />
            <YAxis tick={{ fontSize: 11, fill: "#64748b" }} tickLine={false} axisLine={false} width={48} allowDecimals={false} />
            <Tooltip cursor={{ fill: "#f1f5f9" }} contentStyle={{ fontSize: 12, borderRadius: 8 }} />
            <Legend wrapperStyle={{ fontSize: 12 }} iconType="square" />
            <Bar dataKey="ok" name="Successful" stackId="requests" fill="#6366f1" isAnimationActive={false} />
            <Bar dataKey="clientErrors" name="Client errors (4xx)" stackId="requests" fill="#f59e0b" isAnimationActive={false} />
            <Bar dataKey="errors" name="Server errors" stackId="requests" fill="#dc2626" isAnimationActive={false} />
          </BarChart>
        </ResponsiveContainer>
      )}
    </MetricsChartFrame>
  );
}
