import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { COMPARE_COLORS, CompareTable, OverlayChartCard, parseIds, type CompareSeries } from "~/components/compare-charts";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Card, CardHeader } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { StatusBadge } from "~/components/ui/status-badge";
import { cn } from "~/lib/cn";
import { formatDuration } from "~/lib/format";
import { TrainingHyperParameters } from "~/lib/fragments";
import { graphql } from "~/lib/graphql";
import { gql } from "~/server/gql.server";

export const meta: MetaFunction = () => [{ title: "Compare training runs · Trainyard" }];

const JobQuery = /* @__PURE__ */ graphql(`
  query CompareJob($id: ID!) {
    trainingJob(id: $id) {
      id
      modelName
      status
      ...TrainingHyperParameters
      totalSteps
      trainLoss
      evalLoss
      durationSeconds
      baseModel {
        name
      }
      dataset {
        name
      }
      evalMetrics {
        name
        value
      }
      artifact {
        uri
        format
        sizeBytes
        sha256
      }
      curve(maxPoints: 300) {
        step
        trainLoss
        evalLoss
      }
    }
  }
`, [TrainingHyperParameters]);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const ids = parseIds(new URL(request.url).searchParams);
  if (ids.length < 2 || ids.length > 4) {
    return json({ jobs: [], missing: [] as string[], problem: `Choose 2 to 4 training jobs to compare (got ${ids.length}).` });
  }
  const results = await Promise.all(ids.map((id) => gql(context, request, JobQuery, { id })));
  const jobs = results.flatMap((r) => (r.trainingJob ? [r.trainingJob] : []));
  const missing = ids.filter((_, i) => !results[i]!.trainingJob);
  return json({ jobs, missing, problem: null as string | null });
}

type Job = ReturnType<typeof useLoaderData<typeof loader>>["jobs"][number];

const label = (j: Job, i: number) => `#${i + 1} ${j.modelName}`;
const num = (v: number | null | undefined, digits = 4) => (v === null || v === undefined ? "—" : +v.toFixed(digits) + "");

const HYPER: Array<{ key: string; label: string; value: (j: Job) => string }> = [
  { key: "baseModel", label: "Base model", value: (j) => j.baseModel.name },
  { key: "dataset", label: "Dataset", value: (j) => j.dataset.name },
  { key: "epochs", label: "Epochs", value: (j) => String(j.epochs) },
  { key: "learningRate", label: "Learning rate", value: (j) => String(j.learningRate) },
  { key: "batchSize", label: "Batch size", value: (j) => String(j.batchSize) },
  { key: "loraRank", label: "LoRA rank", value: (j) => String(j.loraRank) },
  { key: "warmupSteps", label: "Warm-up steps", value: (j) => String(j.warmupSteps) },
  { key: "seed", label: "Seed", value: (j) => String(j.seed) },
  { key: "totalSteps", label: "Total steps", value: (j) => String(j.totalSteps) },
];

function Row({ name, values, highlight, testId }: { name: string; values: string[]; highlight?: boolean; testId?: string }) {
  return (
    <tr className={cn(highlight && "bg-amber-50")} data-testid={testId} data-differs={highlight ? "true" : "false"}>
      <th scope="row" className="whitespace-nowrap px-4 py-2 text-left text-sm font-medium text-slate-600">
        {name}
        {highlight ? <span className="ml-2 rounded bg-amber-200 px-1.5 py-0.5 text-xs font-semibold text-amber-900">differs</span> : null}
      </th>
      {values.map((v, i) => (
        <td key={i} className={cn("px-4 py-2 font-mono text-sm tabular-nums", highlight ? "font-semibold text-slate-900" : "text-slate-700")}>
          {v}
        </td>
      ))}
    </tr>
  );
}

