import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { Activity, AlertTriangle, CheckCircle2, FlaskConical, Gauge, Rocket } from "lucide-react";
import { assess } from "~/components/deployment-metric-cards";
import { Card, CardHeader } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { StatCard } from "~/components/ui/stat-card";
import { StatusBadge } from "~/components/ui/status-badge";
import { formatCompact, formatPercent, formatRelative } from "~/lib/format";
import { graphql } from "~/lib/graphql";
import { gql } from "~/server/gql.server";

export const meta: MetaFunction = () => [{ title: "Dashboard · Trainyard" }];

const DashboardQuery = /* @__PURE__ */ graphql(`
  query DashboardPage {
    dashboard {
      activeDeployments
      runningJobs
      queuedJobs
      completedJobs
      failedJobs24h
      requests24h
      errorRate24h
      errorRate24hHealth
      activeModels
      alertsFiring
      computedAt
      recentActivity(first: 8) {
        id
        actor
        action
        targetType
        targetId
        targetLabel
        outcome
        createdAt
      }
    }
    healthThresholds {
      metric
      cue
    }
    deployments(first: 5, sort: { field: DEPLOYED, direction: DESC }) {
      totalCount
      nodes {
        id
        modelName
        version
        status
        createdAt
      }
    }
    trainingJobs(first: 5, filter: { status: [RUNNING, QUEUED] }, sort: { field: CREATED, direction: DESC }) {
      nodes {
        id
        modelName
        status
        progress
        baseModel {
          name
        }
      }
    }
  }
`);

export async function loader({ request, context }: LoaderFunctionArgs) {
  return json(await gql(context, request, DashboardQuery));
}

const ACTION_LABELS: Record<string, string> = {
  createTrainingJob: "created training job",
  cancelTrainingJob: "cancelled training job",
  retryTrainingJob: "retried training job",
  claimTrainingJob: "claimed training job",
  reportTrainingProgress: "reported progress on",
  completeTrainingJob: "completed training job",
  recordInferenceEvents: "recorded inference events for",
  deployJob: "deployed",
  pauseDeployment: "paused deployment",
  resumeDeployment: "resumed deployment",
  retireDeployment: "retired deployment",
  rollbackDeployment: "rolled back",
  createApiToken: "created API token",
  revokeApiToken: "revoked API token",
};

function targetHref(type: string | null, id: string) {
  if (type === "Deployment") return `/deployments/${id}`;
  if (type === "TrainingJob") return `/training/jobs/${id}`;
  return "/activity";
}

