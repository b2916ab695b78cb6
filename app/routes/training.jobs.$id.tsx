import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { AlertTriangle, Bug, ChevronLeft, Gauge, Info, Layers, Timer, TrendingDown, XCircle, type LucideIcon } from "lucide-react";
import { LearningRateChart, LossChart } from "~/components/charts/loss-charts";
import { GeneralErrorBoundary } from "~/components/error-page";
import { TrainingJobActions } from "~/components/training-job-actions";
import { TrainingProgress } from "~/components/training-progress";
import { Card, CardHeader } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { StatCard } from "~/components/ui/stat-card";
import { StatusBadge } from "~/components/ui/status-badge";
import { cn } from "~/lib/cn";
import { formatDateTime, formatDuration, formatInteger, formatParameters, formatRelative } from "~/lib/format";
import { TrainingHyperParameters, TrainingJobHeading } from "~/lib/fragments";
import { graphql } from "~/lib/graphql";
import { usePolling } from "~/lib/use-polling";
import { gql, notFound } from "~/server/gql.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.job.modelName} · Training · Trainyard` : "Training job · Trainyard" },
];

const JobQuery = /* @__PURE__ */ graphql(`
  query TrainingMonitor($id: ID!) {
    trainingJob(id: $id) {
      ...TrainingJobHeading
      currentStep
      totalSteps
      currentEpoch
      ...TrainingHyperParameters
      trainLoss
      evalLoss
      errorMessage
      createdBy
      createdAt
      startedAt
      finishedAt
      durationSeconds
      etaSeconds
      claimedBy
      trainer
      heartbeatAt
      baseModel {
        id
        name
        family
        parametersBillions
        contextLength
      }
      dataset {
        id
        name
        format
        rowCount
      }
      retryOf {
        id
        modelName
        status
      }
      retries {
        id
        status
        createdAt
      }
      deployments {
        id
        version
        status
      }
      curve(maxPoints: 600) {
        step
        epoch
        trainLoss
        evalLoss
        learningRate
      }
      events {
        id
        level
        message
        createdAt
      }
    }
  }
`, [TrainingJobHeading, TrainingHyperParameters]);

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const data = await gql(context, request, JobQuery, { id: params.id! });
  return json({ job: notFound(data.trainingJob, "Training job"), now: new Date().toISOString() });
}

const POLL_MS = 2000;

/** Who ran the job, in words: "simulated trainer demo-gpu-01", "gpu-box-3"; the log's claim line when the claim is gone. */
function trainerLabel(job: { claimedBy: string | null; trainer: string | null; status: string; events: ReadonlyArray<{ message: string }> }): string {
  if (job.claimedBy) return job.claimedBy.startsWith("builtin:") ? `simulated trainer ${job.claimedBy.slice("builtin:".length)}` : job.claimedBy;
  if (job.status === "QUEUED") return "not claimed yet";
  const claim = job.events.map((e) => /^Claimed by (.+?)(?::|$)/.exec(e.message)?.[1]).find(Boolean);
  return claim ?? "—";
}

/** "26 Nov 04:25:40": seconds matter in a run's log, and old runs need the day. */
function eventTime(iso: string): string {
  const d = new Date(iso);
  return `${d.toLocaleDateString("en-GB", { day: "numeric", month: "short", timeZone: "UTC" })} ${d.toISOString().slice(11, 19)}`;
}

const levelStyle: Record<string, { icon: LucideIcon; className: string; label: string }> = {
  DEBUG: { icon: Bug, className: "text-slate-500", label: "Debug" },
  INFO: { icon: Info, className: "text-sky-700", label: "Info" },
  WARN: { icon: AlertTriangle, className: "text-amber-700", label: "Warning" },
  ERROR: { icon: XCircle, className: "text-red-700", label: "Error" },
};

