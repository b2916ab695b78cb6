import { Prisma } from "../../generated/prisma/client.ts";
import type { PrismaClient } from "../../db.ts";
import { computeMetrics, fetchRollups, type RollupRow } from "./queries.ts";
import { HOUR_MS, LONGEST_WINDOW, METRICS_WINDOWS, MINUTE_MS, STATS_COLUMNS, statsColumn, STATS_METRICS, windowBounds, WINDOW_SPECS, type MetricsWindowName, type Resolution } from "./windows.ts";

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

const MINUTE_WINDOWS = METRICS_WINDOWS.filter((w) => WINDOW_SPECS[w].resolution === "MINUTE");
const MINUTE_COLUMNS = MINUTE_WINDOWS.flatMap((w) => STATS_METRICS.map((m) => statsColumn(m, w)));
const MINUTE_COLUMN_LIST = Prisma.join(MINUTE_COLUMNS.map(ident));
const MINUTE_X_COLUMNS = Prisma.join(MINUTE_COLUMNS.map((c) => Prisma.sql`x.${ident(c)}`));
const MINUTE_RECORD_TYPE = Prisma.join(MINUTE_COLUMNS.map((c) => Prisma.sql`${ident(c)} DOUBLE PRECISION`));
const MINUTE_UPDATE_SET = Prisma.join(MINUTE_COLUMNS.map((c) => Prisma.sql`${ident(c)} = EXCLUDED.${ident(c)}`));

function statsRecords(deploymentIds: readonly string[], windows: readonly MetricsWindowName[], rows: Record<Resolution, Map<string, RollupRow[]>>, now: Date) {
  return deploymentIds.map((id) => {
    const record: Record<string, unknown> = { deploymentId: id };
    for (const window of windows) {
      const bounds = windowBounds(window, now);
      const source = rows[bounds.resolution].get(id) ?? [];
      const m = computeMetrics(id, bounds, source.filter((r) => r.bucketStart >= bounds.start && r.bucketStart < bounds.end));
      for (const metric of STATS_METRICS) record[statsColumn(metric, window)] = m[metric];
    }
    return record;
  });
}

/**
 * Recomputes the sortable per-window figures of some deployments from their
 * rollups: one read per resolution and one upsert for any number of
 * deployments. A slower refresh never overwrites a newer one.
 *
 * `minuteWindowsOnly`: only the minute windows' figures (15 minutes, 1 hour),
 * from minute rollups, for rows that exist. That is what a minute slide
 * without traffic changes when the hour has not turned since the row was
 * computed: the hour windows are whole hours, and new traffic refreshes
 * everything. It reads ~60 short rows per deployment instead of ~230, most of
 * them a week of hour histograms (docs/decisions/0025-stats-freshness.md).
 */
