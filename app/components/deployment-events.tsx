import { StatusBadge, type DeploymentStatusValue } from "~/components/ui/status-badge";
import { Card, CardHeader } from "~/components/ui/card";
import { formatDateTime, formatRelative } from "~/lib/format";

export interface DeploymentEventRow {
  id: string;
  action: string;
  fromStatus: DeploymentStatusValue | null;
  toStatus: DeploymentStatusValue;
  actor: string;
  detail: string | null;
  createdAt: string;
}

const ACTION_LABELS: Record<string, string> = {
  DEPLOY: "Deployed",
  ACTIVATE: "Rollout complete",
  FAIL: "Rollout failed",
  PAUSE: "Paused",
  RESUME: "Resumed",
  RETIRE: "Retired",
  ROLLBACK: "Rolled back to this version",
};

/** This deployment's lifecycle, newest first: what happened, who did it, and when. */
export function DeploymentEvents({ events, now }: { events: DeploymentEventRow[]; now: string }) {
  const newestFirst = [...events].reverse();
  return (
    <Card>
      <CardHeader title="Activity" description="Every lifecycle change of this version." />
      <ol className="divide-y divide-slate-100" aria-label="Deployment activity">
        {newestFirst.map((e) => (
          <li key={e.id} className="flex items-start justify-between gap-4 px-5 py-3 text-sm">
            <div className="min-w-0">
              <p className="flex flex-wrap items-center gap-2">
                <span className="font-medium text-slate-900">{ACTION_LABELS[e.action] ?? e.action}</span>
                <StatusBadge domain="deployment" status={e.toStatus} />
              </p>
              <p className="mt-0.5 text-xs text-slate-500">
                by <span className="font-medium text-slate-700">{e.actor}</span>
                {e.detail ? <> · {e.detail}</> : null}
              </p>
            </div>
            <time dateTime={e.createdAt} title={formatDateTime(e.createdAt)} className="shrink-0 text-xs text-slate-500">
              {formatRelative(e.createdAt, now)}
            </time>
          </li>
        ))}
      </ol>
    </Card>
  );
}
