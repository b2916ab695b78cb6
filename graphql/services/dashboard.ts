import type { PrismaClient } from "../db.ts";
import { windowBounds } from "./metrics.ts";

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

/**
 * The dashboard's figures in one statement against stored rows; nothing is generated here. Its cost does
 * not grow with the fleet: traffic comes from the fleet rollup (kept at ingest, 16 rows per hour;
 * docs/decisions/0024-fleet-rollups.md), the status counts from the rows the database keeps per status
 * (docs/decisions/0039-status-counts.md), failed jobs and firing alerts from index ranges of those rows only.
 */
export async function getDashboardSummary(prisma: PrismaClient, now = new Date()): Promise<DashboardSummary> {
  const since24h = new Date(now.getTime() - DAY_MS).toISOString();
  // The same window as Deployment.metrics(LAST_24_HOURS), so the numbers agree.
  const day = windowBounds("LAST_24_HOURS", now);
  const [row] = await prisma.$queryRaw<
    Array<{ active: number; running: number; queued: number; completed: number; failed: number; requests: number | null; errors: number | null; alerts: number }>
  >`
    SELECT c.active, c.running, c.queued, c.completed,
           (SELECT count(*) FROM "TrainingJob" WHERE "status" = 'FAILED' AND "finishedAt" >= ${since24h}::timestamp)::int AS failed,
           f.requests, f.errors,
           -- Issue 14: firing alerts of the alert rules (one per rule and deployment) on ACTIVE deployments, as countFiringAlerts.
           (SELECT count(*) FROM "Alert" a JOIN "Deployment" d ON d."id" = a."deploymentId"
             WHERE a."status" = 'FIRING' AND d."status" = 'ACTIVE')::int AS alerts
    FROM (SELECT coalesce(sum("delta") FILTER (WHERE "subject" = 'Deployment' AND "status" = 'ACTIVE'), 0)::int AS active,
                 coalesce(sum("delta") FILTER (WHERE "subject" = 'TrainingJob' AND "status" = 'RUNNING'), 0)::int AS running,
                 coalesce(sum("delta") FILTER (WHERE "subject" = 'TrainingJob' AND "status" = 'QUEUED'), 0)::int AS queued,
                 coalesce(sum("delta") FILTER (WHERE "subject" = 'TrainingJob' AND "status" = 'COMPLETE'), 0)::int AS completed
          FROM "StatusCount") c,
         (SELECT sum("requestCount")::float8 AS requests, sum("serverErrorCount")::float8 AS errors
          FROM "FleetRollup" WHERE "bucketStart" >= ${day.start.toISOString()}::timestamp AND "bucketStart" < ${day.end.toISOString()}::timestamp) f`;
  const requests24h = row?.requests ?? 0;
  const serverErrors24h = row?.errors ?? 0;
  return {
    activeDeployments: row?.active ?? 0,
    runningJobs: row?.running ?? 0,
    queuedJobs: row?.queued ?? 0,
    completedJobs: row?.completed ?? 0,
    failedJobs24h: row?.failed ?? 0,
    requests24h,
    serverErrors24h,
    errorRate24h: requests24h > 0 ? serverErrors24h / requests24h : null,
    alertsFiring: row?.alerts ?? 0,
    computedAt: now,
  };
}

