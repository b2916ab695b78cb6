import { useFetcher } from "@remix-run/react";
import { Bell, BellOff, Plus, Save, Trash2 } from "lucide-react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { describeCondition, formatAlertValue, formatSpan, METRIC_LABEL, thresholdToInput, thresholdUnit, WINDOW_LABEL } from "~/components/alert-format";
import { toast } from "~/components/toaster";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { StatusBadge } from "~/components/ui/status-badge";
import { cn } from "~/lib/cn";
import { formatDateTime, formatRelative } from "~/lib/format";
import type { loader as cardLoader, action as cardAction } from "~/routes/alerts.deployments.$id";
import { MAX_FOR_SECONDS } from "../../graphql/validation/alert-limits.ts";

type CardData = Awaited<ReturnType<Awaited<ReturnType<typeof cardLoader>>["json"]>>;
type Rule = CardData["deployment"] extends infer D ? (D extends { alertRules: infer R } ? R extends Array<infer X> ? X : never : never) : never;
type Channels = ReadonlyArray<{ id: string; name: string }>;

const input = (invalid: boolean) =>
  cn("w-24 rounded-md border px-2 py-1 text-sm tabular-nums focus:outline-none", invalid ? "border-red-400 focus:border-red-500" : "border-slate-300 focus:border-indigo-500");
const select = "rounded-md border border-slate-300 px-2 py-1 text-sm";

/**
 * A rule form (ADR 0045). The browser checks each field with the input's own constraints, which say what
 * graphql/validation/alerts.ts says (a threshold is a number ≥ 0, at most 100 for an error rate in percent;
 * "for" is whole seconds from 0 to a day); the action checks with that schema and its reply's field errors
 * (Conform's reply shape, `error: { field: messages }`) are shown next to the fields. Every result is
 * toasted; a success reloads the card. Rows are keyed by rule id only, so the row (and its fetcher) survives
 * the reload that shows the saved values.
 */
function useRuleForm(reload: () => void, onSaved?: () => void) {
  const fetcher = useFetcher<typeof cardAction>();
  const seen = useRef<unknown>(null);
  useEffect(() => {
    if (fetcher.state !== "idle" || !fetcher.data || seen.current === fetcher.data) return;
    seen.current = fetcher.data;
    const d = fetcher.data;
    if (d.ok) {
      toast.success(d.message);
      onSaved?.();
      reload();
    } else {
      toast.error("Could not save the rule", { description: d.message });
    }
  }, [fetcher.state, fetcher.data, reload, onSaved]);
  const reply = fetcher.state === "idle" ? (fetcher.data?.reply as { error?: Record<string, string[] | null> } | undefined) : undefined;
  const errors = (name: string) => reply?.error?.[name] ?? undefined;
  return { fetcher, errors, busy: fetcher.state !== "idle" };
}

type Errors = (name: string) => string[] | undefined;
const errorId = (form: string, name: string) => `${form}-${name}-error`;
/** The accessibility attributes of a field whose last answer had an error. */
const invalidProps = (form: string, name: string, errors: Errors) =>
  errors(name)?.length ? { "aria-invalid": true, "aria-describedby": errorId(form, name) } : {};

/** Each invalid field's first error, under the row of inputs, named by its label (the rule's messages are phrased to follow the field's name). */
function FieldErrors({ form, errors, fields }: { form: string; errors: Errors; fields: ReadonlyArray<readonly [string, string]> }) {
  const shown = fields.filter(([name]) => errors(name)?.length);
  return shown.length ? (
    <div className="basis-full space-y-0.5">
      {shown.map(([name, label]) => (
        <p key={name} id={errorId(form, name)} className="text-xs font-medium text-red-700" role="alert">
          {label}: {errors(name)![0]}
        </p>
      ))}
    </div>
  ) : null;
}

function ChannelChoices({ channels, checked, className, children }: { channels: Channels; checked?: ReadonlyArray<string>; className: string; children?: ReactNode }) {
  return channels.map((c) => (
    <label key={c.id} className={className}>
      <input type="checkbox" name="channelIds" value={c.id} defaultChecked={checked?.includes(c.id)} className="h-3.5 w-3.5 rounded border-slate-300" />
      {children}
      {c.name}
    </label>
  ));
}

/** The threshold's constraints in the unit it is typed in: percent for the error rate. */
const thresholdLimits = (metric: string) => ({ type: "number", name: "threshold", required: true, step: "any", min: "0", max: metric === "ERROR_RATE" ? "100" : undefined }) as const;
const forSecondsLimits = { type: "number", name: "forSeconds", required: true, step: "1", min: "0", max: String(MAX_FOR_SECONDS) } as const;

