import { Prisma } from "../../generated/prisma/client.ts";
import type { PrismaClient } from "../../db.ts";
import { computeMetrics, fetchRollups } from "./queries.ts";
import { HOUR_MS, LONGEST_WINDOW, METRICS_WINDOWS, MINUTE_MS, STATS_COLUMNS, statsColumn, STATS_METRICS, windowBounds } from "./windows.ts";

/**
 * The sortable per-window figures (DeploymentStats): recomputed from the rollups
 * after ingestion (batched, ADR 0025) and as windows slide. Their columns come
 * from the window table (./windows.ts); no column is listed by hand here.
 */

/** A quoted identifier for a column name taken from the window table (never from input). */
function ident(column: string): Prisma.Sql {
  if (!/^[A-Za-z0-9]+$/.test(column)) throw new Error(`not a stats column: ${column}`);
  return Prisma.raw(`"${column}"`);
}
const COLUMNS = Prisma.join(STATS_COLUMNS.map(ident));
const X_COLUMNS = Prisma.join(STATS_COLUMNS.map((c) => Prisma.sql`x.${ident(c)}`));
const RECORD_TYPE = Prisma.join(STATS_COLUMNS.map((c) => Prisma.sql`${ident(c)} DOUBLE PRECISION`));
const UPDATE_SET = Prisma.join(STATS_COLUMNS.map((c) => Prisma.sql`${ident(c)} = EXCLUDED.${ident(c)}`));

/**
 * Recomputes the sortable per-window figures of some deployments from their
 * rollups: one read per resolution and one upsert for any number of
 * deployments. A slower refresh never overwrites a newer one.
 */
export async function refreshDeploymentStats(prisma: PrismaClient, deploymentIds: readonly string[], now = new Date()) {
  if (deploymentIds.length === 0) return;
  const minute = windowBounds(LONGEST_WINDOW.MINUTE, now);
  const hour = windowBounds(LONGEST_WINDOW.HOUR, now);
  const [minuteRows, hourRows] = await Promise.all([
    fetchRollups(prisma, deploymentIds, "MINUTE", minute.start, minute.end),
    fetchRollups(prisma, deploymentIds, "HOUR", hour.start, hour.end),
  ]);
  const records = deploymentIds.map((id) => {
    const record: Record<string, unknown> = { deploymentId: id };
    for (const window of METRICS_WINDOWS) {
      const bounds = windowBounds(window, now);
      const source = (bounds.resolution === "MINUTE" ? minuteRows : hourRows).get(id) ?? [];
      const m = computeMetrics(id, bounds, source.filter((r) => r.bucketStart >= bounds.start && r.bucketStart < bounds.end));
      for (const metric of STATS_METRICS) record[statsColumn(metric, window)] = m[metric];
    }
    return record;
  });
  await prisma.$executeRaw`
    INSERT INTO "DeploymentStats" AS s ("deploymentId", "computedAt", ${COLUMNS})
    SELECT x."deploymentId", ${now.toISOString()}::timestamp, ${X_COLUMNS}
    FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS x("deploymentId" UUID, ${RECORD_TYPE})
    WHERE EXISTS (SELECT 1 FROM "Deployment" d WHERE d."id" = x."deploymentId")
    ORDER BY x."deploymentId"
    ON CONFLICT ("deploymentId") DO UPDATE SET "computedAt" = EXCLUDED."computedAt", ${UPDATE_SET}
    WHERE s."computedAt" <= EXCLUDED."computedAt"`;
}

/**
 * At most this many rows per pass (the worker passes every 5 s), oldest first: a
 * refresh re-reads up to 7 days of rollups, so a fleet whose every deployment had
 * traffic in its last hour is caught up gradually rather than all at each minute.
 */
export const STALE_STATS_PER_PASS = 50;

/**
 * Deployments whose figures have changed since they were computed without new
 * traffic (windows slide), or that have rollups but no figures yet. Only what
 * can have changed is recomputed: the minute windows' figures move with the
 * minute, and only for a deployment with traffic in the longest of them; the
 * hour windows' figures are whole hours and move with the hour, only for a
 * deployment with traffic in the longest hour window. An idle fleet therefore costs
 * nothing between hour boundaries (docs/decisions/0025-stats-freshness.md).
 */
export async function refreshStaleStats(prisma: PrismaClient, now = new Date(), options: { limit?: number } = {}) {
  const limit = options.limit ?? STALE_STATS_PER_PASS;
  const minute = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS).toISOString();
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS).toISOString();
  const rows = await prisma.$queryRaw<Array<{ id: string }>>`
    (SELECT s."deploymentId"::text AS id FROM "DeploymentStats" s
      WHERE (s."computedAt" < ${minute}::timestamp AND s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.MINUTE))} > 0)
         OR (s."computedAt" < ${hour}::timestamp AND s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.HOUR))} > 0)
      ORDER BY s."computedAt" LIMIT ${limit})
    UNION
    (SELECT d."id"::text AS id FROM "Deployment" d
      WHERE NOT EXISTS (SELECT 1 FROM "DeploymentStats" s WHERE s."deploymentId" = d."id")
        AND EXISTS (SELECT 1 FROM "InferenceRollup" r WHERE r."deploymentId" = d."id")
      LIMIT ${limit})`;
  const ids = rows.map((r) => r.id);
  for (let i = 0; i < ids.length; i += 200) await refreshDeploymentStats(prisma, ids.slice(i, i + 200), now);
  return ids.length;
}

interface PendingRefresh {
  ids: Set<string>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}
const pendingRefreshes = new WeakMap<PrismaClient, PendingRefresh>();
/** How long ingestion lets touched deployments gather before their figures are recomputed together. */
export const STATS_REFRESH_DELAY_MS = 250;

/**
 * Recomputes the figures of deployments that just received traffic, shortly
 * after and together: a busy gateway's many batches cost one refresh per
 * deployment per round instead of a 7-day re-read per batch. The batch is
 * already committed; the sort order follows within about a second.
 */
export function scheduleStatsRefresh(prisma: PrismaClient, deploymentIds: Iterable<string>): void {
  let pending = pendingRefreshes.get(prisma);
  if (!pending) pendingRefreshes.set(prisma, (pending = { ids: new Set() }));
  for (const id of deploymentIds) pending.ids.add(id);
  if (pending.timer || pending.ids.size === 0) return;
  const p = pending;
  p.timer = setTimeout(() => {
    p.running = (async () => {
      // Let a refresh still running finish first, so one deployment is never refreshed twice at once.
      while (p.ids.size > 0) {
        const ids = [...p.ids];
        p.ids.clear();
        const now = new Date();
        for (let i = 0; i < ids.length; i += 200) {
          await refreshDeploymentStats(prisma, ids.slice(i, i + 200), now).catch((err) =>
            console.warn(`[metrics] could not refresh stats of ${ids.length} deployments: ${(err as Error).message}`),
          );
        }
      }
    })().finally(() => {
      p.timer = undefined;
      p.running = undefined;
      if (p.ids.size > 0) scheduleStatsRefresh(prisma, []);
    });
  }, STATS_REFRESH_DELAY_MS);
  p.timer.unref?.();
}

/** Waits until every scheduled stats refresh of this client is done (shutdown, tests). */
export async function flushStatsRefresh(prisma: PrismaClient): Promise<void> {
  const p = pendingRefreshes.get(prisma);
  while (p && (p.timer || p.running || p.ids.size > 0)) {
    if (p.running) await p.running;
    else await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

