import { Prisma } from "../../generated/prisma/client.ts";
import type { PrismaClient } from "../../db.ts";
import { GAMMA } from "../sketch.ts";
import { HOUR_MS, LONGEST_WINDOW, METRICS_WINDOWS, MINUTE_MS, statsColumn, windowBounds, WINDOW_SPECS, type WindowBounds } from "./windows.ts";

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
const MINUTE_WINDOWS = METRICS_WINDOWS.filter((w) => WINDOW_SPECS[w].resolution === "MINUTE");

/**
 * Recomputes the sortable per-window figures of some deployments from their
 * rollups, in one statement the database computes: the server reads nothing
 * back, whatever the number of deployments. Counts are sums; the P95 merges
 * the window's histograms bucket by bucket and interpolates between the two
 * order statistics around rank 0.95·(n−1) — LatencySketch's `quantile`
 * (graphql/services/sketch.ts) in SQL, with the same bucket values, so the
 * sort key equals the figure the page shows (tests/graphql/metrics-fleet.test.ts).
 * A slower refresh never overwrites a newer one.
 *
 * `minuteWindowsOnly`: only the minute windows' figures (15 minutes, 1 hour),
 * for rows that exist. That is what a minute slide without traffic changes
 * when the hour has not turned since the row was computed: the hour windows
 * are whole hours, and new traffic refreshes everything. It reads ~60 short
 * minute rows per deployment instead of also a week of hour histograms
 * (docs/decisions/0025-stats-freshness.md).
 */
export async function refreshDeploymentStats(prisma: PrismaClient, deploymentIds: readonly string[], now = new Date(), options: { minuteWindowsOnly?: boolean } = {}) {
  if (deploymentIds.length === 0) return;
  await refreshStatsOf(prisma, Prisma.sql`SELECT DISTINCT unnest(${deploymentIds as string[]}::uuid[]) AS id`, now, options);
}

/**
 * The statement behind `refreshDeploymentStats`, for the deployments `ids` selects (a query with one uuid
 * column, `id`): a list of ids passed in, or the stale rows chosen by the database itself, so that a
 * maintenance pass sends one statement whatever the fleet size and reads nothing back. Returns the number
 * of rows written.
 */
