import type { PrismaClient } from "../db.ts";
import { fleetTotals, windowBounds } from "./metrics.ts";
import { countFiringAlerts } from "./alerts.ts";

/** The default alert thresholds now live with the alert rules (graphql/services/alerts.ts). */
export { ERROR_RATE_ALERT, P95_LATENCY_ALERT_MS } from "./alerts.ts";
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
  // The same window as Deployment.metrics(LAST_24_HOURS), so the numbers agree.
  const day = windowBounds("LAST_24_HOURS", now);
  const [activeDeployments, jobCounts, failedJobs24h, traffic, alertsFiring] = await Promise.all([
    prisma.deployment.count({ where: { status: "ACTIVE" } }),
    prisma.trainingJob.groupBy({ by: ["status"], _count: { _all: true } }),
    prisma.trainingJob.count({ where: { status: "FAILED", finishedAt: { gte: since24h } } }),
    // The fleet rollup (kept at ingest, 16 rows per hour): the cost does not grow with the fleet.
    fleetTotals(prisma, day.start, day.end),
    // Issue 14: firing alerts of the alert rules (one per rule and deployment), kept by the evaluator.
    countFiringAlerts(prisma),
  ]);
  const countOf = (status: string) => jobCounts.find((c) => c.status === status)?._count._all ?? 0;
  const requests24h = traffic.requests;
  const serverErrors24h = traffic.serverErrors;
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
