import { Link } from "@remix-run/react";
import { History } from "lucide-react";
import { ConfirmAction } from "~/components/ui/confirm-dialog";
import { SimpleTable } from "~/components/ui/simple-table";
import { Card, CardHeader } from "~/components/ui/card";
import { StatusBadge, type DeploymentStatusValue } from "~/components/ui/status-badge";
import { formatDateTime, formatRelative } from "~/lib/format";

export interface VersionRow {
  id: string;
  version: string;
  status: DeploymentStatusValue;
  deployedBy: string;
  createdAt: string;
  activatedAt: string | null;
  /** From the API: "Roll back" is offered exactly where it lists ROLLBACK. */
  availableActions: readonly string[];
}

/** Every version of the model, newest first, with who deployed it and when; earlier versions can be rolled back to. */
export function DeploymentHistory(props: { modelName: string; currentId: string; versions: VersionRow[]; now: string }) {
  const live = props.versions.filter((v) => v.status === "ACTIVE" || v.status === "DEPLOYING");
  const liveLabel = live.map((v) => v.version).join(" and ");
  return (
    <Card>
      <CardHeader title="Version history" description={
          props.versions.length === 1 ? `The only version of ${props.modelName} so far.` : `All ${props.versions.length} versions of ${props.modelName}, newest first.`
        } />
      <SimpleTable label="Version history" headers={["Version", "Status", "Deployed by", "Deployed", "Activated", ""]}>
            {props.versions.map((v) => (
              <tr key={v.id} className={v.id === props.currentId ? "bg-indigo-50/40" : undefined} data-version={v.version}>
                <td className="whitespace-nowrap px-5 py-3">
                  {v.id === props.currentId ? (
                    <span className="font-mono text-xs font-semibold text-slate-900">
                      {v.version} <span className="ml-1 font-sans font-normal text-slate-500">(this page)</span>
                    </span>
                  ) : (
                    <Link to={`/deployments/${v.id}`} className="font-mono text-xs font-medium text-indigo-600 hover:underline">
                      {v.version}
                    </Link>
                  )}
                </td>
                <td className="whitespace-nowrap px-5 py-3">
                  <StatusBadge domain="deployment" status={v.status} />
                </td>
                <td className="whitespace-nowrap px-5 py-3 text-slate-600">{v.deployedBy}</td>
                <td className="whitespace-nowrap px-5 py-3 text-slate-600">
                  <time dateTime={v.createdAt} title={formatDateTime(v.createdAt)}>
                    {formatRelative(v.createdAt, props.now)}
                  </time>
                </td>
                <td className="whitespace-nowrap px-5 py-3 text-slate-600">
                  {v.activatedAt ? (
                    <time dateTime={v.activatedAt} title={formatDateTime(v.activatedAt)}>
                      {formatRelative(v.activatedAt, props.now)}
                    </time>
                  ) : (
                    "—"
                  )}
                </td>
                <td className="whitespace-nowrap px-5 py-3 text-right">
                  {v.availableActions.includes("ROLLBACK") ? (
                    <ConfirmAction
                      label="Roll back"
                      busyLabel="Rolling back…"
                      icon={History}
                      size="sm"
                      title={`Roll back ${props.modelName} to ${v.version}?`}
                      description={
                        <p>
                          {v.version} becomes Active again at its own endpoint
                          {liveLabel ? (
                            <>
                              , and the current version <span className="font-mono">{liveLabel}</span> is retired.
                            </>
                          ) : (
                            "."
                          )}{" "}
                          Both changes happen together and are recorded in the history.
                        </p>
                      }
                      confirmLabel={`Roll back to ${v.version}`}
                      fields={{ intent: "rollback", targetId: v.id }}
                    >
                      {live.some((l) => l.status === "ACTIVE") ? (
                        <label className="mt-4 flex items-center gap-2 text-sm text-slate-700">
                          <input type="checkbox" name="pauseCurrent" value="on" className="h-4 w-4 rounded border-slate-300 text-indigo-600" />
                          Pause the current version instead of retiring it
                        </label>
                      ) : null}
                    </ConfirmAction>
                  ) : null}
                </td>
              </tr>
            ))}
      </SimpleTable>
    </Card>
  );
}
