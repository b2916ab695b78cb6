import { builder } from "../builder.ts";
import { getDashboardSummary, type DashboardSummary } from "../services/dashboard.ts";

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
