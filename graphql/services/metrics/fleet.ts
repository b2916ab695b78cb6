import type { PrismaClient } from "../../db.ts";

/**
 * The fleet rollup the dashboard reads (docs/decisions/0024-fleet-rollups.md):
 * per hour, what every deployment's hour rollups sum to, added into at ingest
 * (./ingest.ts) so the dashboard's cost does not grow with the fleet.
 */

/** Shards of the fleet rollup per hour: concurrent writers pick one at random, so they rarely wait on the same row. */
export const FLEET_SHARDS = 16;

/** The fleet's totals over hour buckets [start, end): what every deployment's hour rollups sum to. */
export async function fleetTotals(prisma: PrismaClient, start: Date, end: Date) {
  const rows = await prisma.$queryRaw<Array<{ n: number | null; c: number | null; s: number | null }>>`
    SELECT sum("requestCount")::float8 AS n, sum("clientErrorCount")::float8 AS c, sum("serverErrorCount")::float8 AS s
    FROM "FleetRollup" WHERE "bucketStart" >= ${start.toISOString()}::timestamp AND "bucketStart" < ${end.toISOString()}::timestamp`;
  const r = rows[0];
  return { requests: r?.n ?? 0, clientErrors: r?.c ?? 0, serverErrors: r?.s ?? 0 };
}
