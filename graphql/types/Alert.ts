import { isUuid, NO_ROW_ID } from "../ids.ts";
import { builder } from "../builder.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { runMutation } from "../audit.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { pageArgs, pageWindow, pageOf, type PageQuery } from "./common.ts";
import { MetricsWindow } from "./Metrics.ts";
import "./Deployment.ts";
import type { MetricsWindowName } from "../services/metrics.ts";
import {
  ALERT_COMPARISONS,
  ALERT_METRICS,
  createAlertRule,
  deleteAlertRule,
  ruleState,
  rulesForDeployment,
  updateAlertRule,
  type AlertRuleInput,
} from "../services/alerts.ts";


export const AlertMetric = builder.enumType("AlertMetric", {
  description: "What a rule watches: latency percentiles in ms, error rate as a fraction (0.01 = 1 %), request rate in req/s.",
  values: ALERT_METRICS,
});
export const AlertComparison = builder.enumType("AlertComparison", { values: ALERT_COMPARISONS });
export const AlertRuleStateEnum = builder.enumType("AlertRuleState", {
  description: "OK; PENDING: breached, waiting out `forSeconds`; FIRING.",
  values: ["OK", "PENDING", "FIRING"] as const,
});
export const AlertStatus = builder.enumType("AlertStatus", { values: ["FIRING", "RESOLVED"] as const });

builder.prismaObject("AlertTarget", {
  description: "A rule's state for one deployment it watches.",
  fields: (t) => ({
    deployment: t.relation("deployment"),
    state: t.expose("state", { type: AlertRuleStateEnum }),
    pendingSince: t.expose("pendingSince", { type: "DateTime", nullable: true }),
    lastValue: t.exposeFloat("lastValue", { nullable: true }),
    evaluatedAt: t.expose("evaluatedAt", { type: "DateTime" }),
  }),
});

