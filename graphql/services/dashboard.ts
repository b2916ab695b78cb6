import type { PrismaClient } from "../db.ts";

export const ERROR_RATE_ALERT = 0.01;
const DAY_MS = 24 * 60 * 60 * 1000;
const ALERT_WINDOW_MS = 15 * 60 * 1000;

export interface DashboardSummary {
  activeDeployments: number;
  runningJobs: number;
  queuedJobs: number;
  completedJobs: number;
  failedJobs24h: number;
  requests24h: number;
  serverErrors24h: number;
  errorRate24h: number | null;
  alertsFiring: number;
  computedAt: Date;
}

/** The dashboard's figures, each one query against stored rows; nothing is generated here. */
export async function getDashboardSummary(prisma: PrismaClient, now = new Date()): Promise<DashboardSummary> {
  const since24h = new Date(now.getTime() - DAY_MS);
  const [activeDeployments, jobCounts, failedJobs24h, traffic, alerts] = await Promise.all([
    prisma.deployment.count({ where: { status: "ACTIVE" } }),
    prisma.trainingJob.groupBy({ by: ["status"], _count: { _all: true } }),
    prisma.trainingJob.count({ where: { status: "FAILED", finishedAt: { gte: since24h } } }),
    prisma.inferenceRollup.aggregate({
      where: { resolution: "MINUTE", bucketStart: { gte: since24h, lte: now } },
      _sum: { requestCount: true, serverErrorCount: true },
    }),
    prisma.inferenceRollup.groupBy({
      by: ["deploymentId"],
      where: {
        resolution: "MINUTE",
        bucketStart: { gte: new Date(now.getTime() - ALERT_WINDOW_MS), lte: now },
        deployment: { status: "ACTIVE" },
      },
      _sum: { requestCount: true, serverErrorCount: true },
    }),
  ]);
  const countOf = (status: string) => jobCounts.find((c) => c.status === status)?._count._all ?? 0;
  const requests24h = traffic._sum.requestCount ?? 0;
  const serverErrors24h = traffic._sum.serverErrorCount ?? 0;
  const alertsFiring = alerts.filter((a) => {
    const requests = a._sum.requestCount ?? 0;
    return requests > 0 && (a._sum.serverErrorCount ?? 0) / requests > ERROR_RATE_ALERT;
  }).length;
  return {
    activeDeployments,
    runningJobs: countOf("RUNNING"),
    queuedJobs: countOf("QUEUED"),
    completedJobs: countOf("COMPLETE"),
    failedJobs24h,
    requests24h,
    serverErrors24h,
    errorRate24h: requests24h > 0 ? serverErrors24h / requests24h : null,
    alertsFiring,
    computedAt: now,
  };
}