async function refreshStatsOf(prisma: PrismaClient, ids: Prisma.Sql, now: Date, options: { minuteWindowsOnly?: boolean }): Promise<number> {
  const windows = options.minuteWindowsOnly ? MINUTE_WINDOWS : METRICS_WINDOWS;
  const bounds = windows.map((w) => windowBounds(w, now));
  const list = <T>(f: (b: WindowBounds) => T) => Prisma.join(bounds.map((b) => Prisma.sql`${f(b)}`));
  const alias = (i: number) => Prisma.raw(`t${i}`);
  const figures = Prisma.join(
    bounds.map((b, i) => Prisma.sql`coalesce(${alias(i)}.n, 0) / ${(b.end.getTime() - b.start.getTime()) / 1000}::float8, ${alias(i)}.p95, ${alias(i)}.s / nullif(${alias(i)}.n, 0)`),
  );
  const columns = windows.flatMap((w) => [statsColumn("requestsPerSecond", w), statsColumn("p95LatencyMs", w), statsColumn("errorRate", w)]).map(ident);
  const joins = Prisma.join(
    windows.map((w, i) => Prisma.sql`LEFT JOIN figures ${alias(i)} ON ${alias(i)}.id = ids.id AND ${alias(i)}.name = ${w}`),
    " ",
  );
  const from = new Date(Math.min(...bounds.map((b) => b.start.getTime()))).toISOString();
  return prisma.$executeRaw`
    WITH ids AS MATERIALIZED (${ids}),
    w AS (
      SELECT * FROM unnest(ARRAY[${list((b) => b.window)}]::text[], ARRAY[${list((b) => b.resolution)}]::"RollupResolution"[],
                           ARRAY[${list((b) => b.start.toISOString())}]::timestamp[], ARRAY[${list((b) => b.end.toISOString())}]::timestamp[])
        AS w(name, resolution, start, "end")
    ),
    r AS (
      SELECT w.name, r."deploymentId" AS id, r."requestCount" AS n, r."serverErrorCount" AS s, r."histogramOffset" AS o, r."histogram" AS h
      FROM "InferenceRollup" r JOIN w ON r."resolution" = w.resolution AND r."bucketStart" >= w.start AND r."bucketStart" < w."end"
      WHERE r."deploymentId" IN (SELECT id FROM ids) AND r."bucketStart" >= ${from}::timestamp
    ),
    totals AS (SELECT name, id, sum(n)::float8 AS n, sum(s)::float8 AS s FROM r GROUP BY name, id),
    buckets AS (
      SELECT name, id, o + u.i - 1 AS b, sum(u.c)::float8 AS c
      FROM r CROSS JOIN LATERAL unnest(r.h) WITH ORDINALITY AS u(c, i) WHERE u.c > 0 GROUP BY name, id, o + u.i - 1
    ),
    running AS (
      SELECT name, id, b, sum(c) OVER (PARTITION BY name, id ORDER BY b) AS below, sum(c) OVER (PARTITION BY name, id) AS total FROM buckets
    ),
    ranks AS (
      SELECT name, id, 0.95::float8 * (total - 1) AS rank,
             min(b) FILTER (WHERE below > floor(0.95::float8 * (total - 1))) AS lo,
             min(b) FILTER (WHERE below > floor(0.95::float8 * (total - 1)) + 1) AS hi
      FROM running GROUP BY name, id, total
    ),
    vals AS (
      SELECT name, id, rank - floor(rank) AS fraction,
             2 * power(${GAMMA}::float8, lo) / (${GAMMA}::float8 + 1) AS lo_v,
             2 * power(${GAMMA}::float8, coalesce(hi, lo)) / (${GAMMA}::float8 + 1) AS hi_v
      FROM ranks
    ),
    figures AS (
      SELECT t.name, t.id, t.n, t.s, CASE WHEN v.fraction = 0 THEN v.lo_v ELSE v.lo_v + v.fraction * (v.hi_v - v.lo_v) END AS p95
      FROM totals t LEFT JOIN vals v ON v.name = t.name AND v.id = t.id
    )
    INSERT INTO "DeploymentStats" AS s ("deploymentId", "computedAt", ${Prisma.join(columns)})
    SELECT ids.id, ${now.toISOString()}::timestamp, ${figures}
    FROM ids ${joins}
    WHERE ${options.minuteWindowsOnly ? Prisma.sql`EXISTS (SELECT 1 FROM "DeploymentStats" e WHERE e."deploymentId" = ids.id)` : Prisma.sql`EXISTS (SELECT 1 FROM "Deployment" d WHERE d."id" = ids.id)`}
    ORDER BY ids.id
    ON CONFLICT ("deploymentId") DO UPDATE SET "computedAt" = EXCLUDED."computedAt", ${Prisma.join(columns.map((c) => Prisma.sql`${c} = EXCLUDED.${c}`))}
    WHERE s."computedAt" <= EXCLUDED."computedAt"`;
}

/**
 * At most this many rows per pass (the worker passes every 5 s), oldest first.
 * A full refresh re-reads up to 7 days of rollups, so a fleet whose every
 * deployment had traffic this week is caught up gradually after an hour
 * turns; a minute-windows refresh reads one hour of minute rows, so a minute
 * slide reaches 10,000 deployments in four passes (~20 s). Each pass is two
 * statements whatever the fleet size: the database picks the rows itself.
 */