export const AlertRuleRef = builder.prismaObject("AlertRule", {
  description: "A condition on a deployment's (or every version of a model's) metrics, evaluated at least every 30 s.",
  fields: (t) => ({
    id: t.exposeID("id"),
    deployment: t.relation("deployment", { nullable: true, description: "Set for a rule on one deployment." }),
    modelName: t.exposeString("modelName", { nullable: true, description: "Set for a rule on every version of a model." }),
    metric: t.expose("metric", { type: AlertMetric }),
    comparison: t.expose("comparison", { type: AlertComparison }),
    threshold: t.exposeFloat("threshold"),
    window: t.field({ type: MetricsWindow, select: { window: true }, resolve: (r) => r.window as MetricsWindowName }),
    forSeconds: t.exposeInt("forSeconds", { description: "How long the condition must hold before the rule fires." }),
    enabled: t.exposeBoolean("enabled"),
    silencedUntil: t.expose("silencedUntil", { type: "DateTime", nullable: true, description: "No notifications until then." }),
    silenced: t.boolean({ select: { silencedUntil: true }, resolve: (r) => r.silencedUntil !== null && r.silencedUntil > new Date() }),
    isDefault: t.exposeBoolean("isDefault", { description: "Created from the built-in defaults with its deployment." }),
    createdBy: t.exposeString("createdBy"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    lastEvaluatedAt: t.expose("lastEvaluatedAt", { type: "DateTime", nullable: true }),
    state: t.field({
      type: AlertRuleStateEnum,
      description: "The worst state over the deployments it watches.",
      select: { targets: { select: { state: true } } },
      resolve: (r) => ruleState(r.targets),
    }),
    targets: t.relation("targets"),
    channels: t.prismaField({
      type: ["NotificationChannel"],
      select: { channels: { select: { channelId: true } } },
      resolve: (query, rule, _args, ctx) =>
        ctx.prisma.notificationChannel.findMany({ ...query, where: { id: { in: rule.channels.map((c) => c.channelId) } }, orderBy: { name: "asc" } }),
    }),
  }),
});

export const AlertRef = builder.prismaObject("Alert", {
  description: "One firing of a rule on a deployment: when it began, the value that fired it, when it resolved.",
  fields: (t) => ({
    id: t.exposeID("id"),
    rule: t.relation("rule"),
    deployment: t.relation("deployment"),
    metric: t.expose("metric", { type: AlertMetric }),
    comparison: t.expose("comparison", { type: AlertComparison }),
    threshold: t.exposeFloat("threshold"),
    window: t.field({ type: MetricsWindow, select: { window: true }, resolve: (r) => r.window as MetricsWindowName }),
    state: t.expose("status", { type: AlertStatus }),
    value: t.exposeFloat("value", { description: "The value that fired it." }),
    startedAt: t.expose("startedAt", { type: "DateTime", description: "When the condition began to hold (start of PENDING)." }),
    firedAt: t.expose("firedAt", { type: "DateTime" }),
    resolvedAt: t.expose("resolvedAt", { type: "DateTime", nullable: true }),
    resolvedValue: t.exposeFloat("resolvedValue", { nullable: true }),
    notified: t.exposeBoolean("notified", { description: "False when the rule was silenced as it fired." }),
  }),
});

const AlertRulePage = pageOf<PageQuery<Prisma.AlertRuleWhereInput>>({
  name: "AlertRulePage",
  model: "AlertRule",
  delegate: (prisma) => prisma.alertRule,
  defaultOrder: [{ createdAt: "asc" }, { id: "asc" }],
});

/** Firing first, then history, newest first. */
export const AlertPage = pageOf<PageQuery<Prisma.AlertWhereInput>>({
  name: "AlertPage",
  model: "Alert",
  delegate: (prisma) => prisma.alert,
  defaultOrder: [{ status: "asc" }, { firedAt: "desc" }, { id: "asc" }],
});

const NOTHING = { id: NO_ROW_ID };

builder.queryFields((t) => ({
  alertRules: t.field({
    type: AlertRulePage,
    description: "Alert rules, oldest first; with deploymentId, the rules watching it (its own and its model's).",
    args: {
      deploymentId: t.arg.id({ required: false }),
      modelName: t.arg.string({ required: false, description: "Rules on this model name and on any of its deployments." }),
      ...pageArgs,
    },
    resolve: async (_root, args, ctx) => {
      const and: Prisma.AlertRuleWhereInput[] = [];
      if (args.deploymentId != null) {
        const id = String(args.deploymentId);
        const d = isUuid(id) ? await ctx.prisma.deployment.findUnique({ where: { id }, select: { id: true, modelName: true } }) : null;
        and.push(d ? rulesForDeployment(d) : NOTHING);
      }
      if (args.modelName) and.push({ OR: [{ modelName: args.modelName }, { deployment: { modelName: args.modelName } }] });
      return { where: { AND: and }, ...pageWindow(args) };
    },
  }),
  alerts: t.field({
    type: AlertPage,
    description: "Alert history: firing alerts first, then resolved ones, newest first.",
    args: {
      state: t.arg({ type: AlertStatus, required: false }),
      deploymentId: t.arg.id({ required: false }),
      modelName: t.arg.string({ required: false, description: "Alerts of any version of this model." }),
      ...pageArgs,
    },
    resolve: (_root, args) => {
      const where: Prisma.AlertWhereInput = {};
      if (args.state) where.status = args.state;
      if (args.deploymentId != null) {
        const id = String(args.deploymentId);
        where.deploymentId = isUuid(id) ? id : NOTHING.id;
      }
      if (args.modelName) where.deployment = { modelName: args.modelName };
      return { where, ...pageWindow(args) };
    },
  }),
}));

builder.prismaObjectFields("Deployment", (t) => ({
  alerts: t.field({
    type: AlertPage,
    description: "This deployment's alerts, firing first, then history.",
    args: { state: t.arg({ type: AlertStatus, required: false }), ...pageArgs },
    select: { id: true },
    resolve: (deployment, args) => ({
      where: { deploymentId: deployment.id, ...(args.state ? { status: args.state } : {}) },
      ...pageWindow(args),
    }),
  }),
  alertRules: t.prismaField({
    type: ["AlertRule"],
    description: "The rules watching this deployment: its own and its model's.",
    select: { id: true, modelName: true },
    resolve: (query, deployment, _args, ctx) =>
      ctx.prisma.alertRule.findMany({ ...query, where: rulesForDeployment(deployment), orderBy: [{ createdAt: "asc" }, { id: "asc" }] }),
  }),
}));

const CreateAlertRuleInput = builder.inputType("CreateAlertRuleInput", {
  fields: (t) => ({
    deploymentId: t.id({ required: false, description: "The deployment to watch; or give modelName." }),
    modelName: t.string({ required: false, description: "Watch every ACTIVE version of this model; or give deploymentId." }),
    metric: t.field({ type: AlertMetric, required: true }),
    comparison: t.field({ type: AlertComparison, required: true }),
    threshold: t.float({ required: true, description: "ms for latencies, a fraction for ERROR_RATE (0.01 = 1 %), req/s for REQUEST_RATE." }),
    window: t.field({ type: MetricsWindow, required: true }),
    forSeconds: t.int({ required: false, description: "How long the condition must hold before firing (default 0)." }),
    channelIds: t.idList({ required: false }),
    enabled: t.boolean({ required: false }),
    silencedUntil: t.field({ type: "DateTime", required: false }),
  }),
});

const UpdateAlertRuleInput = builder.inputType("UpdateAlertRuleInput", {
  fields: (t) => ({
    metric: t.field({ type: AlertMetric, required: false }),
    comparison: t.field({ type: AlertComparison, required: false }),
    threshold: t.float({ required: false }),
    window: t.field({ type: MetricsWindow, required: false }),
    forSeconds: t.int({ required: false }),
    channelIds: t.idList({ required: false, description: "Replaces the rule's channels." }),
    enabled: t.boolean({ required: false }),
    silencedUntil: t.field({ type: "DateTime", required: false, description: "Silence notifications until then; null lifts the silence." }),
  }),
});

const ruleDetail = (input: Record<string, unknown>) =>
  JSON.parse(JSON.stringify({ ...input, silencedUntil: input.silencedUntil instanceof Date ? input.silencedUntil.toISOString() : input.silencedUntil })) as Prisma.InputJsonValue;

builder.mutationField("createAlertRule", (t) =>
  t.field({
    type: AlertRuleRef,
    description: "Creates an alert rule on a deployment or a model name (scope: deploy).",
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: "rule" } },
    args: { input: t.arg({ type: CreateAlertRuleInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      runMutation(
        ctx,
        { action: "createAlertRule", scope: "deploy", targetType: "AlertRule", detail: ruleDetail(input) },
        () =>
          createAlertRule(ctx.prisma, {
            input: { ...input, deploymentId: input.deploymentId == null ? null : String(input.deploymentId), channelIds: input.channelIds?.map(String) } as AlertRuleInput,
            actor: ctx.actor.name,
          }),
        (rule) => ({ targetId: rule.id }),
      ),
  }),
);

builder.mutationField("updateAlertRule", (t) =>
  t.field({
    type: AlertRuleRef,
    description: "Changes a rule's condition, channels, enabled flag or silence (scope: deploy). Fields left out keep their value.",
    errors: { types: [ValidationError, NotFoundError, ForbiddenError], dataField: { name: "rule" } },
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateAlertRuleInput, required: true }) },
    resolve: (_root, { id, input }, ctx) =>
      runMutation(ctx, { action: "updateAlertRule", scope: "deploy", targetType: "AlertRule", targetId: String(id), detail: ruleDetail(input) }, () =>
        updateAlertRule(ctx.prisma, { id: String(id), input: { ...input, channelIds: input.channelIds?.map(String) } as AlertRuleInput }),
      ),
  }),
);

builder.mutationField("deleteAlertRule", (t) =>
  t.field({
    type: "ID",
    description: "Deletes a rule and its alert history (scope: deploy). Answers the deleted rule's id.",
    errors: { types: [NotFoundError, ForbiddenError], dataField: { name: "deletedId" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      runMutation(ctx, { action: "deleteAlertRule", scope: "deploy", targetType: "AlertRule", targetId: String(id) }, async () => {
        const rule = await deleteAlertRule(ctx.prisma, String(id));
        return rule.id;
      }),
  }),
);
