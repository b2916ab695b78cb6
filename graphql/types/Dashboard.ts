import { builder } from "../builder.ts";
import { getDashboardSummary, type DashboardSummary } from "../services/dashboard.ts";
import { countActiveModels } from "../services/deployments.ts";
import { healthOf } from "../services/health.ts";
import { HealthLevel } from "./Metrics.ts";

const Dashboard = builder.objectRef<DashboardSummary>("Dashboard").implement({
  description: "Fleet-wide figures for the console's home page.",
  fields: (t) => ({
    activeDeployments: t.exposeInt("activeDeployments", { description: "Deployments (model versions) that are ACTIVE." }),
    activeModels: t.int({
      description: "Distinct model names with at least one ACTIVE version (a model can serve two versions at once, e.g. during a split).",
      resolve: (_summary, _args, ctx) => countActiveModels(ctx.prisma),
    }),
    runningJobs: t.exposeInt("runningJobs"),
    queuedJobs: t.exposeInt("queuedJobs"),
    completedJobs: t.exposeInt("completedJobs"),
    failedJobs24h: t.exposeInt("failedJobs24h"),
    requests24h: t.exposeInt("requests24h", { description: "Inference requests recorded in the last 24 hours, all deployments." }),
    errorRate24h: t.exposeFloat("errorRate24h", {
      nullable: true,
      description: "Server or model errors ÷ requests over the last 24 hours; null without traffic.",
    }),
    errorRate24hHealth: t.field({
      type: HealthLevel,
      description: "`errorRate24h` against the error-rate health threshold.",
      resolve: (summary) => healthOf("ERROR_RATE", summary.errorRate24h),
    }),
    alertsFiring: t.exposeInt("alertsFiring", {
      description: "Firing alerts on active deployments: one per alert rule and deployment (see `alerts(state: FIRING)`).",
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
