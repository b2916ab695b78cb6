import { useEffect, useState, type ReactNode } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

/** One colour per compared item (2–4), also used by the tables' column headers. */
export const COMPARE_COLORS = ["#4f46e5", "#e11d48", "#059669", "#d97706"] as const;

/** Charts measure the DOM: render them after hydration, with a same-size placeholder on the server. */
function ClientOnly({ height, children }: { height: number; children: ReactNode }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <div style={{ height }} className="w-full">
      {mounted ? children : <div className="h-full w-full animate-pulse rounded-lg bg-slate-50" aria-hidden />}
    </div>
  );
}

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
  const height = props.height ?? 280;
  const byX = new Map<number, Record<string, number | null>>();
  for (const s of props.series) {
    for (const p of s.points) {
      const row = byX.get(p.x) ?? { x: p.x };
      row[s.key] = p.y;
      byX.set(p.x, row);
    }
  }
  const data = [...byX.values()].sort((a, b) => (a.x as number) - (b.x as number));
  if (data.length === 0) {
    return (
      <div style={{ height }} className="flex items-center justify-center rounded-lg border border-dashed border-slate-200 text-sm text-slate-500">
        No data in this window
      </div>
    );
  }
  return (
    <div data-testid={props.testId} data-series={props.series.map((s) => `${s.key}:${s.points.filter((p) => p.y !== null).length}`).join(",")}>
      <ClientOnly height={height}>
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={data} margin={{ top: 8, right: 16, bottom: 4, left: 4 }}>
            <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
            <XAxis dataKey="x" type="number" domain={["dataMin", "dataMax"]} tickFormatter={props.xLabel} tick={{ fontSize: 11, fill: "#64748b" }} />
            <YAxis tickFormatter={props.yLabel} tick={{ fontSize: 11, fill: "#64748b" }} width={64} />
            <Tooltip labelFormatter={(x) => props.xLabel(Number(x))} formatter={(v) => (typeof v === "number" ? props.yLabel(v) : String(v))} />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            {props.series.map((s) => (
              <Line
                key={s.key}
                dataKey={s.key}
                name={s.label}
                type="monotone"
                stroke={s.color}
                strokeWidth={2}
                strokeDasharray={s.dashed ? "5 4" : undefined}
                dot={false}
                connectNulls
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </ClientOnly>
    </div>
  );
}

/** Ids from `?ids=a,b` or `?ids=a&ids=b`: unique, in order. */
export function parseIds(params: URLSearchParams): string[] {
  return [...new Set(params.getAll("ids").flatMap((v) => v.split(",")).map((s) => s.trim()).filter(Boolean))];
}
