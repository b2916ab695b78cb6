import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import { loaderFor } from "../loaders.ts";
import { getDashboardSummary, type DashboardSummary } from "../services/dashboard.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A human name for an audit target ("support-assistant v1.1.0"), batched per request. */
function targetLabel(ctx: Context, type: string | null, id: string | null): Promise<string | undefined> | null {
  if (!type || !id || !UUID.test(id)) return null;
  switch (type) {
    case "Deployment":
      return loaderFor(ctx, "deploymentLabel", async (ids) => {
        const rows = await ctx.prisma.deployment.findMany({ where: { id: { in: ids } }, select: { id: true, modelName: true, version: true } });
        return new Map(rows.map((r) => [r.id, `${r.modelName} ${r.version}`]));
      }).load(id);
    case "TrainingJob":
      return loaderFor(ctx, "jobLabel", async (ids) => {
        const rows = await ctx.prisma.trainingJob.findMany({ where: { id: { in: ids } }, select: { id: true, modelName: true } });
        return new Map(rows.map((r) => [r.id, r.modelName]));
      }).load(id);
    case "ApiToken":
      return loaderFor(ctx, "tokenLabel", async (ids) => {
        const rows = await ctx.prisma.apiToken.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
        return new Map(rows.map((r) => [r.id, r.name]));
      }).load(id);
    default:
      return null;
  }
}

const ActorKind = builder.enumType("ActorKind", { values: ["CONSOLE", "TOKEN", "SYSTEM"] as const });
const AuditOutcome = builder.enumType("AuditOutcome", { values: ["SUCCESS", "REFUSED", "ERROR"] as const });

builder.prismaObject("AuditEvent", {
  description: "One recorded mutation: who did what to which target, and how it ended.",
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    actor: t.exposeString("actor"),
    actorKind: t.expose("actorKind", { type: ActorKind }),
    action: t.exposeString("action"),
    targetType: t.exposeString("targetType", { nullable: true }),
    targetId: t.exposeString("targetId", { nullable: true }),
    targetLabel: t.string({
      nullable: true,
      description: "A readable name for the target, e.g. \"support-assistant v1.1.0\".",
      resolve: async (e, _args, ctx) => (await targetLabel(ctx, e.targetType, e.targetId)) ?? null,
    }),
    outcome: t.expose("outcome", { type: AuditOutcome }),
    errorCode: t.exposeString("errorCode", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

const Dashboard = builder.objectRef<DashboardSummary>("Dashboard").implement({
  description: "Fleet-wide figures for the console's home page.",
  fields: (t) => ({
    activeDeployments: t.exposeInt("activeDeployments", { description: "Deployments that are ACTIVE (\"Deployed Models\")." }),
    runningJobs: t.exposeInt("runningJobs"),
    queuedJobs: t.exposeInt("queuedJobs"),
    completedJobs: t.exposeInt("completedJobs"),
    failedJobs24h: t.exposeInt("failedJobs24h"),
    requests24h: t.exposeInt("requests24h", { description: "Inference requests recorded in the last 24 hours, all deployments." }),
    errorRate24h: t.exposeFloat("errorRate24h", {
      nullable: true,
      description: "Server or model errors ÷ requests over the last 24 hours; null without traffic.",
    }),
    alertsFiring: t.exposeInt("alertsFiring", {
      description: "Active deployments whose error rate over the last 15 minutes exceeds 1 % or whose P95 latency exceeds 500 ms.",
    }),
    computedAt: t.expose("computedAt", { type: "DateTime" }),
    recentActivity: t.prismaField({
      type: ["AuditEvent"],
      args: { first: t.arg.int({ required: false }) },
      resolve: (query, _summary, args, ctx) =>
        ctx.prisma.auditEvent.findMany({
          ...query,
          orderBy: [{ createdAt: "desc" }, { id: "desc" }],
          take: Math.min(Math.max(args.first ?? 10, 1), 50),
        }),
    }),
  }),
});

builder.queryFields((t) => ({
  dashboard: t.field({
    type: Dashboard,
    resolve: (_root, _args, ctx) => getDashboardSummary(ctx.prisma),
  }),
}));
