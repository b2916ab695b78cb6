import { useEffect, useState, type ReactNode } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";

export interface MetricPoint {
  step: number;
  epoch: number;
  trainLoss: number;
  evalLoss: number | null;
  learningRate: number;
}

/** Charts measure the DOM: render them after hydration, with a placeholder of the same size on the server. */
function ClientOnly({ height, children }: { height: number; children: ReactNode }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return (
    <div style={{ height }} className="w-full">
      {mounted ? children : <div className="h-full w-full animate-pulse rounded-lg bg-slate-50" aria-hidden />}
    </div>
  );
}

function Empty({ height, message }: { height: number; message: string }) {
  return (
    <div style={{ height }} className="flex w-full items-center justify-center rounded-lg border border-dashed border-slate-200 text-sm text-slate-500">
      {message}
    </div>
  );
}

const stepLabel = (step: number) => (step >= 1000 ? `${(step / 1000).toFixed(step % 1000 === 0 ? 0 : 1)}k` : String(step));

/**
 * A line chart over training steps 0…totalSteps; `children` add the Y axis, tooltip and lines.
 * `endedAt` (the last step of a failed or cancelled run): the axis ends there, so a run
 * that died at step 90 of 2,000 is a readable curve, not a squiggle at the left edge.
 */
function StepChart(props: { points: MetricPoint[]; totalSteps: number; endedAt?: number; height: number; emptyMessage: string; children: ReactNode }) {
  if (props.points.length === 0) return <Empty height={props.height} message={props.emptyMessage} />;
  const lastStep = props.points[props.points.length - 1]!.step;
  const end = props.endedAt === undefined ? props.totalSteps : Math.max(props.endedAt, lastStep, 1);
  return (
    <ClientOnly height={props.height}>
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={props.points} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
          <CartesianGrid stroke="#e2e8f0" strokeDasharray="3 3" />
          <XAxis dataKey="step" type="number" domain={[0, end]} tickFormatter={stepLabel} tick={{ fontSize: 12, fill: "#64748b" }} />
          {props.children}
        </LineChart>
      </ResponsiveContainer>
    </ClientOnly>
  );
}

/** Train loss as a line per logged step, eval loss as points joined across the steps it was measured at. */
export function LossChart({ points, totalSteps, endedAt, height = 280 }: { points: MetricPoint[]; totalSteps: number; endedAt?: number; height?: number }) {
  return (
    <StepChart points={points} totalSteps={totalSteps} endedAt={endedAt} height={height} emptyMessage="The loss curve appears with the first logged step.">
      <YAxis tick={{ fontSize: 12, fill: "#64748b" }} width={44} domain={[0, "auto"]} tickFormatter={(v: number) => v.toFixed(1)} />
      <Tooltip
        formatter={(value, name) => [typeof value === "number" ? value.toFixed(4) : String(value), name]}
        labelFormatter={(step) => `Step ${step}`}
      />
      <Legend wrapperStyle={{ fontSize: 12 }} />
      <Line type="monotone" dataKey="trainLoss" name="Train loss" stroke="#4f46e5" strokeWidth={2} dot={false} isAnimationActive={false} />
      <Line
        type="monotone"
        dataKey="evalLoss"
        name="Eval loss"
        stroke="#f59e0b"
        strokeWidth={2}
        strokeDasharray="5 3"
        dot={{ r: 2.5 }}
        connectNulls
        isAnimationActive={false}
      />
    </StepChart>
  );
}

/** "1.5e-4", "2e-4": enough digits that neighbouring ticks never print the same label. */
export function learningRateLabel(v: number): string {
  return v === 0 ? "0" : v.toExponential(1).replace(".0e", "e");
}

export function LearningRateChart({ points, totalSteps, endedAt, height = 180 }: { points: MetricPoint[]; totalSteps: number; endedAt?: number; height?: number }) {
  return (
    <StepChart points={points} totalSteps={totalSteps} endedAt={endedAt} height={height} emptyMessage="The learning-rate schedule appears with the first logged step.">
      <YAxis tick={{ fontSize: 12, fill: "#64748b" }} width={60} tickFormatter={learningRateLabel} />
      <Tooltip formatter={(value) => [typeof value === "number" ? value.toExponential(2) : String(value), "Learning rate"]} labelFormatter={(step) => `Step ${step}`} />
      <Line type="monotone" dataKey="learningRate" name="Learning rate" stroke="#0ea5e9" strokeWidth={2} dot={false} isAnimationActive={false} />
    </StepChart>
  );
}
