import { useFetcher } from "@remix-run/react";
import { Bell, BellOff, Plus, Save, Trash2 } from "lucide-react";
import { useEffect, useRef } from "react";
import { toast } from "sonner";
import { describeCondition, formatAlertValue, formatSpan, METRIC_LABEL, thresholdToInput, thresholdUnit, WINDOW_LABEL } from "~/components/alert-format";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { StatusBadge } from "~/components/ui/status-badge";
import { cn } from "~/lib/cn";
import { formatDateTime, formatRelative } from "~/lib/format";
import type { loader as cardLoader, action as cardAction } from "~/routes/alerts.deployments.$id";

type CardData = Awaited<ReturnType<Awaited<ReturnType<typeof cardLoader>>["json"]>>;
type Rule = CardData["deployment"] extends infer D ? (D extends { alertRules: infer R } ? R extends Array<infer X> ? X : never : never) : never;

const input = "w-24 rounded-md border border-slate-300 px-2 py-1 text-sm tabular-nums focus:border-indigo-500 focus:outline-none";

/**
 * Toast on every result of an edit, success or failure; reload the card after a success. Rows are keyed
 * by rule id only, so the row (and its fetcher) survives the reload that shows the saved values.
 */
function useOutcomeToast(fetcher: ReturnType<typeof useFetcher<typeof cardAction>>, reload: () => void) {
  const seen = useRef<unknown>(null);
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data || seen.current === fetcher.data) return;
    seen.current = fetcher.data;
    const d = fetcher.data;
    if (d.ok) {
      toast.success(d.message);
      reload();
    } else {
      toast.error("Could not save the rule", { description: "fieldErrors" in d && d.fieldErrors?.length ? d.fieldErrors.map((f) => f.message).join("; ") : d.message });
    }
  }, [fetcher.state, fetcher.data, reload]);
}

function RuleRow({ rule, channels, deploymentId, action, reload }: { rule: Rule; channels: ReadonlyArray<{ id: string; name: string }>; deploymentId: string; action: string; reload: () => void }) {
  const fetcher = useFetcher<typeof cardAction>();
  useOutcomeToast(fetcher, reload);
  const busy = fetcher.state !== "idle";
  const mine = rule.targets.find((t) => t.deployment.id === deploymentId);
  const state = rule.silenced && (mine?.state ?? "OK") === "OK" ? "SILENCED" : (mine?.state ?? "OK");
  const selected = new Set(rule.channels.map((c) => c.id));
  return (
    <li className="px-5 py-4" data-testid="alert-rule" data-metric={rule.metric}>
      <fetcher.Form method="post" action={action} className="flex flex-wrap items-center gap-x-4 gap-y-2">
        <input type="hidden" name="ruleId" value={rule.id} />
        <input type="hidden" name="metric" value={rule.metric} />
        <div className="min-w-[14rem] flex-1">
          <div className="flex items-center gap-2">
            <StatusBadge domain="alert" status={state} />
            <span className="text-sm font-medium text-slate-900">{describeCondition(rule)}</span>
          </div>
          <p className="mt-1 text-xs text-slate-500">
            {rule.modelName ? `Every version of ${rule.modelName}` : "This deployment"}
            {rule.isDefault ? " · default rule" : ""}
            {mine?.lastValue != null ? ` · now ${formatAlertValue(rule.metric, mine.lastValue)}` : ""}
            {rule.silenced && rule.silencedUntil ? ` · silenced until ${formatDateTime(rule.silencedUntil)}` : ""}
            {!rule.enabled ? " · disabled" : ""}
          </p>
        </div>
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          {METRIC_LABEL[rule.metric]} {rule.comparison === "ABOVE" ? ">" : "<"}
          <input name="threshold" type="number" step="any" min="0" defaultValue={thresholdToInput(rule.metric, rule.threshold)} className={input} aria-label={`Threshold (${thresholdUnit(rule.metric)})`} />
          {thresholdUnit(rule.metric)}
        </label>
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          for
          <input name="forSeconds" type="number" min="0" step="1" defaultValue={rule.forSeconds} className={cn(input, "w-20")} aria-label="For (seconds)" />s
        </label>
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          <input name="enabled" type="checkbox" defaultChecked={rule.enabled} className="h-4 w-4 rounded border-slate-300" />
          enabled
        </label>
        {channels.length ? (
          <fieldset className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
            <legend className="sr-only">Notify</legend>
            {channels.map((c) => (
              <label key={c.id} className="flex items-center gap-1">
                <input type="checkbox" name="channelIds" value={c.id} defaultChecked={selected.has(c.id)} className="h-3.5 w-3.5 rounded border-slate-300" />
                {c.name}
              </label>
            ))}
          </fieldset>
        ) : null}
        <div className="flex items-center gap-2">
          <Button type="submit" name="intent" value="save" size="sm" disabled={busy}>
            <Save className="h-3.5 w-3.5" aria-hidden /> Save
          </Button>
          {rule.silenced ? (
            <Button type="submit" name="intent" value="unsilence" size="sm" variant="secondary" disabled={busy}>
              <Bell className="h-3.5 w-3.5" aria-hidden /> Unsilence
            </Button>
          ) : (
            <Button type="submit" name="intent" value="silence" size="sm" variant="secondary" disabled={busy} title="No notifications for one hour">
              <BellOff className="h-3.5 w-3.5" aria-hidden /> Silence 1 h
            </Button>
          )}
          <Button type="submit" name="intent" value="delete" size="sm" variant="danger" disabled={busy} aria-label="Delete rule">
            <Trash2 className="h-3.5 w-3.5" aria-hidden />
          </Button>
        </div>
      </fetcher.Form>
    </li>
  );
}

