import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { lazy, Suspense } from "react";
import { ArrowLeft, BarChart3, FlaskConical, Loader2, XCircle } from "lucide-react";
import { MetricsLatencyChart } from "~/components/charts/metrics-latency-chart";
import { MetricsRequestsChart } from "~/components/charts/metrics-requests-chart";
import { DeploymentEndpoint } from "~/components/deployment-endpoint";
import { DeploymentEvents } from "~/components/deployment-events";
import { DeploymentHistory } from "~/components/deployment-history";
import { DeploymentLifecycleActions } from "~/components/deployment-lifecycle";
import { DeploymentMetricCards, type HealthThreshold } from "~/components/deployment-metric-cards";
import { ProductionBadge, ServingCard, ServingSnippets, ServingTryIt, SimulatedBadge } from "~/components/serving-card";
import { parseWindow, WINDOWS, WindowSelector, type WindowKey } from "~/components/deployment-window-selector";
import { GeneralErrorBoundary } from "~/components/error-page";
import { RoundIcon } from "~/components/ui/round-icon";
import { Card } from "~/components/ui/card";
import { StatusBadge } from "~/components/ui/status-badge";
import { formatDateTime, formatRelative } from "~/lib/format";
import { MutationFailure, WindowFigures } from "~/lib/fragments";
import { graphql, type ResultOf } from "~/lib/graphql";
import { usePolling } from "~/lib/use-polling";
import { gql, notFound } from "~/server/gql.server";
import { redirectWithResult } from "~/server/toast.server";

/*
 * The alert rules card loads its own data after the page (a fetcher) and carries the rule forms' code
 * (Conform, the rule schema): it comes in a chunk of its own, so the page's first load stays under the
 * 150 kB budget (issue 12). Until it has arrived the card says it is loading, as it does for its data.
 */
const AlertRulesCard = lazy(() => import("~/components/alert-rules-card").then((m) => ({ default: m.AlertRulesCard })));

function AlertRulesLoading() {
  return (
    <Card>
      <p className="px-5 py-6 text-sm text-slate-500">Loading alert rules…</p>
    </Card>
  );
}

export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: data ? `${data.deployment.modelName} ${data.deployment.version} · Deployments · Trainyard` : "Deployment not found · Trainyard" },
];

const DeploymentQuery = /* @__PURE__ */ graphql(`
  query DeploymentPage($id: ID!, $window: MetricsWindow!) {
    healthThresholds { metric above level cue }
    deployment(id: $id) {
      id
      modelName
      version
      status
      availableActions
      endpointUrl
      deployedBy
      failureReason
      createdAt
      activatedAt
      retiredAt
      job {
        id
        modelName
        baseModel {
          id
          name
        }
        dataset {
          name
        }
      }
      upstreamUrl
      simulated
      healthPath
      public
      healthy
      lastProbeAt
      lastProbeError
      gatewayUrl
      isProduction
      artifact {
        uri
        format
        sizeBytes
        sha256
      }
      events {
        id
        action
        fromStatus
        toStatus
        actor
        detail
        createdAt
      }
      history {
        id
        version
        status
        availableActions
        deployedBy
        createdAt
        activatedAt
      }
      metrics(window: $window) {
        ...WindowFigures
        health { p50 p95 errorRate }
        series {
          bucketStart
          requests
          errors
          clientErrors
          p50LatencyMs
          p95LatencyMs
        }
      }
    }
  }
`, [WindowFigures]);

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const window = parseWindow(new URL(request.url).searchParams.get("window"));
  const data = await gql(context, request, DeploymentQuery, { id: params.id!, window: WINDOWS[window].query });
  return json({ deployment: notFound(data.deployment, "Deployment"), thresholds: data.healthThresholds, window, now: new Date().toISOString() });
}