export default function CompareJobsPage() {
  const { jobs, missing, problem } = useLoaderData<typeof loader>();
  if (problem || jobs.length < 2) {
    return (
      <>
        <PageHeader title="Compare training runs" />
        <Card className="px-6 py-10 text-center text-sm text-slate-600" >
          <p data-testid="compare-problem">{problem ?? `Only ${jobs.length} of the requested jobs exist${missing.length ? ` (not found: ${missing.join(", ")})` : ""}.`}</p>
          <p className="mt-2">
            Select 2–4 jobs in the{" "}
            <Link to="/training/jobs" className="text-indigo-700 hover:underline">
              jobs table
            </Link>{" "}
            and choose “Compare”.
          </p>
        </Card>
      </>
    );
  }
  const train: CompareSeries[] = jobs.map((j, i) => ({ key: `t${i}`, label: `${label(j, i)} train`, color: COMPARE_COLORS[i]!, points: j.curve.map((p) => ({ x: p.step, y: p.trainLoss })) }));
  const evals: CompareSeries[] = jobs.map((j, i) => ({
    key: `e${i}`,
    label: `${label(j, i)} eval`,
    color: COMPARE_COLORS[i]!,
    dashed: true,
    points: j.curve.filter((p) => p.evalLoss !== null).map((p) => ({ x: p.step, y: p.evalLoss })),
  }));
  const metricNames = [...new Set(jobs.flatMap((j) => j.evalMetrics.map((m) => m.name)))].sort();
  const differs = (values: string[]) => new Set(values).size > 1;
  const heads = jobs.map((j, i) => ({ id: j.id, label: label(j, i), to: `/training/jobs/${j.id}` }));
  return (
    <>
      <PageHeader title="Compare training runs" description={`${jobs.length} runs side by side: loss curves overlaid, hyper-parameters with differences highlighted, final metrics and artifacts.`} />
      {missing.length ? <p className="mb-4 text-sm text-amber-800">Not found: {missing.join(", ")}</p> : null}
      <OverlayChartCard
        className="mb-6"
        title="Loss"
        description="Train loss solid, eval loss dashed, by step; one colour per run."
        testId="compare-loss-chart"
        series={[...train, ...evals]}
        height={320}
        xLabel={(x) => `step ${x}`}
        yLabel={(y) => y.toFixed(3)}
      />
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
        <Card>
          <CardHeader title="Hyper-parameters" description="Rows that differ between runs are highlighted." />
          <CompareTable testId="compare-hyperparameters" corner="Parameter" items={heads}>
                {HYPER.map((h) => {
                  const values = jobs.map(h.value);
                  return <Row key={h.key} name={h.label} values={values} highlight={differs(values)} testId={`hp-${h.key}`} />;
                })}
          </CompareTable>
        </Card>
        <Card>
          <CardHeader title="Final metrics and artifacts" />
          <CompareTable testId="compare-results" corner="Result" items={heads}>
                <tr>
                  <th scope="row" className="px-4 py-2 text-left text-sm font-medium text-slate-600">Status</th>
                  {jobs.map((j) => (
                    <td key={j.id} className="px-4 py-2">
                      <StatusBadge domain="trainingJob" status={j.status} />
                    </td>
                  ))}
                </tr>
                <Row name="Final train loss" values={jobs.map((j) => num(j.trainLoss))} testId="result-trainLoss" />
                <Row name="Final eval loss" values={jobs.map((j) => num(j.evalLoss))} testId="result-evalLoss" />
                <Row name="Duration" values={jobs.map((j) => formatDuration(j.durationSeconds))} />
                {metricNames.map((name) => (
                  <Row key={name} name={name} values={jobs.map((j) => num(j.evalMetrics.find((m) => m.name === name)?.value))} testId={`result-metric-${name}`} />
                ))}
                <Row name="Artifact" values={jobs.map((j) => j.artifact?.uri ?? "—")} testId="result-artifact" />
                <Row name="Format · size" values={jobs.map((j) => (j.artifact ? `${j.artifact.format.toLowerCase()} · ${(j.artifact.sizeBytes / 1e6).toFixed(1)} MB` : "—"))} />
                <Row name="sha256" values={jobs.map((j) => (j.artifact ? `${j.artifact.sha256.slice(0, 12)}…` : "—"))} />
          </CompareTable>
        </Card>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
