import { useMemo } from "react";
import { AXIS_STYLE, EmptyChart, fromZero, Placeholder, PlotChart, type PlotSpec, readOut } from "~/components/charts/plot";

export interface MetricPoint {
  step: number;
  epoch: number;
  trainLoss: number;
  evalLoss: number | null;
  learningRate: number;
}

/** A run's logged points and how far its step axis reaches (see StepChart). */
type RunChartProps = { points: MetricPoint[]; totalSteps: number; endedAt?: number; height?: number };

const stepLabel = (step: number) => (step >= 1000 ? `${(step / 1000).toFixed(step % 1000 === 0 ? 0 : 1)}k` : String(step));

/**
 * A chart over training steps 0…totalSteps with the given y axis and lines.
 * `endedAt` (the last step of a failed or cancelled run): the axis ends there, so a run
 * that died at step 90 of 2,000 is a readable curve, not a squiggle at the left edge.
 */
function StepChart(props: {
  points: MetricPoint[];
  totalSteps: number;
  endedAt?: number;
  height: number;
  emptyMessage: string;
  label: string;
  y: Pick<PlotSpec["options"], "series"> & { values: (splits: number[]) => string[]; size: number; data: Array<Array<number | null>>; min0?: boolean };
}) {
  const { points, totalSteps, endedAt, y } = props;
  const spec = useMemo<PlotSpec>(() => {
    const lastStep = points.at(-1)?.step ?? 0;
    const end = endedAt === undefined ? totalSteps : Math.max(endedAt, lastStep, 1);
    return {
      data: [points.map((p) => p.step), ...y.data],
      options: {
        scales: { x: { time: false, range: [0, end] }, y: y.min0 ? { range: fromZero() } : {} },
        axes: [
          { ...AXIS_STYLE, values: (_u, splits) => splits.map(stepLabel) },
          { ...AXIS_STYLE, size: y.size, values: (_u, splits) => y.values(splits) },
        ],
        series: [{ label: "Step", value: readOut((v) => `Step ${v}`) }, ...y.series],
      },
    };
    // `y` is rebuilt on every render from the same points: the points decide when the chart redraws.
  }, [points, totalSteps, endedAt]);
  if (points.length === 0) return <EmptyChart height={props.height} message={props.emptyMessage} />;
  return <PlotChart spec={spec} height={props.height} label={props.label} fallback={<Placeholder />} />;
}

/** Train loss as a line per logged step, eval loss as points joined across the steps it was measured at. */
export function LossChart({ height = 280, ...run }: RunChartProps) {
  const { points } = run;
  return (
    <StepChart
      {...run}
      height={height}
      label="Train and eval loss by step"
      emptyMessage="The loss curve appears with the first logged step."
      y={{
        size: 44,
        min0: true,
        values: (splits) => splits.map((v) => v.toFixed(v !== 0 && Math.abs(v) < 0.1 ? 2 : 1)),
        data: [points.map((p) => p.trainLoss), points.map((p) => p.evalLoss)],
        series: [
          { label: "Train loss", stroke: "#4f46e5", width: 2, value: readOut((v) => v.toFixed(4)) },
          {
            label: "Eval loss",
            stroke: "#f59e0b",
            width: 2,
            dash: [5, 3],
            spanGaps: true,
            points: { show: true, size: 5, fill: "#f59e0b" },
            value: readOut((v) => v.toFixed(4)),
          },
        ],
      }}
    />
  );
}

/** "1.5e-4", "2e-4": a learning rate in as few digits as `digits` allows. */
export function learningRateLabel(v: number, digits = 1): string {
  return v === 0 ? "0" : v.toExponential(digits).replace(/\.?0+e/, "e");
}

/** The fewest digits that print every tick apart and within 0.5 % of its value (2.5e-5 steps: "1.25e-4", not "1.3e-4"). */
function learningRateTicks(splits: number[]): string[] {
  for (let digits = 1; digits < 4; digits++) {
    const labels = splits.map((v) => learningRateLabel(v, digits));
    const exact = splits.every((v, i) => v === 0 || Math.abs(Number(labels[i]) / v - 1) < 0.005);
    if (exact && new Set(labels).size === labels.length) return labels;
  }
  return splits.map((v) => learningRateLabel(v, 4));
}

export function LearningRateChart({ height = 180, ...run }: RunChartProps) {
  const { points } = run;
  return (
    <StepChart
      {...run}
      height={height}
      label="Learning rate by step"
      emptyMessage="The learning-rate schedule appears with the first logged step."
      y={{
        size: 60,
        values: learningRateTicks,
        data: [points.map((p) => p.learningRate)],
        series: [{ label: "Learning rate", stroke: "#0ea5e9", width: 2, value: readOut((v) => v.toExponential(2)) }],
      }}
    />
  );
}