function NewRule({ modelName, channels, action, reload }: { modelName: string; channels: ReadonlyArray<{ id: string; name: string }>; action: string; reload: () => void }) {
  const fetcher = useFetcher<typeof cardAction>();
  useOutcomeToast(fetcher, reload);
  return (
    <details className="border-t border-slate-100 px-5 py-3">
      <summary className="cursor-pointer text-sm font-medium text-indigo-700">Add a rule</summary>
      <fetcher.Form method="post" action={action} className="mt-3 flex flex-wrap items-end gap-3 text-xs text-slate-600">
        <input type="hidden" name="intent" value="create" />
        <input type="hidden" name="modelName" value={modelName} />
        <label className="flex flex-col gap-1">
          Applies to
          <select name="scope" className="rounded-md border border-slate-300 px-2 py-1 text-sm">
            <option value="deployment">This deployment</option>
            <option value="model">Every version of {modelName}</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Metric
          <select name="metric" className="rounded-md border border-slate-300 px-2 py-1 text-sm">
            {Object.entries(METRIC_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Is
          <select name="comparison" className="rounded-md border border-slate-300 px-2 py-1 text-sm">
            <option value="ABOVE">above</option>
            <option value="BELOW">below</option>
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Threshold (ms, %, req/s)
          <input name="threshold" type="number" step="any" min="0" required className={input} />
        </label>
        <label className="flex flex-col gap-1">
          Over
          <select name="window" className="rounded-md border border-slate-300 px-2 py-1 text-sm">
            {Object.entries(WINDOW_LABEL).map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          For (s)
          <input name="forSeconds" type="number" min="0" defaultValue={60} className={cn(input, "w-20")} />
        </label>
        {channels.map((c) => (
          <label key={c.id} className="flex items-center gap-1 pb-1.5">
            <input type="checkbox" name="channelIds" value={c.id} className="h-3.5 w-3.5 rounded border-slate-300" /> {c.name}
          </label>
        ))}
        <Button type="submit" size="sm" disabled={fetcher.state !== "idle"}>
          <Plus className="h-3.5 w-3.5" aria-hidden /> Add rule
        </Button>
      </fetcher.Form>
    </details>
  );
}

/**
 * The deployment page's alert rules (edited inline) and alert history. It loads
 * its own data from the resource route /alerts/deployments/:id.
 */
export function AlertRulesCard({ deploymentId }: { deploymentId: string }) {
  const data = useFetcher<typeof cardLoader>();
  const action = `/alerts/deployments/${deploymentId}`;
  const reload = useRef(() => data.load(action));
  reload.current = () => data.load(action);
  useEffect(() => {
    data.load(action);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [action]);
  const d = data.data;
  const stableReload = useRef(() => reload.current()).current;
  return (
    <div className="grid grid-cols-1 gap-6 xl:grid-cols-2" data-testid="alert-rules-card">
      <Card>
        <CardHeader title="Alert rules" description="Evaluated at least every 30 s. Edit a threshold and save; silence a rule to stop its notifications for a while." />
        {!d?.deployment ? (
          <p className="px-5 py-6 text-sm text-slate-500">Loading rules…</p>
        ) : d.deployment.alertRules.length === 0 ? (
          <p className="px-5 py-6 text-sm text-slate-500">No rules watch this deployment.</p>
        ) : (
          <ul className="divide-y divide-slate-100">
            {d.deployment.alertRules.map((r) => (
              <RuleRow key={r.id} rule={r as Rule} channels={d.notificationChannels.nodes} deploymentId={deploymentId} action={action} reload={stableReload} />
            ))}
          </ul>
        )}
        {d?.deployment ? <NewRule modelName={d.deployment.modelName} channels={d.notificationChannels.nodes} action={action} reload={stableReload} /> : null}
      </Card>
      <Card>
        <CardHeader title="Alert history" description={d?.deployment ? `${d.deployment.alerts.totalCount} alerts on this deployment, firing first.` : undefined} />
        {d?.deployment && d.deployment.alerts.nodes.length ? (
          <ul className="divide-y divide-slate-100" data-testid="alert-history">
            {d.deployment.alerts.nodes.map((a) => (
              <li key={a.id} className="flex flex-wrap items-center gap-3 px-5 py-3 text-sm">
                <StatusBadge domain="alert" status={a.state} />
                <span className="min-w-0 flex-1 text-slate-700">
                  {describeCondition(a)}: <span className="font-semibold tabular-nums text-slate-900">{formatAlertValue(a.metric, a.value)}</span>
                </span>
                <span className="text-xs text-slate-500" title={formatDateTime(a.firedAt)}>
                  fired {formatRelative(a.firedAt, d.now)} · {a.resolvedAt ? `lasted ${formatSpan(a.startedAt, a.resolvedAt, d.now)}` : `ongoing for ${formatSpan(a.startedAt, null, d.now)}`}
                </span>
              </li>
            ))}
          </ul>
        ) : (
          <p className="px-5 py-6 text-sm text-slate-500">{d ? "No alert has fired on this deployment." : "Loading…"}</p>
        )}
      </Card>
    </div>
  );
}