export async function refreshDeploymentStats(prisma: PrismaClient, deploymentIds: readonly string[], now = new Date(), options: { minuteWindowsOnly?: boolean } = {}) {
  if (deploymentIds.length === 0) return;
  const minute = windowBounds(LONGEST_WINDOW.MINUTE, now);
  if (options.minuteWindowsOnly) {
    const minuteRows = await fetchRollups(prisma, deploymentIds, "MINUTE", minute.start, minute.end);
    const records = statsRecords(deploymentIds, MINUTE_WINDOWS, { MINUTE: minuteRows, HOUR: new Map() }, now);
    // An upsert that only ever updates (rows that exist), in key order like the full one, so the two never deadlock.
    await prisma.$executeRaw`
      INSERT INTO "DeploymentStats" AS s ("deploymentId", "computedAt", ${MINUTE_COLUMN_LIST})
      SELECT x."deploymentId", ${now.toISOString()}::timestamp, ${MINUTE_X_COLUMNS}
      FROM jsonb_to_recordset(${JSON.stringify(records)}::jsonb) AS x("deploymentId" UUID, ${MINUTE_RECORD_TYPE})
      WHERE EXISTS (SELECT 1 FROM "DeploymentStats" e WHERE e."deploymentId" = x."deploymentId")
      ORDER BY x."deploymentId"
      ON CONFLICT ("deploymentId") DO UPDATE SET "computedAt" = EXCLUDED."computedAt", ${MINUTE_UPDATE_SET}
      WHERE s."computedAt" <= EXCLUDED."computedAt"`;
    return;
  }
  const hour = windowBounds(LONGEST_WINDOW.HOUR, now);
  const [minuteRows, hourRows] = await Promise.all([
    fetchRollups(prisma, deploymentIds, "MINUTE", minute.start, minute.end),
    fetchRollups(prisma, deploymentIds, "HOUR", hour.start, hour.end),
  ]);
  const records = statsRecords(deploymentIds, METRICS_WINDOWS, { MINUTE: minuteRows, HOUR: hourRows }, now);
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
 * At most this many rows per pass (the worker passes every 5 s), oldest first.
 * A full refresh re-reads up to 7 days of rollups, so a fleet whose every
 * deployment had traffic this week is caught up gradually after an hour
 * turns; a minute-windows refresh reads one hour of minute rows, so a minute
 * slide reaches 10,000 deployments within the minute.
 */
export const STALE_STATS_PER_PASS = { full: 100, minuteWindows: 1_000 } as const;

/**
 * Deployments whose figures have changed since they were computed without new
 * traffic (windows slide), or that have rollups but no figures yet. Only what
 * can have changed is recomputed: the minute windows' figures move with the
 * minute, and only for a deployment with traffic in the longest of them; the
 * hour windows' figures are whole hours and move with the hour, only for a
 * deployment with traffic in the longest hour window. A row computed since
 * the hour turned needs its minute windows only. An idle fleet therefore
 * costs nothing between boundaries (docs/decisions/0025-stats-freshness.md).
 */
export async function refreshStaleStats(prisma: PrismaClient, now = new Date(), options: { limit?: number } = {}) {
  const minute = new Date(Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS).toISOString();
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS).toISOString();
  const fullLimit = options.limit ?? STALE_STATS_PER_PASS.full;
  const minuteLimit = options.limit ?? STALE_STATS_PER_PASS.minuteWindows;
  const rows = await prisma.$queryRaw<Array<{ id: string; full: boolean }>>`
    (SELECT s."deploymentId"::text AS id, true AS full FROM "DeploymentStats" s
      WHERE s."computedAt" < ${hour}::timestamp
        AND (s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.MINUTE))} > 0 OR s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.HOUR))} > 0)
      ORDER BY s."computedAt" LIMIT ${fullLimit})
    UNION ALL
    (SELECT s."deploymentId"::text AS id, false AS full FROM "DeploymentStats" s
      WHERE s."computedAt" < ${minute}::timestamp AND s."computedAt" >= ${hour}::timestamp
        AND s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.MINUTE))} > 0
      ORDER BY s."computedAt" LIMIT ${minuteLimit})
    UNION ALL
    (SELECT d."id"::text AS id, true AS full FROM "Deployment" d
      WHERE NOT EXISTS (SELECT 1 FROM "DeploymentStats" s WHERE s."deploymentId" = d."id")
        AND EXISTS (SELECT 1 FROM "InferenceRollup" r WHERE r."deploymentId" = d."id")
      LIMIT ${fullLimit})`;
  const full = rows.filter((r) => r.full).map((r) => r.id);
  const minuteOnly = rows.filter((r) => !r.full).map((r) => r.id);
  for (let i = 0; i < full.length; i += 200) await refreshDeploymentStats(prisma, full.slice(i, i + 200), now);
  for (let i = 0; i < minuteOnly.length; i += 500) await refreshDeploymentStats(prisma, minuteOnly.slice(i, i + 500), now, { minuteWindowsOnly: true });
  return rows.length;
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

