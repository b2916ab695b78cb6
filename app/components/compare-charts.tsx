import { Link } from "@remix-run/react";
import { useMemo, type ReactNode } from "react";
import { Card, CardHeader } from "~/components/ui/card";
import { AXIS_STYLE, Placeholder, PlotChart, type PlotSpec, readOut } from "~/components/charts/plot";

/** One colour per compared item (2–4), also used by the tables' column headers. */
export const COMPARE_COLORS = ["#4f46e5", "#e11d48", "#059669", "#d97706"] as const;

export interface CompareSeries {
  key: string;
  label: string;
  /** Dashed: a secondary series of the same item (e.g. eval loss next to train loss). */
  dashed?: boolean;
  color: string;
  points: ReadonlyArray<{ x: number; y: number | null }>;
}

/**
 * Several series overlaid on one chart, each with its own x values (steps of
 * different runs, or the same time buckets of different versions).
 */
export function OverlayChart(props: {
  series: readonly CompareSeries[];
  height?: number;
  xLabel: (x: number) => string;
  yLabel: (y: number) => string;
  testId?: string;
}) {
  const { series, xLabel, yLabel } = props;
  const height = props.height ?? 280;
  const spec = useMemo<PlotSpec>(() => {
    // One row per x any series has; a series without a value there leaves a gap that its line spans.
    const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.x)))].sort((a, b) => a - b);
    const column = (s: CompareSeries) => {
      const byX = new Map(s.points.map((p) => [p.x, p.y]));
      return xs.map((x) => byX.get(x) ?? null);
    };
    return {
      data: [xs, ...series.map(column)],
      options: {
        scales: { x: { time: false } },
        axes: [
          { ...AXIS_STYLE, values: (_u, splits) => splits.map(xLabel) },
          { ...AXIS_STYLE, size: 64, values: (_u, splits) => splits.map(yLabel) },
        ],
        series: [
          { label: "At", value: readOut(xLabel) },
          ...series.map((s) => ({
            label: s.label,
            stroke: s.color,
            width: 2,
            dash: s.dashed ? [5, 4] : undefined,
            spanGaps: true,
            value: readOut(yLabel),
          })),
        ],
      },
    };
  }, [series, xLabel, yLabel]);
  if (spec.data[0].length === 0) {
    return (
      <div style={{ height }} className="flex items-center justify-center rounded-lg border border-dashed border-slate-200 text-sm text-slate-500">
        No data in this window
      </div>
    );
  }
  return (
    <div data-testid={props.testId} data-series={series.map((s) => `${s.key}:${s.points.filter((p) => p.y !== null).length}`).join(",")}>
      <PlotChart spec={spec} height={height} label={series.map((s) => s.label).join(", ")} fallback={<Placeholder />} />
    </div>
  );
}

/** Ids from `?ids=a,b` or `?ids=a&ids=b`: unique, in order. */
export function parseIds(params: URLSearchParams): string[] {
  return [...new Set(params.getAll("ids").flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean))];
}

/** One overlaid chart in its card, as both comparison pages lay them out. */
export function OverlayChartCard({ title, description, className, ...chart }: { title: string; description: string; className?: string } & Parameters<typeof OverlayChart>[0]) {
  return (
    <Card className={className}>
      <CardHeader title={title} description={description} />
      <div className="px-4 py-4">
        <OverlayChart {...chart} />
      </div>
    </Card>
  );
}

/**
 * A side-by-side table: one column per compared item, each headed by its colour swatch and a link
 * (plus `extra`, e.g. a status), and a first column naming the rows.
 */
export function CompareTable(props: {
  testId: string;
  corner: ReactNode;
  items: ReadonlyArray<{ id: string; label: string; to: string; extra?: ReactNode }>;
  children: ReactNode;
}) {
  return (
    <div className="relative overflow-x-auto">
      <table className="min-w-full divide-y divide-slate-100" data-testid={props.testId}>
        <thead>
          <tr>
            <th scope="col" className="px-4 py-2 text-left text-xs font-semibold text-slate-500">
              {props.corner}
            </th>
            {props.items.map((item, i) => (
              <th key={item.id} scope="col" className="px-4 py-2 text-left text-xs font-semibold text-slate-700">
                <span className="mr-1.5 inline-block h-2.5 w-2.5 rounded-full" style={{ background: COMPARE_COLORS[i] }} aria-hidden />
                <Link to={item.to} className="hover:underline">
                  {item.label}
                </Link>
                {item.extra ? <span className="ml-2 align-middle">{item.extra}</span> : null}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">{props.children}</tbody>
      </table>
    </div>
  );
}
