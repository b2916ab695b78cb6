import type { ReactNode } from "react";

/**
 * The width the server draws a chart at before the browser measures its container
 * (`<ResponsiveContainer initialDimension={CHART_SSR_SIZE}>`): the charts are in the
 * first paint, and resize to the real width once the page is hydrated.
 */
export const CHART_SSR_SIZE = { width: 560, height: 240 } as const;

export function MetricsChartFrame({ title, description, height = 240, children }: { title: string; description: string; height?: number; children: () => ReactNode }) {
  return (
    <figure className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm">
      <figcaption>
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <p className="mt-0.5 text-xs text-slate-500">{description}</p>
      </figcaption>
      <div className="mt-4 overflow-hidden" style={{ height }}>
        {children()}
      </div>
    </figure>
  );
}

export interface SeriesPoint {
  bucketStart: string;
  requests: number;
  errors: number;
  clientErrors: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

/** Axis labels in UTC, like every other time in the console: minutes for short windows, days for long ones. */
export function bucketLabel(iso: string, spanHours: number): string {
  const d = new Date(iso);
  const time = d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", timeZone: "UTC" });
  if (spanHours <= 24) return time;
  return `${d.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" })} ${time}`;
}
