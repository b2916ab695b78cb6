import { useEffect, useRef, useState, type ReactNode } from "react";
import type uPlot from "uplot";
import uplotStyles from "uplot/dist/uPlot.min.css";

/*
 * Every chart of the console is a uPlot canvas (about 20 kB gzip), fetched the first
 * time a page draws one: pages without charts never load it, and pages with charts
 * show their server-drawn preview until it has arrived (docs/decisions/0033).
 */

type UPlotClass = typeof uPlot;
let loading: Promise<UPlotClass> | undefined;
let loaded: UPlotClass | undefined;
const loadUPlot = () => (loading ??= import("uplot").then((m) => (loaded = m.default)));

/** Bars for a series: uPlot's path builder, made on the first draw (the library has loaded by then). */
export function barPaths(options: uPlot.Series.BarsPathBuilderOpts): uPlot.Series.PathBuilder {
  let build: uPlot.Series.PathBuilder | undefined;
  return (u, seriesIdx, idx0, idx1) => (build ??= loaded!.paths.bars!(options))(u, seriesIdx, idx0, idx1);
}

/** What a chart draws: uPlot's options (without the size, which follows the box) and its data. */
export interface PlotSpec {
  options: Omit<uPlot.Options, "width" | "height">;
  data: uPlot.AlignedData;
}

export const AXIS_STYLE = {
  stroke: "#64748b",
  font: "11px ui-sans-serif, system-ui, sans-serif",
  grid: { stroke: "#e2e8f0", dash: [3, 3], width: 1 },
  ticks: { show: false },
} satisfies Partial<uPlot.Axis>;

/** The legend's read-out of a value under the cursor; "—" when the cursor is away or there is no value. */
export const readOut =
  (format: (value: number) => string): uPlot.Series.Value =>
  (_u, value) =>
    value === null || value === undefined ? "—" : format(value);

/** Horizontal reference lines drawn over the plot (health limits), each with its label. */
export function limitLines(lines: ReadonlyArray<{ value: number; label: string; color: string; textColor: string }>): uPlot.Plugin {
  return {
    hooks: {
      draw: [
        (u) => {
          const ratio = devicePixelRatio || 1;
          const { ctx, bbox } = u;
          for (const line of lines) {
            const y = Math.round(u.valToPos(line.value, "y", true));
            ctx.save();
            ctx.setLineDash([4 * ratio, 4 * ratio]);
            ctx.strokeStyle = line.color;
            ctx.lineWidth = ratio;
            ctx.beginPath();
            ctx.moveTo(bbox.left, y);
            ctx.lineTo(bbox.left + bbox.width, y);
            ctx.stroke();
            ctx.fillStyle = line.textColor;
            ctx.font = `${10 * ratio}px ui-sans-serif, system-ui, sans-serif`;
            ctx.textAlign = "left";
            ctx.textBaseline = "bottom";
            ctx.fillText(line.label, bbox.left + 4 * ratio, y - 4 * ratio);
            ctx.restore();
          }
        },
      ],
    },
  };
}

/** The y scale from 0 to a little above the data, and above `atLeast` (e.g. limit lines that must stay in view). */
export const fromZero =
  (atLeast = 0): uPlot.Range.Function =>
  (_u, _min, max) => [0, Math.max(max ?? 0, atLeast, 1e-9) * 1.08];

const LEGEND_HEIGHT = 28;

/** A series' line colour (uPlot keeps each stroke as a function once the chart is made). */
function seriesColour(u: uPlot, i: number): string {
  const stroke = u.series[i]?.stroke;
  return String(typeof stroke === "function" ? stroke(u, i) : (stroke ?? ""));
}

/**
 * A uPlot chart that fills its box's width and follows resizes (a 390 px phone too).
 * `fallback` shows until the chart is drawn (after hydration and the library's download).
 * A new `spec` redraws the chart: memoise it on the data.
 */
export function PlotChart(props: { spec: PlotSpec; height: number; fallback: ReactNode; label: string; testId?: string }) {
  const { spec, height } = props;
  const box = useRef<HTMLDivElement>(null);
  const [drawn, setDrawn] = useState(false);

  useEffect(() => {
    let plot: uPlot | undefined;
    let observer: ResizeObserver | undefined;
    let cancelled = false;
    void loadUPlot().then((UPlot) => {
      const el = box.current;
      if (cancelled || !el) return;
      const record: uPlot.Plugin = {
        hooks: {
          draw: [
            (u) => {
              const labels = (i: number) => (u.axes[i] as { _values?: Array<string | number> } | undefined)?._values?.join("|") ?? "";
              el.dataset.xTicks = labels(0);
              el.dataset.yTicks = labels(1);
            },
          ],
        },
      };
      const size = () => ({ width: Math.max(el.clientWidth, 200), height: height - LEGEND_HEIGHT });
      const options: uPlot.Options = {
        ...spec.options,
        ...size(),
        // Filled legend swatches in each series' colour; the legend doubles as the hover read-out.
        legend: { markers: { width: 0, fill: seriesColour }, ...spec.options.legend },
        plugins: [...(spec.options.plugins ?? []), record],
      };
      plot = new UPlot(options, spec.data, el);
      observer = new ResizeObserver(() => plot?.setSize(size()));
      observer.observe(el);
      setDrawn(true);
    });
    return () => {
      cancelled = true;
      observer?.disconnect();
      plot?.destroy();
    };
  }, [spec, height]);

  return (
    <div className="relative w-full" style={{ minHeight: height }} data-testid={props.testId}>
      <link rel="stylesheet" href={uplotStyles} />
      <div
        ref={box}
        role="img"
        aria-label={props.label}
        data-chart
        data-lines={spec.options.series
          .slice(1)
          .map((s) => s.label)
          .join(" | ")}
        data-line-count={spec.options.series.length - 1}
        className="w-full text-xs text-slate-600"
      />
      {drawn ? null : <div className="absolute inset-0">{props.fallback}</div>}
    </div>
  );
}

/** A pulsing box of the chart's size: what a chart without a server-drawn preview shows until it is drawn. */
export function Placeholder() {
  return <div className="h-full w-full animate-pulse rounded-lg bg-slate-50" aria-hidden />;
}

export function EmptyChart({ height, message }: { height: number; message: string }) {
  return (
    <div style={{ height }} className="flex w-full items-center justify-center rounded-lg border border-dashed border-slate-200 text-sm text-slate-500">
      {message}
    </div>
  );
}