export default function Dashboard() {
  const { dashboard: d, deployments, trainingJobs, healthThresholds } = useLoaderData<typeof loader>();
  const now = d.computedAt;
  // The level is the API's (Dashboard.errorRate24hHealth); the cue names its threshold.
  const errorHealth = assess(healthThresholds, "ERROR_RATE", d.errorRate24hHealth);
  return (
    <>
      <PageHeader title="Dashboard" description="Your fleet at a glance: deployments, training and the last 24 hours of inference traffic." />
      <div className="grid grid-cols-1 gap-4 sm:grid-cols-2 xl:grid-cols-3">
        <StatCard
          testId="stat-deployed-models"
          to="/deployments?status=ACTIVE"
          label="Deployed models"
          value={d.activeModels}
          icon={Rocket}
          hint={<span data-testid="stat-active-versions">{d.activeDeployments === 1 ? "1 active version" : `${d.activeDeployments} active versions`}</span>}
        />
        <StatCard
          testId="stat-running-jobs"
          to="/training/jobs?status=RUNNING"
          label="Running jobs"
          value={d.runningJobs}
          icon={FlaskConical}
          hint={`${d.queuedJobs} queued`}
        />
        <StatCard
          testId="stat-completed-jobs"
          to="/training/jobs?status=COMPLETE"
          label="Completed jobs"
          value={d.completedJobs}
          icon={CheckCircle2}
          hint={d.failedJobs24h ? `${d.failedJobs24h} failed in 24 h` : "no failures in 24 h"}
        />
        <StatCard testId="stat-requests" to="/deployments?sort=rps.desc" label="Requests (24 h)" value={formatCompact(d.requests24h)} icon={Activity} hint="all deployments" />
        <StatCard
          testId="stat-error-rate"
          to="/deployments?status=ACTIVE"
          label="Error rate (24 h)"
          value={formatPercent(d.errorRate24h)}
          icon={Gauge}
          {...errorHealth}
          hint={d.errorRate24h === null ? "no traffic recorded" : "server and model errors"}
        />
        <StatCard
          testId="stat-alerts"
          to={d.alertsFiring > 0 ? "/alerts?state=FIRING" : "/alerts"}
          label="Alerts firing"
          value={d.alertsFiring}
          icon={AlertTriangle}
          tone={d.alertsFiring > 0 ? "critical" : "good"}
          cue={d.alertsFiring > 0 ? "Needs attention" : "All clear"}
          hint="from the alert rules · see which deployments"
        />
      </div>

      <div className="mt-6 grid grid-cols-1 gap-6 lg:grid-cols-2">
        <Card>
          <CardHeader
            title="Latest deployments"
            description={`${deployments.totalCount} in total`}
            action={<Link to="/deployments" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">View all</Link>}
          />
          {deployments.nodes.length === 0 ? (
            <p className="px-5 py-8 text-center text-sm text-slate-500">No deployments yet. Deploy a completed training job to see it here.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {deployments.nodes.map((dep) => (
                <li key={dep.id} className="flex items-center justify-between px-5 py-3">
                  <div>
                    <Link to={`/deployments/${dep.id}`} className="text-sm font-medium text-slate-900 hover:text-indigo-600">
                      {dep.modelName}
                    </Link>
                    <span className="ml-2 font-mono text-xs text-slate-500">{dep.version}</span>
                    <p className="text-xs text-slate-500">deployed {formatRelative(dep.createdAt, now)}</p>
                  </div>
                  <StatusBadge domain="deployment" status={dep.status} />
                </li>
              ))}
            </ul>
          )}
        </Card>

        <Card>
          <CardHeader
            title="Training in progress"
            action={<Link to="/training/jobs" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">All jobs</Link>}
          />
          {trainingJobs.nodes.length === 0 ? (
            <p className="px-5 py-8 text-center text-sm text-slate-500">No jobs running or queued.</p>
          ) : (
            <ul className="divide-y divide-slate-100">
              {trainingJobs.nodes.map((job) => (
                <li key={job.id} className="px-5 py-3">
                  <div className="flex items-center justify-between">
                    <Link to={`/training/jobs/${job.id}`} className="text-sm font-medium text-slate-900 hover:text-indigo-600">
                      {job.modelName}
                    </Link>
                    <StatusBadge domain="trainingJob" status={job.status} />
                  </div>
                  <div className="mt-2 flex items-center gap-3">
                    <div className="h-1.5 flex-1 overflow-hidden rounded-full bg-slate-100" role="progressbar" aria-valuenow={Math.round(job.progress * 100)} aria-valuemin={0} aria-valuemax={100} aria-label={`${job.modelName} progress`}>
                      <div className="h-full rounded-full bg-indigo-500" style={{ width: `${Math.round(job.progress * 100)}%` }} />
                    </div>
                    <span className="w-10 text-right text-xs tabular-nums text-slate-500">{Math.round(job.progress * 100)}%</span>
                  </div>
                  <p className="mt-1 text-xs text-slate-500">{job.baseModel.name}</p>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>

      <Card className="mt-6">
        <CardHeader
          title="Recent activity"
          description="Every change made through the console or the API."
          action={<Link to="/activity" className="text-sm font-medium text-indigo-600 hover:text-indigo-500">All activity</Link>}
        />
        {d.recentActivity.length === 0 ? (
          <p className="px-5 py-8 text-center text-sm text-slate-500">Nothing has happened yet.</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {d.recentActivity.map((a) => (
              <li key={a.id} className="flex items-center justify-between px-5 py-3 text-sm">
                <span>
                  <span className="font-medium text-slate-900">{a.actor}</span>{" "}
                  <span className="text-slate-600">{ACTION_LABELS[a.action] ?? a.action}</span>{" "}
                  {a.targetLabel && a.targetId ? (
                    <Link
                      to={targetHref(a.targetType, a.targetId)}
                      className="font-medium text-indigo-600 hover:text-indigo-500"
                    >
                      {a.targetLabel}
                    </Link>
                  ) : a.targetType ? (
                    <span className="font-mono text-xs text-slate-500">{a.targetType}</span>
                  ) : null}
                  {a.outcome !== "SUCCESS" ? <span className="ml-2 text-xs font-semibold text-red-700">{a.outcome.toLowerCase()}</span> : null}
                </span>
                <time dateTime={a.createdAt} className="text-xs text-slate-500">
                  {formatRelative(a.createdAt, now)}
                </time>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
