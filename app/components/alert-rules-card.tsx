import { getCollectionProps, getFormProps, getInputProps, getSelectProps, useForm, type FieldMetadata } from "@conform-to/react";
import { useFetcher } from "@remix-run/react";
import { Bell, BellOff, Plus, Save, Trash2 } from "lucide-react";
import { useEffect, useRef, type ReactNode } from "react";
import { toast } from "sonner";
import { describeCondition, formatAlertValue, formatSpan, METRIC_LABEL, thresholdUnit, WINDOW_LABEL } from "~/components/alert-format";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { StatusBadge } from "~/components/ui/status-badge";
import { ruleFormSchema, thresholdToInput } from "~/lib/alert-rule-form";
import { cn } from "~/lib/cn";
import { formatDateTime, formatRelative } from "~/lib/format";
import { parseWithSchema } from "~/lib/parse-form";
import type { loader as cardLoader, action as cardAction } from "~/routes/alerts.deployments.$id";

type CardData = Awaited<ReturnType<Awaited<ReturnType<typeof cardLoader>>["json"]>>;
type Rule = CardData["deployment"] extends infer D ? (D extends { alertRules: infer R } ? R extends Array<infer X> ? X : never : never) : never;
type Channels = ReadonlyArray<{ id: string; name: string }>;

const input = (invalid: boolean) =>
  cn("w-24 rounded-md border px-2 py-1 text-sm tabular-nums focus:outline-none", invalid ? "border-red-400 focus:border-red-500" : "border-slate-300 focus:border-indigo-500");
const select = "rounded-md border border-slate-300 px-2 py-1 text-sm";

/**
 * A rule form on Conform: the browser checks with the action's schema (graphql/validation/alerts.ts) for the
 * submit button's intent; the action's reply puts the API's field errors next to the fields. Every result is
 * toasted; a success reloads the card. Rows are keyed by rule id only, so the row (and its fetcher) survives
 * the reload that shows the saved values.
 */
type RuleFields = { scope: string; metric: string; comparison: string; threshold: string; window: string; forSeconds: string; enabled: string; channelIds: string[] };

function useRuleForm(id: string, reload: () => void, defaultValue: Partial<RuleFields>) {
  const fetcher = useFetcher<typeof cardAction>();
  const [form, fields] = useForm<RuleFields, unknown>({
    id,
    lastResult: fetcher.state === "idle" ? fetcher.data?.reply : undefined,
    defaultValue,
    onValidate: ({ formData }) => parseWithSchema(formData, ruleFormSchema(formData.get("intent"))),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
  });
  const seen = useRef<unknown>(null);
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data || seen.current === fetcher.data) return;
    seen.current = fetcher.data;
    const d = fetcher.data;
    if (d.ok) {
      toast.success(d.message);
      reload();
    } else {
      toast.error("Could not save the rule", { description: d.message });
    }
  }, [fetcher.state, fetcher.data, reload]);
  return { fetcher, form, fields, busy: fetcher.state !== "idle" };
}

/**
 * Each invalid field's first error, under the row of inputs, named by its label (the rule's messages are
 * phrased to follow the field's name); `getInputProps` points the input's aria-describedby at it.
 */
function FieldErrors({ fields }: { fields: ReadonlyArray<readonly [FieldMetadata<unknown>, string]> }) {
  const shown = fields.filter(([f]) => f.errors?.length);
  return shown.length ? (
    <div className="basis-full space-y-0.5">
      {shown.map(([f, label]) => (
        <p key={f.name} id={f.errorId} className="text-xs font-medium text-red-700" role="alert">
          {label}: {f.errors![0]}
        </p>
      ))}
    </div>
  ) : null;
}

function ChannelChoices({ meta, channels, className, children }: { meta: FieldMetadata<unknown>; channels: Channels; className: string; children?: ReactNode }) {
  return getCollectionProps(meta, { type: "checkbox", options: channels.map((c) => c.id) }).map((props) => (
    <label key={props.key} className={className}>
      <input {...props} key={props.key} className="h-3.5 w-3.5 rounded border-slate-300" />
      {children}
      {channels.find((c) => c.id === props.value)!.name}
    </label>
  ));
}

