import { useMemo } from "react";
import type uPlot from "uplot";
import { bucketSeconds, MetricsChartFrame, timeLabel, type SeriesPoint } from "~/components/charts/metrics-chart-frame";
import { AXIS_STYLE, barPaths, fromZero, type PlotSpec, readOut } from "~/components/charts/plot";

/** Requests per bucket, split into successes, client errors and server errors (stacked). */
export function MetricsRequestsChart({ series, spanHours, bucketLabelText }: { series: SeriesPoint[]; spanHours: number; bucketLabelText: string }) {
  const spec = useMemo<PlotSpec>(() => {
    const x = bucketSeconds(series);
    const parts = {
      ok: series.map((p) => Math.max(0, p.requests - p.errors - p.clientErrors)),
      clientErrors: series.map((p) => p.clientErrors),
      errors: series.map((p) => p.errors),
    };
    // Stacked by drawing each bar at its running total, tallest first; the legend shows each part's own count.
    const raw = [x, parts.ok, parts.clientErrors, parts.errors];
    const step = x.length > 1 ? x[1]! - x[0]! : 60;
    const bars = barPaths({ size: [0.8, 40, 2], align: 0 });
    const bar = (label: string, fill: string): uPlot.Series => ({
      label,
      fill,
      stroke: fill,
      width: 0,
      paths: bars,
      points: { show: false },
      value: (_u, _v, si, i) => (i === null ? "—" : String(raw[si]![i])),
    });
    return {
      data: [x, x.map((_, i) => parts.ok[i]! + parts.clientErrors[i]! + parts.errors[i]!), x.map((_, i) => parts.clientErrors[i]! + parts.errors[i]!), parts.errors],
      options: {
        scales: { x: { time: true, range: (_u, min, max) => [min - step / 2, max + step / 2] }, y: { range: fromZero() } },
        axes: [
          { ...AXIS_STYLE, values: (_u, splits) => splits.map((s) => timeLabel(s, spanHours)) },
          { ...AXIS_STYLE, size: 48, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? String(v) : "")) },
        ],
        series: [
          { label: "Time (UTC)", value: readOut((v) => timeLabel(v, spanHours)) },
          bar("Successful", "#6366f1"),
          bar("Client errors (4xx)", "#f59e0b"),
          bar("Server errors", "#dc2626"),
        ],
      },
    };
  }, [series, spanHours]);
  return (
    <MetricsChartFrame
      title="Requests"
      description={`Requests per ${bucketLabelText}, by outcome (UTC).`}
      spec={spec}
      preview={[
        { values: series.map((p) => p.requests), color: "#6366f1" },
        { values: series.map((p) => p.errors), color: "#dc2626" },
      ]}
    />
  );
}
