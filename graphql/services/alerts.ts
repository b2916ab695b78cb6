import { isUuid } from "../ids.ts";
import { msUntilEarliest } from "./due.ts";
import { inTransaction, type Db, type PrismaClient } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { NotFoundError, ValidationError, type FieldError } from "../errors.ts";
import { loadDeploymentMetrics, type DeploymentMetrics, type MetricsWindowName } from "./metrics.ts";
import { alertPayload, queueAlertNotifications } from "./notifications.ts";
import { alertRuleFieldErrors, createAlertRuleSchema, updateAlertRuleSchema, type AlertComparisonName, type AlertMetricName } from "../validation/alerts.ts";

/**
 * Alert rules and their evaluation (docs/alerts.md, docs/decisions/0021).
 *
 * A rule watches one deployment or every ACTIVE version of a model name. Each
 * (rule, deployment) pair has a state in AlertTarget: OK → PENDING (breached,
 * waiting out `forSeconds`) → FIRING (an Alert row, notifications queued) → OK
 * (the Alert resolved, notifications queued). Evaluators claim due rules with
 * FOR UPDATE SKIP LOCKED, so any number of processes share the work and a rule
 * is evaluated by one of them at a time; the partial unique index
 * "Alert_one_open_per_target" and the deliveries' unique key make "one
 * notification per firing and per resolution" a database fact.
 */

export { ALERT_COMPARISONS, ALERT_METRICS, MAX_FOR_SECONDS, type AlertComparisonName, type AlertMetricName } from "../validation/alerts.ts";

/** Evaluators look at each enabled rule at least this often. */
export const EVALUATION_INTERVAL_MS = 15_000;

export const P50_LATENCY_ALERT_MS = 200;
export const P95_LATENCY_ALERT_MS = 500;
export const ERROR_RATE_ALERT = 0.01;

/** The thresholds the dashboard used to hard-code: every new deployment gets them as editable rules. */
export const DEFAULT_ALERT_RULES: ReadonlyArray<{
  metric: AlertMetricName;
  comparison: AlertComparisonName;
  threshold: number;
  window: MetricsWindowName;
  forSeconds: number;
}> = [
  { metric: "P50_LATENCY", comparison: "ABOVE", threshold: P50_LATENCY_ALERT_MS, window: "LAST_15_MINUTES", forSeconds: 0 },
  { metric: "P95_LATENCY", comparison: "ABOVE", threshold: P95_LATENCY_ALERT_MS, window: "LAST_15_MINUTES", forSeconds: 0 },
  { metric: "ERROR_RATE", comparison: "ABOVE", threshold: ERROR_RATE_ALERT, window: "LAST_15_MINUTES", forSeconds: 0 },
];

export const METRIC_LABELS: Record<AlertMetricName, string> = {
  P50_LATENCY: "P50 latency",
  P95_LATENCY: "P95 latency",
  P99_LATENCY: "P99 latency",
  ERROR_RATE: "Error rate",
  REQUEST_RATE: "Request rate",
};

