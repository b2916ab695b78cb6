import { PlotChart, type PlotSpec } from "~/components/charts/plot";

/** A series drawn in the first paint, before the interactive chart can measure its container. */
export interface PreviewLine {
  values: ReadonlyArray<number | null>;
  color: string;
}

/**
 * The same data as plain SVG polylines that scale to any width: the server can
 * draw it, so the charts are not empty in the first paint. No axes or tooltips;
 * the interactive chart replaces it as soon as the page is hydrated.
 */
function PreviewChart({ lines }: { lines: readonly PreviewLine[] }) {
  const max = Math.max(1, ...lines.flatMap((l) => l.values.filter((v): v is number => v !== null)));
  const n = Math.max(2, ...lines.map((l) => l.values.length));
  return (
    <svg viewBox="0 0 1000 240" preserveAspectRatio="none" className="h-full w-full" aria-hidden data-testid="chart-preview">
      {[60, 120, 180].map((y) => (
        <line key={y} x1={0} x2={1000} y1={y} y2={y} stroke="#e2e8f0" strokeDasharray="6 6" />
      ))}
      {lines.map((l, i) => {
        // Gaps (no traffic) split the line, as in the interactive chart.
        const runs: string[][] = [[]];
        l.values.forEach((v, j) => {
          if (v === null) runs.push([]);
          else runs[runs.length - 1]!.push(`${((j / (n - 1)) * 1000).toFixed(1)},${(230 - (v / max) * 220).toFixed(1)}`);
        });
        return runs
          .filter((r) => r.length > 0)
          .map((r, k) => <polyline key={`${i}-${k}`} points={r.join(" ")} fill="none" stroke={l.color} strokeWidth={2} vectorEffect="non-scaling-stroke" />);
      })}
    </svg>
  );
}

/** A titled figure whose chart shows the server-drawn preview until the interactive chart is drawn. */
export function MetricsChartFrame(props: { title: string; description: string; height?: number; preview: readonly PreviewLine[]; spec: PlotSpec }) {
  const { title, description, height = 264 } = props;
  return (
    <figure className="min-w-0 rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-5">
      <figcaption>
        <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
        <p className="mt-0.5 text-xs text-slate-500">{description}</p>
      </figcaption>
      <div className="mt-4">
        <PlotChart spec={props.spec} height={height} label={`${title}: ${description}`} fallback={<PreviewChart lines={props.preview} />} />
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

/** Bucket starts as uPlot's x values (Unix seconds). */
export const bucketSeconds = (series: readonly SeriesPoint[]) => series.map((p) => Date.parse(p.bucketStart) / 1000);

/** The time axis and the legend's time, in UTC like the rest of the console. */
export const timeLabel = (seconds: number, spanHours: number) => bucketLabel(new Date(seconds * 1000).toISOString(), spanHours);