export const STALE_STATS_PER_PASS = { full: 100, minuteWindows: 2_500 } as const;

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
  // The database chooses the rows and recomputes them in the same statement: no id comes to the server.
  const full = await refreshStatsOf(
    prisma,
    Prisma.sql`
      (SELECT s."deploymentId" AS id FROM "DeploymentStats" s
        WHERE s."computedAt" < ${hour}::timestamp
          AND (s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.MINUTE))} > 0 OR s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.HOUR))} > 0)
        ORDER BY s."computedAt" LIMIT ${fullLimit})
      UNION
      (SELECT d."id" FROM "Deployment" d
        WHERE NOT EXISTS (SELECT 1 FROM "DeploymentStats" s WHERE s."deploymentId" = d."id")
          AND EXISTS (SELECT 1 FROM "InferenceRollup" r WHERE r."deploymentId" = d."id")
        LIMIT ${fullLimit})`,
    now,
    {},
  );
  const minuteOnly = await refreshStatsOf(
    prisma,
    Prisma.sql`
      SELECT s."deploymentId" AS id FROM "DeploymentStats" s
      WHERE s."computedAt" < ${minute}::timestamp AND s."computedAt" >= ${hour}::timestamp
        AND s.${ident(statsColumn("requestsPerSecond", LONGEST_WINDOW.MINUTE))} > 0
      ORDER BY s."computedAt" LIMIT ${minuteLimit}`,
    now,
    { minuteWindowsOnly: true },
  );
  return full + minuteOnly;
}

interface PendingRefresh {
  ids: Set<string>;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
  /** How long the last round took: the next one waits in proportion (see statsRefreshPause). */
  lastRoundMs: number;
}
const pendingRefreshes = new WeakMap<PrismaClient, PendingRefresh>();
/** How long ingestion lets touched deployments gather before their figures are recomputed together. */
export const STATS_REFRESH_DELAY_MS = 250;
/** Under sustained ingestion a round waits this many times its own duration after the previous one… */
export const STATS_REFRESH_PACE = 3;
/** …but never longer than this, so the sort order follows sustained traffic within about a second plus a round (ADR 0025). */
export const STATS_REFRESH_MAX_DELAY_MS = 1_000;

/**
 * The pause before the next round: a round recomputes 7 days of hour histograms per deployment (hundreds of
 * ms for a few dozen deployments), so back-to-back rounds under sustained ingestion kept one database session
 * busy all the time, competing with the ingestion it follows. Pacing keeps the refresh to about
 * 1 / (1 + STATS_REFRESH_PACE) of one session (docs/decisions/0038-ingestion-hot-path.md).
 */
export function statsRefreshPause(lastRoundMs: number): number {
  return Math.min(STATS_REFRESH_MAX_DELAY_MS, Math.max(STATS_REFRESH_DELAY_MS, STATS_REFRESH_PACE * lastRoundMs));
}

/**
 * Recomputes the figures of deployments that just received traffic, shortly
 * after and together: a busy gateway's many batches cost one refresh per
 * deployment per round instead of a 7-day re-read per batch. The batch is
 * already committed; the sort order follows within about a second when idle,
 * within about a second plus a round under sustained ingestion (rounds are paced).
 */
export function scheduleStatsRefresh(prisma: PrismaClient, deploymentIds: Iterable<string>): void {
  let pending = pendingRefreshes.get(prisma);
  if (!pending) pendingRefreshes.set(prisma, (pending = { ids: new Set(), lastRoundMs: 0 }));
  for (const id of deploymentIds) pending.ids.add(id);
  if (pending.timer || pending.running || pending.ids.size === 0) return;
  armStatsRefresh(prisma, pending, STATS_REFRESH_DELAY_MS);
}

function armStatsRefresh(prisma: PrismaClient, p: PendingRefresh, delayMs: number): void {
  p.timer = setTimeout(() => {
    p.timer = undefined;
    const ids = [...p.ids];
    p.ids.clear();
    const started = performance.now();
    // One round at a time, so one deployment is never refreshed twice at once; batches arriving meanwhile wait for the next.
    p.running = (async () => {
      const now = new Date();
      for (let i = 0; i < ids.length; i += 200) {
        await refreshDeploymentStats(prisma, ids.slice(i, i + 200), now).catch((err) =>
          console.warn(`[metrics] could not refresh stats of ${ids.length} deployments: ${(err as Error).message}`),
        );
      }
    })().finally(() => {
      p.running = undefined;
      p.lastRoundMs = performance.now() - started;
      if (p.ids.size > 0) armStatsRefresh(prisma, p, statsRefreshPause(p.lastRoundMs));
    });
  }, delayMs);
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