export default function TrainingMonitor() {
  const { job, now } = useLoaderData<typeof loader>();
  const live = job.status === "QUEUED" || job.status === "RUNNING";
  // Poll while the job can still change; polling ends when the status becomes final.
  usePolling(live, POLL_MS);

  // A run that died early: its charts end at the step it reached, not at the planned last step.
  const endedAt = job.status === "FAILED" || job.status === "CANCELLED" ? job.currentStep : undefined;
  const lastEval = [...job.curve].reverse().find((p) => p.evalLoss !== null);
  const firstLoss = job.curve[0]?.trainLoss;
  return (
    <>
      <Link to="/training/jobs" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-900">
        <ChevronLeft className="h-4 w-4" aria-hidden /> Training jobs
      </Link>
      <PageHeader
        title={job.modelName}
        description={
          <>
            Fine-tune of{" "}
            <Link to={`/models/${job.baseModel.id}`} className="font-medium text-slate-700 hover:text-indigo-600">
              {job.baseModel.name}
            </Link>{" "}
            on <span className="font-medium text-slate-700">{job.dataset.name}</span> · job <span className="font-mono text-xs">{job.id.slice(0, 8)}</span>
          </>
        }
        actions={
          <>
            {live ? (
              <span className="inline-flex items-center gap-1.5 text-xs text-slate-500" data-testid="live-indicator">
                <span className="relative flex h-2 w-2">
                  <span className="absolute inline-flex h-full w-full animate-ping rounded-full bg-sky-400 opacity-75" />
                  <span className="relative inline-flex h-2 w-2 rounded-full bg-sky-500" />
                </span>
                Live
              </span>
            ) : null}
            <span data-testid="job-status">
              <StatusBadge domain="trainingJob" status={job.status} className="px-3 py-1 text-sm" />
            </span>
            <TrainingJobActions id={job.id} modelName={job.modelName} availableActions={job.availableActions} liveDeployment={job.liveDeployment} size="md" />
          </>
        }
      />

      {job.status === "FAILED" && job.errorMessage ? (
        <div role="alert" className="mb-6 flex gap-3 rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
          <XCircle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
          <div>
            <p className="font-semibold">Training failed at step {formatInteger(job.currentStep)}</p>
            <p className="mt-0.5 break-words font-mono text-xs">{job.errorMessage}</p>
          </div>
        </div>
      ) : null}
      {job.status === "CANCELLED" ? (
        <div className="mb-6 rounded-xl border border-slate-200 bg-slate-50 px-4 py-3 text-sm text-slate-700">
          {job.errorMessage ?? "Cancelled"} at step {formatInteger(job.currentStep)} of {formatInteger(job.totalSteps)}.
        </div>
      ) : null}
      {job.status === "QUEUED" ? (
        <div className="mb-6 rounded-xl border border-slate-200 bg-white px-4 py-3 text-sm text-slate-600">
          Waiting for a trainer to pick this job up. The built-in simulated trainer (which trains nothing) claims queued jobs within seconds when it has a free slot; jobs for Tiny models wait for a real trainer such as examples/trainer-pytorch.
        </div>
      ) : null}

      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-4">
        <div className="rounded-xl border border-slate-200 bg-white p-5 shadow-sm" data-testid="job-progress">
          <p className="text-sm font-medium text-slate-500">Progress</p>
          <p className="mt-3 text-3xl font-semibold tabular-nums tracking-tight text-slate-900">{Math.round(job.progress * 100)}%</p>
          <TrainingProgress className="mt-2" progress={job.progress} status={job.status} label="Job progress" />
          <p className="mt-1 text-xs text-slate-500" data-testid="job-step">
            Step {formatInteger(job.currentStep)} of {formatInteger(job.totalSteps)}
          </p>
        </div>
        <StatCard
          label="Epoch"
          value={`${job.currentEpoch.toFixed(2)} / ${job.epochs}`}
          icon={Layers}
          hint={`${formatInteger(Math.round(job.totalSteps / job.epochs))} steps per epoch`}
        />
        <StatCard
          label="Train loss"
          value={job.trainLoss === null ? "—" : job.trainLoss.toFixed(3)}
          icon={TrendingDown}
          hint={
            lastEval?.evalLoss != null
              ? `eval ${lastEval.evalLoss.toFixed(3)}${firstLoss ? ` · from ${firstLoss.toFixed(2)}` : ""}`
              : "no eval yet"
          }
        />
        {live ? (
          <StatCard
            testId="job-eta"
            label="Time remaining"
            value={job.etaSeconds === null ? "—" : `~${formatDuration(job.etaSeconds)}`}
            icon={Timer}
            hint={job.startedAt ? `running for ${formatDuration(job.durationSeconds)}` : "not started"}
          />
        ) : (
          <StatCard
            label="Duration"
            value={formatDuration(job.durationSeconds)}
            icon={Timer}
            hint={job.finishedAt ? `finished ${formatRelative(job.finishedAt, now)}` : "never started"}
          />
        )}
      </div>

      <div className="mt-6 grid grid-cols-1 gap-6 xl:grid-cols-3">
        <Card className="xl:col-span-2">
          <CardHeader title="Loss" description="Train loss at every logged step; eval loss on the held-out split." />
          <div className="p-4" data-testid="loss-chart">
            <LossChart points={job.curve} totalSteps={job.totalSteps} endedAt={endedAt} />
          </div>
        </Card>
        <Card>
          <CardHeader title="Learning rate" description={`Linear warm-up over ${job.warmupSteps} steps, then cosine decay`} />
          <div className="p-4" data-testid="learning-rate-chart">
            <LearningRateChart points={job.curve} totalSteps={job.totalSteps} endedAt={endedAt} height={280} />
          </div>
        </Card>
      </div>

      <div className="mt-6 grid grid-cols-1 gap-6 xl:grid-cols-3">
        <Card className="xl:col-span-2">
          <CardHeader title="Event log" description={live ? "Newest last; updates live" : "Newest last"} />
          <ol className="max-h-[28rem] divide-y divide-slate-100 overflow-y-auto" aria-label="Event log" data-testid="event-log">
            {job.events.map((e) => {
              const style = levelStyle[e.level] ?? levelStyle.INFO!;
              const Icon = style.icon;
              return (
                <li key={e.id} className="flex gap-3 px-5 py-2.5 text-sm">
                  <time dateTime={e.createdAt} className="w-36 shrink-0 text-xs tabular-nums text-slate-500" title={formatDateTime(e.createdAt)}>
                    {eventTime(e.createdAt)}
                  </time>
                  <span className={cn("inline-flex w-20 shrink-0 items-center gap-1 text-xs font-semibold", style.className)}>
                    <Icon className="h-3.5 w-3.5" aria-hidden />
                    {style.label}
                  </span>
                  <span className="min-w-0 break-words text-slate-700">{e.message}</span>
                </li>
              );
            })}
          </ol>
        </Card>
        <Card>
          <CardHeader title="Configuration" />
          <dl className="divide-y divide-slate-100 text-sm">
            {(
              [
                ["Base model", <Link key="m" to={`/models/${job.baseModel.id}`} className="font-medium text-indigo-600 hover:text-indigo-500">{job.baseModel.name}</Link>],
                ["Size", `${formatParameters(job.baseModel.parametersBillions)} parameters · ${formatInteger(job.baseModel.contextLength)} context`],
                ["Dataset", `${job.dataset.name} (${formatInteger(job.dataset.rowCount)} rows, ${job.dataset.format})`],
                ["Epochs", job.epochs],
                ["Learning rate", job.learningRate.toExponential(1)],
                ["Batch size", job.batchSize],
                ["LoRA rank", job.loraRank],
                ["Warm-up steps", job.warmupSteps],
                ["Seed", job.seed],
                ["Total steps", formatInteger(job.totalSteps)],
                ["Created", `${formatDateTime(job.createdAt)} by ${job.createdBy}`],
                ["Trainer", trainerLabel(job)],
              ] as const
            ).map(([label, value]) => (
              <div key={label} className="flex justify-between gap-4 px-5 py-2">
                <dt className="text-slate-500">{label}</dt>
                <dd className="text-right text-slate-900">{value}</dd>
              </div>
            ))}
            {job.retryOf ? (
              <div className="flex justify-between gap-4 px-5 py-2">
                <dt className="text-slate-500">Retry of</dt>
                <dd>
                  <Link to={`/training/jobs/${job.retryOf.id}`} className="font-medium text-indigo-600 hover:text-indigo-500">
                    job {job.retryOf.id.slice(0, 8)} ({job.retryOf.status.toLowerCase()})
                  </Link>
                </dd>
              </div>
            ) : null}
            {job.retries.map((r) => (
              <div key={r.id} className="flex justify-between gap-4 px-5 py-2">
                <dt className="text-slate-500">Retried as</dt>
                <dd>
                  <Link to={`/training/jobs/${r.id}`} className="font-medium text-indigo-600 hover:text-indigo-500">
                    job {r.id.slice(0, 8)} ({r.status.toLowerCase()})
                  </Link>
                </dd>
              </div>
            ))}
            {job.deployments.map((d) => (
              <div key={d.id} className="flex justify-between gap-4 px-5 py-2">
                <dt className="text-slate-500">Deployed as</dt>
                <dd className="flex items-center gap-2">
                  <Link to={`/deployments/${d.id}`} className="font-mono text-xs font-medium text-indigo-600 hover:text-indigo-500">
                    {d.version}
                  </Link>
                  <StatusBadge domain="deployment" status={d.status} />
                </dd>
              </div>
            ))}
          </dl>
        </Card>
      </div>
      <p className="mt-6 flex items-center gap-1.5 text-xs text-slate-400">
        <Gauge className="h-3.5 w-3.5" aria-hidden />
        {live ? `Refreshing every ${POLL_MS / 1000} s while the job runs.` : `Final state; this page no longer refreshes.`}
      </p>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