function RuleRow({ rule, channels, deploymentId, action, reload }: { rule: Rule; channels: Channels; deploymentId: string; action: string; reload: () => void }) {
  const { fetcher, errors, busy } = useRuleForm(reload);
  const id = `rule-${rule.id}`;
  const mine = rule.targets.find((t) => t.deployment.id === deploymentId);
  const state = rule.silenced && (mine?.state ?? "OK") === "OK" ? "SILENCED" : (mine?.state ?? "OK");
  return (
    <li className="px-5 py-4" data-testid="alert-rule" data-metric={rule.metric}>
      <fetcher.Form method="post" action={action} id={id} className="flex flex-wrap items-center gap-x-4 gap-y-2">
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
          <input
            {...thresholdLimits(rule.metric)}
            {...invalidProps(id, "threshold", errors)}
            defaultValue={thresholdToInput(rule.metric, rule.threshold)}
            className={input(!!errors("threshold"))}
            aria-label={`Threshold (${thresholdUnit(rule.metric)})`}
          />
          {thresholdUnit(rule.metric)}
        </label>
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          for
          <input {...forSecondsLimits} {...invalidProps(id, "forSeconds", errors)} defaultValue={String(rule.forSeconds)} className={cn(input(!!errors("forSeconds")), "w-20")} aria-label="For (seconds)" />s
        </label>
        <label className="flex items-center gap-1.5 text-xs text-slate-600">
          <input type="checkbox" name="enabled" defaultChecked={rule.enabled} className="h-4 w-4 rounded border-slate-300" />
          enabled
        </label>
        {channels.length ? (
          <fieldset className="flex flex-wrap items-center gap-2 text-xs text-slate-600">
            <legend className="sr-only">Notify</legend>
            <ChannelChoices channels={channels} checked={rule.channels.map((c) => c.id)} className="flex items-center gap-1" />
          </fieldset>
        ) : null}
        <div className="flex items-center gap-2">
          <Button type="submit" name="intent" value="save" size="sm" disabled={busy}>
            <Save className="h-3.5 w-3.5" aria-hidden /> Save
          </Button>
          {/* Silencing and deleting read no field: the fields' constraints do not stop them. */}
          {rule.silenced ? (
            <Button type="submit" name="intent" value="unsilence" size="sm" variant="secondary" disabled={busy} formNoValidate>
              <Bell className="h-3.5 w-3.5" aria-hidden /> Unsilence
            </Button>
          ) : (
            <Button type="submit" name="intent" value="silence" size="sm" variant="secondary" disabled={busy} formNoValidate title="No notifications for one hour">
              <BellOff className="h-3.5 w-3.5" aria-hidden /> Silence 1 h
            </Button>
          )}
          <Button type="submit" name="intent" value="delete" size="sm" variant="danger" disabled={busy} formNoValidate aria-label="Delete rule">
            <Trash2 className="h-3.5 w-3.5" aria-hidden />
          </Button>
        </div>
        <FieldErrors form={id} errors={errors} fields={[["threshold", "Threshold"], ["forSeconds", "For (s)"], ["channelIds", "Notify"]]} />
      </fetcher.Form>
    </li>
  );
}

function Choice({ name, label, options, value, onChange }: { name: string; label: string; options: ReadonlyArray<readonly [string, string]>; value?: string; onChange?: (v: string) => void }) {
  return (
    <label className="flex flex-col gap-1">
      {label}
      <select name={name} required className={select} {...(onChange ? { value, onChange: (e: { target: { value: string } }) => onChange(e.target.value) } : { defaultValue: value })}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </label>
  );
}

const NEW_RULE = { metric: "P50_LATENCY", forSeconds: "60" };

function NewRule({ modelName, channels, action, reload }: { modelName: string; channels: Channels; action: string; reload: () => void }) {
  const formRef = useRef<HTMLFormElement>(null);
  const [metric, setMetric] = useState(NEW_RULE.metric);
  const reset = useRef(() => {
    formRef.current?.reset();
    setMetric(NEW_RULE.metric);
  }).current;
  const { fetcher, errors, busy } = useRuleForm(reload, reset);
  const id = "new-rule";
  return (
    <details className="border-t border-slate-100 px-5 py-3">
      <summary className="cursor-pointer text-sm font-medium text-indigo-700">Add a rule</summary>
      <fetcher.Form ref={formRef} method="post" action={action} id={id} className="mt-3 flex flex-wrap items-end gap-3 text-xs text-slate-600">
        <input type="hidden" name="intent" value="create" />
        <input type="hidden" name="modelName" value={modelName} />
        <Choice name="scope" label="Applies to" value="deployment" options={[["deployment", "This deployment"], ["model", `Every version of ${modelName}`]]} />
        <Choice name="metric" label="Metric" value={metric} onChange={setMetric} options={Object.entries(METRIC_LABEL)} />
        <Choice name="comparison" label="Is" value="ABOVE" options={[["ABOVE", "above"], ["BELOW", "below"]]} />
        <label className="flex flex-col gap-1">
          Threshold ({thresholdUnit(metric)})
          <input {...thresholdLimits(metric)} {...invalidProps(id, "threshold", errors)} className={input(!!errors("threshold"))} />
        </label>
        <Choice name="window" label="Over" value="LAST_15_MINUTES" options={Object.entries(WINDOW_LABEL)} />
        <label className="flex flex-col gap-1">
          For (s)
          <input {...forSecondsLimits} {...invalidProps(id, "forSeconds", errors)} defaultValue={NEW_RULE.forSeconds} className={cn(input(!!errors("forSeconds")), "w-20")} />
        </label>
        <ChannelChoices channels={channels} className="flex items-center gap-1 pb-1.5" />
        <Button type="submit" size="sm" disabled={busy}>
          <Plus className="h-3.5 w-3.5" aria-hidden /> Add rule
        </Button>
        <FieldErrors form={id} errors={errors} fields={[["metric", "Metric"], ["threshold", "Threshold"], ["window", "Over"], ["forSeconds", "For (s)"], ["channelIds", "Notify"]]} />
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
