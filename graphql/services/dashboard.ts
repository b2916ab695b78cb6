import type { PrismaClient } from "../db.ts";
import { windowBounds } from "./metrics.ts";

export const ERROR_RATE_ALERT = 0.01;
export const P95_LATENCY_ALERT_MS = 500;
const DAY_MS = 24 * 60 * 60 * 1000;

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
  // The same windows as Deployment.metrics(LAST_24_HOURS) and (LAST_15_MINUTES), so the numbers agree.
  const day = windowBounds("LAST_24_HOURS", now);
  const alertWindow = windowBounds("LAST_15_MINUTES", now);
  const [activeDeployments, jobCounts, failedJobs24h, traffic, alerts, slow] = await Promise.all([
    prisma.deployment.count({ where: { status: "ACTIVE" } }),
    prisma.trainingJob.groupBy({ by: ["status"], _count: { _all: true } }),
    prisma.trainingJob.count({ where: { status: "FAILED", finishedAt: { gte: since24h } } }),
    prisma.inferenceRollup.aggregate({
      where: { resolution: "HOUR", bucketStart: { gte: day.start, lt: day.end } },
      _sum: { requestCount: true, serverErrorCount: true },
    }),
    prisma.inferenceRollup.groupBy({
      by: ["deploymentId"],
      where: {
        resolution: "MINUTE",
        bucketStart: { gte: alertWindow.start, lt: alertWindow.end },
        deployment: { status: "ACTIVE" },
      },
      _sum: { requestCount: true, serverErrorCount: true },
    }),
    // P95 needs the merged histograms; DeploymentStats holds it, recomputed on every ingested batch.
    prisma.deploymentStats.findMany({
      where: { p95LatencyMs15m: { gt: P95_LATENCY_ALERT_MS }, deployment: { status: "ACTIVE" } },
      select: { deploymentId: true },
    }),
  ]);
  const countOf = (status: string) => jobCounts.find((c) => c.status === status)?._count._all ?? 0;
  const requests24h = traffic._sum.requestCount ?? 0;
  const serverErrors24h = traffic._sum.serverErrorCount ?? 0;
  const firing = new Set(slow.map((s) => s.deploymentId));
  for (const a of alerts) {
    const requests = a._sum.requestCount ?? 0;
    if (requests > 0 && (a._sum.serverErrorCount ?? 0) / requests > ERROR_RATE_ALERT) firing.add(a.deploymentId);
  }
  const alertsFiring = firing.size;
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