/** A metric's value as people read it: "512 ms", "2.4 %", "3.10 req/s". */
export function formatMetricValue(metric: AlertMetricName, value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (metric === "ERROR_RATE") return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)} %`;
  if (metric === "REQUEST_RATE") return `${value.toFixed(2)} req/s`;
  return `${Math.round(value)} ms`;
}

export function metricValue(metric: AlertMetricName, m: DeploymentMetrics): number | null {
  switch (metric) {
    case "P50_LATENCY":
      return m.p50LatencyMs;
    case "P95_LATENCY":
      return m.p95LatencyMs;
    case "P99_LATENCY":
      return m.p99LatencyMs;
    case "ERROR_RATE":
      return m.errorRate;
    case "REQUEST_RATE":
      return m.requestsPerSecond;
  }
}

export function breaches(comparison: AlertComparisonName, value: number | null, threshold: number): boolean {
  if (value === null || Number.isNaN(value)) return false;
  return comparison === "ABOVE" ? value > threshold : value < threshold;
}

export async function applyDefaultAlertRules(db: Db, args: { deploymentId: string; actor?: string }): Promise<void> {
  const { deploymentId, actor: createdBy = "system" } = args;
  await db.alertRule.createMany({
    data: DEFAULT_ALERT_RULES.map((r) => ({ ...r, deploymentId, isDefault: true, createdBy })),
  });
}

export interface AlertRuleInput {
  deploymentId?: string | null;
  modelName?: string | null;
  metric?: string | null;
  comparison?: string | null;
  threshold?: number | null;
  window?: string | null;
  forSeconds?: number | null;
  channelIds?: readonly string[] | null;
  enabled?: boolean | null;
  silencedUntil?: Date | null;
}


/** The rules of graphql/validation/alerts.ts; `partial` for updates (only the fields given are checked). */
function validateRule(input: AlertRuleInput, partial: boolean): FieldError[] {
  return alertRuleFieldErrors(partial ? updateAlertRuleSchema : createAlertRuleSchema, input);
}

function refuse(errors: FieldError[]): never {
  throw new ValidationError(`Invalid alert rule: ${errors.map((e) => `${e.path.replace(/^input\./, "")} ${e.message}`).join("; ")}`, errors);
}

async function checkChannels(tx: Prisma.TransactionClient, ids: readonly string[]): Promise<string[]> {
  const unique = [...new Set(ids)];
  const bad = unique.filter((id) => !isUuid(id));
  const found = bad.length ? [] : await tx.notificationChannel.findMany({ where: { id: { in: unique } }, select: { id: true } });
  if (bad.length || found.length !== unique.length) {
    const known = new Set(found.map((c) => c.id));
    const missing = unique.filter((id) => !known.has(id));
    refuse([{ path: "input.channelIds", message: `unknown notification channel ${missing.join(", ")}` }]);
  }
  return unique;
}

export const RULE_INCLUDE = { channels: { select: { channelId: true } } } as const;

export async function createAlertRule(db: Db, args: { input: AlertRuleInput; actor: string }) {
  const { input, actor: actorName } = args;
  const errors = validateRule(input, false);
  if (errors.length) refuse(errors);
  return inTransaction(db, async (tx) => {
    let modelName: string | null = null;
    let deploymentId: string | null = null;
    if (input.deploymentId) {
      const id = String(input.deploymentId);
      const d = isUuid(id) ? await tx.deployment.findUnique({ where: { id }, select: { id: true } }) : null;
      if (!d) throw new NotFoundError("Deployment", id);
      deploymentId = d.id;
    } else {
      modelName = String(input.modelName).trim();
      const any = await tx.deployment.count({ where: { modelName } });
      if (any === 0) refuse([{ path: "input.modelName", message: `no deployment of a model named "${modelName}"` }]);
    }
    const channelIds = await checkChannels(tx, input.channelIds ?? []);
    return tx.alertRule.create({
      data: {
        deploymentId,
        modelName,
        metric: input.metric as AlertMetricName,
        comparison: input.comparison as AlertComparisonName,
        threshold: input.threshold!,
        window: input.window!,
        forSeconds: input.forSeconds ?? 0,
        enabled: input.enabled ?? true,
        silencedUntil: input.silencedUntil ?? null,
        createdBy: actorName,
        channels: { create: channelIds.map((channelId) => ({ channelId })) },
      },
    });
  });
}

export async function updateAlertRule(db: Db, args: { id: string; input: AlertRuleInput }) {
  const { id, input } = args;
  if (input.deploymentId !== undefined || input.modelName !== undefined) {
    refuse([{ path: "input.deploymentId", message: "a rule's target cannot change; create a new rule" }]);
  }
  return inTransaction(db, async (tx) => {
    const rule = isUuid(id) ? await tx.alertRule.findUnique({ where: { id } }) : null;
    if (!rule) throw new NotFoundError("Alert rule", id);
    // Checks the result as a whole, so a new threshold is judged against the (possibly unchanged) metric.
    const errors = validateRule({ ...input, metric: input.metric ?? rule.metric, threshold: input.threshold ?? rule.threshold }, true);
    if (errors.length) refuse(errors);
    const channelIds = input.channelIds ? await checkChannels(tx, input.channelIds) : null;
    const conditionChanged =
      (input.metric != null && input.metric !== rule.metric) ||
      (input.comparison != null && input.comparison !== rule.comparison) ||
      (input.threshold != null && input.threshold !== rule.threshold) ||
      (input.window != null && input.window !== rule.window);
    if (channelIds) {
      await tx.alertRuleChannel.deleteMany({ where: { ruleId: id } });
      if (channelIds.length) await tx.alertRuleChannel.createMany({ data: channelIds.map((channelId) => ({ ruleId: id, channelId })) });
    }
    return tx.alertRule.update({
      where: { id },
      data: {
        ...(input.metric != null ? { metric: input.metric as AlertMetricName } : {}),
        ...(input.comparison != null ? { comparison: input.comparison as AlertComparisonName } : {}),
        ...(input.threshold != null ? { threshold: input.threshold } : {}),
        ...(input.window != null ? { window: input.window } : {}),
        ...(input.forSeconds != null ? { forSeconds: input.forSeconds } : {}),
        ...(input.enabled != null ? { enabled: input.enabled } : {}),
        // `silencedUntil: null` lifts a silence; leaving it out keeps it.
        ...(input.silencedUntil !== undefined ? { silencedUntil: input.silencedUntil } : {}),
        // A changed condition is evaluated at the next tick rather than in up to one interval.
        ...(conditionChanged ? { nextEvalAt: new Date() } : {}),
      },
    });
  });
}

export async function deleteAlertRule(db: Db, id: string) {
  return inTransaction(db, async (tx) => {
    const rule = isUuid(id) ? await tx.alertRule.findUnique({ where: { id } }) : null;
    if (!rule) throw new NotFoundError("Alert rule", id);
    await tx.alertRule.delete({ where: { id } });
    return rule;
  });
}

/** Rules that watch a deployment: its own and its model's. */
export function rulesForDeployment(deployment: { id: string; modelName: string }): Prisma.AlertRuleWhereInput {
  return { OR: [{ deploymentId: deployment.id }, { modelName: deployment.modelName }] };
}

export interface EvaluationResult {
  evaluated: number;
  fired: number;
  resolved: number;
}

/**
 * One evaluation pass: claims up to `limit` due rules (FOR UPDATE SKIP LOCKED:
 * rules another process holds are skipped, not waited for), evaluates each
 * against every deployment it watches, records state changes and history,
 * queues notifications, and schedules the rule's next evaluation — all in the
 * claim's transaction, so a crash changes nothing and a second process never
 * sees a half-done evaluation.
 */
/** Milliseconds until the next enabled rule is due for evaluation (null: no rule is enabled). */
export function nextEvaluationDueInMs(db: Db, now = new Date()) {
  return msUntilEarliest(db, { from: `"AlertRule"`, due: `"nextEvalAt"`, where: `enabled` }, now);
}

export async function evaluateDueRules(
  prisma: PrismaClient,
  options: { publicUrl: string; now?: Date; limit?: number; intervalMs?: number },
): Promise<EvaluationResult> {
  const now = options.now ?? new Date();
  const limit = options.limit ?? 100;
  const intervalMs = options.intervalMs ?? EVALUATION_INTERVAL_MS;
  return prisma.$transaction(
    async (tx) => {
      const claimed = await tx.$queryRaw<Array<{ id: string }>>`
        SELECT id::text AS id FROM "AlertRule"
        WHERE enabled AND "nextEvalAt" <= ${now.toISOString()}::timestamp
        ORDER BY "nextEvalAt", id
        LIMIT ${limit}
        FOR UPDATE SKIP LOCKED`;
      const result: EvaluationResult = { evaluated: 0, fired: 0, resolved: 0 };
      if (claimed.length === 0) return result;
      const rules = await tx.alertRule.findMany({
        where: { id: { in: claimed.map((c) => c.id) } },
        include: { channels: { include: { channel: true } }, targets: true },
      });
      const modelNames = [...new Set(rules.flatMap((r) => (r.modelName ? [r.modelName] : [])))];
      const deploymentIds = [...new Set(rules.flatMap((r) => (r.deploymentId ? [r.deploymentId] : [])))];
      const watched = await tx.deployment.findMany({
        where: { status: "ACTIVE", OR: [{ id: { in: deploymentIds } }, { modelName: { in: modelNames } }] },
        select: { id: true, modelName: true, version: true },
      });
      const stateIds = rules.flatMap((r) => r.targets.map((t) => t.deploymentId));
      const known = new Map(
        (await tx.deployment.findMany({ where: { id: { in: [...new Set([...stateIds, ...watched.map((d) => d.id)])] } }, select: { id: true, modelName: true, version: true } })).map(
          (d) => [d.id, d],
        ),
      );
      // One metrics query per window for every deployment any claimed rule watches.
      const metrics = new Map<string, Map<string, DeploymentMetrics>>();
      for (const window of new Set(rules.map((r) => r.window))) {
        // metrics.ts takes the client type; inside this transaction the same query runs on the transaction.
        metrics.set(window, await loadDeploymentMetrics(tx as unknown as PrismaClient, watched.map((d) => d.id), window as MetricsWindowName, now));
      }
      for (const rule of rules) {
        const targets = watched.filter((d) => (rule.deploymentId ? d.id === rule.deploymentId : d.modelName === rule.modelName));
        const ids = new Set([...targets.map((d) => d.id), ...rule.targets.map((t) => t.deploymentId)]);
        const silenced = rule.silencedUntil !== null && rule.silencedUntil > now;
        for (const deploymentId of ids) {
          const deployment = known.get(deploymentId);
          if (!deployment) continue;
          const active = targets.some((d) => d.id === deploymentId);
          const m = active ? metrics.get(rule.window)?.get(deploymentId) : undefined;
          const value = m ? metricValue(rule.metric, m) : null;
          const breached = active && breaches(rule.comparison, value, rule.threshold);
          const prev = rule.targets.find((t) => t.deploymentId === deploymentId);
          const change = await evaluateTarget(tx, { rule, deployment, prev, value, breached, silenced, now, publicUrl: options.publicUrl });
          if (change === "fired") result.fired++;
          if (change === "resolved") result.resolved++;
        }
        result.evaluated++;
      }
      // Every claimed rule is due again one interval from now: one statement for the pass.
      await tx.alertRule.updateMany({ where: { id: { in: rules.map((r) => r.id) } }, data: { lastEvaluatedAt: now, nextEvalAt: new Date(now.getTime() + intervalMs) } });
      return result;
    },
    { timeout: 30_000, maxWait: 10_000 },
  );
}

type RuleWithChannels = Prisma.AlertRuleGetPayload<{ include: { channels: { include: { channel: true } }; targets: true } }>;

async function evaluateTarget(
  tx: Prisma.TransactionClient,
  args: {
    rule: RuleWithChannels;
    deployment: { id: string; modelName: string; version: string };
    prev: RuleWithChannels["targets"][number] | undefined;
    value: number | null;
    breached: boolean;
    silenced: boolean;
    now: Date;
    publicUrl: string;
  },
): Promise<"fired" | "resolved" | null> {
  const { rule, deployment, prev, value, breached, silenced, now } = args;
  const key = { ruleId_deploymentId: { ruleId: rule.id, deploymentId: deployment.id } };
  const state = prev?.state ?? "OK";
  const save = (data: Omit<Prisma.AlertTargetUncheckedCreateInput, "ruleId" | "deploymentId">) =>
    tx.alertTarget.upsert({ where: key, create: { ruleId: rule.id, deploymentId: deployment.id, ...data }, update: data });

  if (breached) {
    if (state === "FIRING") {
      await save({ state: "FIRING", lastValue: value, evaluatedAt: now });
      return null;
    }
    const pendingSince = state === "PENDING" && prev?.pendingSince ? prev.pendingSince : now;
    if (now.getTime() - pendingSince.getTime() < rule.forSeconds * 1000) {
      await save({ state: "PENDING", pendingSince, lastValue: value, evaluatedAt: now, alertId: null });
      return null;
    }
    const alert = await tx.alert.create({
      data: {
        ruleId: rule.id,
        deploymentId: deployment.id,
        metric: rule.metric,
        comparison: rule.comparison,
        threshold: rule.threshold,
        window: rule.window,
        value: value!,
        startedAt: pendingSince,
        firedAt: now,
        notified: !silenced,
      },
    });
    await save({ state: "FIRING", pendingSince, lastValue: value, evaluatedAt: now, alertId: alert.id });
    if (!silenced) {
      await queueAlertNotifications(tx, { channels: rule.channels.map((c) => c.channel), alertId: alert.id, event: "FIRING", payload: alertPayload({ rule, deployment, alert, publicUrl: args.publicUrl }), now });
    }
    return "fired";
  }

  if (state === "FIRING" && prev?.alertId) {
    const alert = await tx.alert.update({ where: { id: prev.alertId }, data: { status: "RESOLVED", resolvedAt: now, resolvedValue: value } });
    await save({ state: "OK", pendingSince: null, lastValue: value, evaluatedAt: now, alertId: null });
    if (alert.notified) {
      await queueAlertNotifications(tx, { channels: rule.channels.map((c) => c.channel), alertId: alert.id, event: "RESOLVED", payload: alertPayload({ rule, deployment, alert, publicUrl: args.publicUrl }), now });
    }
    return "resolved";
  }
  await save({ state: "OK", pendingSince: null, lastValue: value, evaluatedAt: now, alertId: null });
  return null;
}

/** The rule's overall state: the worst over the deployments it watches. */
export function ruleState(targets: ReadonlyArray<{ state: string }>): "OK" | "PENDING" | "FIRING" {
  if (targets.some((t) => t.state === "FIRING")) return "FIRING";
  if (targets.some((t) => t.state === "PENDING")) return "PENDING";
  return "OK";
}

/** Firing alerts, for the dashboard card: one per rule and deployment that fires now. */
export function countFiringAlerts(db: Db): Promise<number> {
  return db.alert.count({ where: { status: "FIRING", deployment: { status: "ACTIVE" } } });
}