function RuleRow({ rule, channels, deploymentId, action, reload }: { rule: Rule; channels: Channels; deploymentId: string; action: string; reload: () => void }) {
  const { fetcher, form, fields, busy } = useRuleForm(`rule-${rule.id}`, reload, {
    threshold: thresholdToInput(rule.metric, rule.threshold),
    forSeconds: String(rule.forSeconds),
    enabled: rule.enabled ? "on" : undefined,
    channelIds: rule.channels.map((c) => c.id),
  });
  const mine = rule.targets.find((t) => t.deployment.id === deploymentId);
  const state = rule.silenced && (mine?.state ?? "OK") === "OK" ? "SILENCED" : (mine?.state ?? "OK");
  return (
    <li className="px-5 py-4" data-testid="alert-rule" data-metric={rule.metric}>
      <fetcher.Form method="post" action={action} {...getFormProps(form)} className="flex flex-wrap items-center gap-x-4 gap-y-2">
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
          <input {...getInputProps(fields.threshold, { type: "number" })} step="any" min="0" className={input(!fields.threshold.valid)} aria-label={`Threshold (${thresholdUnit(rule.metric)})`} />
          {thresholdUnit(rule.metric)}
        </label>
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          for
          <input {...getInputProps(fields.forSeconds, { type: "number" })} min="0" step="1" className={cn(input(!fields.forSeconds.valid), "w-20")} aria-label="For (seconds)" />s
        </label>
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          <input {...getInputProps(fields.enabled, { type: "checkbox" })} className="h-4 w-4 rounded border-slate-300" />
          enabled
        </label>
        {channels.length ? (
          <fieldset className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
            <legend className="sr-only">Notify</legend>
            <ChannelChoices meta={fields.channelIds} channels={channels} className="flex items-center gap-1" />
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
        <FieldErrors fields={[[fields.threshold, "Threshold"], [fields.forSeconds, "For (s)"], [fields.channelIds, "Notify"]]} />
      </fetcher.Form>
    </li>
  );
}

function Choice({ meta, label, options }: { meta: FieldMetadata<string>; label: string; options: ReadonlyArray<readonly [string, string]> }) {
  return (
    <label className="flex flex-col gap-1">
      {label}
      <select {...getSelectProps(meta)} className={select}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

function NewRule({ modelName, channels, action, reload }: { modelName: string; channels: Channels; action: string; reload: () => void }) {
  const { fetcher, form, fields, busy } = useRuleForm("new-rule", reload, { scope: "deployment", metric: "P50_LATENCY", comparison: "ABOVE", window: "LAST_15_MINUTES", forSeconds: "60" });
  return (
    <details className="border-t border-slate-100 px-5 py-3">
      <summary className="cursor-pointer text-sm font-medium text-indigo-700">Add a rule</summary>
      <fetcher.Form method="post" action={action} {...getFormProps(form)} className="mt-3 flex flex-wrap items-end gap-3 text-xs text-slate-600">
        <input type="hidden" name="intent" value="create" />
        <input type="hidden" name="modelName" value={modelName} />
        <Choice meta={fields.scope} label="Applies to" options={[["deployment", "This deployment"], ["model", `Every version of ${modelName}`]]} />
        <Choice meta={fields.metric} label="Metric" options={Object.entries(METRIC_LABEL)} />
        <Choice meta={fields.comparison} label="Is" options={[["ABOVE", "above"], ["BELOW", "below"]]} />
        <label className="flex flex-col gap-1">
          Threshold (ms, %, req/s)
          <input {...getInputProps(fields.threshold, { type: "number" })} step="any" min="0" className={input(!fields.threshold.valid)} />
        </label>
        <Choice meta={fields.window} label="Over" options={Object.entries(WINDOW_LABEL)} />
        <label className="flex flex-col gap-1">
          For (s)
          <input {...getInputProps(fields.forSeconds, { type: "number" })} min="0" className={cn(input(!fields.forSeconds.valid), "w-20")} />
        </label>
        <ChannelChoices meta={fields.channelIds} channels={channels} className="flex items-center gap-1 pb-1.5" />
        <Button type="submit" size="sm" disabled={busy}>
          <Plus className="h-3.5 w-3.5" aria-hidden /> Add rule
        </Button>
        <FieldErrors fields={[[fields.metric, "Metric"], [fields.threshold, "Threshold"], [fields.window, "Over"], [fields.forSeconds, "For (s)"], [fields.channelIds, "Notify"]]} />
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
        <CardHeader title="Alert rules" description="Evaluated every 15 s. Edit a threshold and save; silence a rule to stop its notifications for a while." />
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
        <CardHeader title="Alert history" description={d?.deployment ? `${d.deployment.alerts.totalCount} ${d.deployment.alerts.totalCount === 1 ? "alert" : "alerts"} on this deployment, firing first.` : undefined} />
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