const PauseMutation = /* @__PURE__ */ graphql(`
  mutation PauseFromConsole($id: ID!) {
    pauseDeployment(id: $id) {
      __typename
      ... on PauseDeploymentSuccess { deployment { id modelName version } }
      ...MutationFailure
    }
  }
`, [MutationFailure]);
const ResumeMutation = /* @__PURE__ */ graphql(`
  mutation ResumeFromConsole($id: ID!) {
    resumeDeployment(id: $id) {
      __typename
      ... on ResumeDeploymentSuccess { deployment { id modelName version } }
      ...MutationFailure
    }
  }
`, [MutationFailure]);
const RetireMutation = /* @__PURE__ */ graphql(`
  mutation RetireFromConsole($id: ID!) {
    retireDeployment(id: $id) {
      __typename
      ... on RetireDeploymentSuccess { deployment { id modelName version } }
      ...MutationFailure
    }
  }
`, [MutationFailure]);
const RollbackMutation = /* @__PURE__ */ graphql(`
  mutation RollbackFromConsole($id: ID!, $pauseCurrent: Boolean) {
    rollbackDeployment(id: $id, pauseCurrent: $pauseCurrent) {
      __typename
      ... on RollbackDeploymentSuccess { deployment { id modelName version } }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const id = params.id!;
  const search = new URL(request.url).search;
  const here = `/deployments/${id}${search}`;
  const done = (verb: string) => ({ deployment: d }: { deployment: { modelName: string; version: string } }) => ({ to: here, title: `${verb} ${d.modelName} ${d.version}` });
  switch (form.get("intent")) {
    case "pause":
      return redirectWithResult((await gql(context, request, PauseMutation, { id })).pauseDeployment, "PauseDeploymentSuccess", done("Paused"), { to: here, title: "Pause failed" });
    case "resume":
      return redirectWithResult((await gql(context, request, ResumeMutation, { id })).resumeDeployment, "ResumeDeploymentSuccess", done("Resumed"), { to: here, title: "Resume failed" });
    case "retire":
      return redirectWithResult((await gql(context, request, RetireMutation, { id })).retireDeployment, "RetireDeploymentSuccess", done("Retired"), { to: here, title: "Retire failed" });
    case "rollback": {
      const variables = { id: String(form.get("targetId") ?? ""), pauseCurrent: form.get("pauseCurrent") === "on" };
      const result = (await gql(context, request, RollbackMutation, variables)).rollbackDeployment;
      // After a rollback the restored version is the one to look at.
      return redirectWithResult(
        result,
        "RollbackDeploymentSuccess",
        ({ deployment: d }) => ({ to: `/deployments/${d.id}${search}`, title: `Rolled back ${d.modelName} to ${d.version}` }),
        { to: here, title: "Rollback failed" },
      );
    }
    default:
      throw new Response("Unknown action", { status: 400 });
  }
}

type Deployment = ResultOf<typeof DeploymentQuery>["deployment"] & {};

const ROLLOUT_POLL_MS = 2000;

export default function DeploymentPage() {
  const { deployment: d, thresholds, window, now } = useLoaderData<typeof loader>();
  const label = `${d.modelName} ${d.version}`;
  // While rolling out, the status changes within seconds: follow it without a manual reload.
  usePolling(d.status === "DEPLOYING", ROLLOUT_POLL_MS);

  return (
    <>
      <Link to="/deployments" className="mb-4 inline-flex items-center gap-1 text-sm font-medium text-slate-500 hover:text-slate-900">
        <ArrowLeft className="h-4 w-4" aria-hidden /> Deployments
      </Link>
      <header className="mb-6 flex flex-wrap items-start justify-between gap-4">
        <div className="min-w-0 space-y-2">
          <div className="flex flex-wrap items-center gap-3">
            <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{d.modelName}</h1>
            <span className="rounded-md bg-slate-100 px-2 py-0.5 font-mono text-sm text-slate-700" data-testid="deployment-version">
              {d.version}
            </span>
            <StatusBadge domain="deployment" status={d.status} />
            {d.simulated ? <SimulatedBadge /> : null}
            {d.isProduction ? <ProductionBadge /> : null}
          </div>
          <DeploymentEndpoint url={d.endpointUrl} />
          <p className="text-sm text-slate-500">
            Deployed {formatRelative(d.createdAt, now)} by <span className="font-medium text-slate-700">{d.deployedBy}</span> from training job{" "}
            <Link to={`/training/jobs/${d.job.id}`} className="inline-flex items-center gap-1 font-medium text-indigo-600 hover:underline">
              <FlaskConical className="h-3.5 w-3.5" aria-hidden />
              {d.job.modelName}
            </Link>{" "}
            (fine-tuned {d.job.baseModel.name})
          </p>
        </div>
        <DeploymentLifecycleActions availableActions={d.availableActions} label={label} />
      </header>

      <StatusNotice deployment={d} now={now} />

      <div className="mb-6 space-y-6">
        <ServingCard d={d} now={now} />
        {d.status === "ACTIVE" ? (
          <div className="grid grid-cols-1 gap-6 2xl:grid-cols-2">
            <ServingTryIt d={d} />
            <ServingSnippets d={d} />
          </div>
        ) : null}
      </div>

      <section aria-labelledby="metrics-heading" className="mb-6">
        <div className="mb-4 flex flex-wrap items-center justify-between gap-3">
          <h2 id="metrics-heading" className="text-lg font-semibold text-slate-900">
            Inference metrics
          </h2>
          {d.status === "ACTIVE" ? <WindowSelector current={window} /> : null}
        </div>
        {d.status === "ACTIVE" ? <Metrics deployment={d} window={window} thresholds={thresholds} /> : <MetricsUnavailable status={d.status} />}
      </section>

      <div className="space-y-6">
        <Suspense fallback={<AlertRulesLoading />}>
          <AlertRulesCard deploymentId={d.id} />
        </Suspense>
        <DeploymentHistory modelName={d.modelName} currentId={d.id} versions={d.history} now={now} />
        <DeploymentEvents events={d.events} now={now} />
      </div>
    </>
  );
}

function Metrics({ deployment, window, thresholds }: { deployment: Deployment; window: WindowKey; thresholds: readonly HealthThreshold[] }) {
  const m = deployment.metrics;
  const w = WINDOWS[window];
  return (
    <div className="space-y-4" data-testid="deployment-metrics">
      <DeploymentMetricCards metrics={m} windowLabel={w.long} thresholds={thresholds} />
      <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
        <MetricsRequestsChart series={m.series} spanHours={w.spanHours} bucketLabelText={w.bucket} />
        <MetricsLatencyChart series={m.series} spanHours={w.spanHours} bucketLabelText={w.bucket} thresholds={thresholds} />
      </div>
    </div>
  );
}

const UNAVAILABLE_REASONS: Record<string, string> = {
  DEPLOYING: "This version is still rolling out. Live statistics appear once it is active.",
  PAUSED: "This version is paused and serves no traffic. Resume it to see live statistics again.",
  FAILED: "This version's rollout failed, so it never served traffic.",
  RETIRED: "This version is retired and serves no traffic. Roll back to it to serve it again.",
};

function MetricsUnavailable({ status }: { status: string }) {
  return (
    <Card className="px-6 py-10">
      <div className="mx-auto flex max-w-md flex-col items-center text-center" data-testid="metrics-unavailable">
        <RoundIcon icon={BarChart3} />
        <p className="mt-3 text-sm font-semibold text-slate-900">Metrics unavailable</p>
        <p className="mt-1 text-sm text-slate-500">{UNAVAILABLE_REASONS[status] ?? "Statistics are shown only for active deployments."}</p>
      </div>
    </Card>
  );
}

function StatusNotice({ deployment: d, now }: { deployment: Deployment; now: string }) {
  if (d.status === "DEPLOYING") {
    return (
      <div className="mb-6 flex items-center gap-3 rounded-xl border border-sky-200 bg-sky-50 px-4 py-3 text-sm text-sky-900" role="status">
        <Loader2 className="h-4 w-4 animate-spin" aria-hidden />
        {d.simulated
          ? "Rolling out on the simulated model server. This page updates when the endpoint is ready."
          : `Rolling out: waiting for GET ${d.healthPath} on ${d.upstreamUrl} to answer 2xx three times in a row.${d.lastProbeError ? ` Last probe: ${d.lastProbeError}` : ""}`}
      </div>
    );
  }
  if (d.status === "FAILED") {
    return (
      <div className="mb-6 flex items-start gap-3 rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-900" role="alert">
        <XCircle className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
        <div>
          <p className="font-semibold">Rollout failed</p>
          <p className="mt-0.5">{d.failureReason ?? "The rollout did not complete."}</p>
          <p className="mt-1 text-red-800">Fix the cause and deploy the training job again: it will get the next version number.</p>
        </div>
      </div>
    );
  }
  if (d.status === "RETIRED" && d.retiredAt) {
    return (
      <p className="mb-6 text-sm text-slate-500">
        Retired <time dateTime={d.retiredAt} title={formatDateTime(d.retiredAt)}>{formatRelative(d.retiredAt, now)}</time>.
      </p>
    );
  }
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
