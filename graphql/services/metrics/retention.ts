import type { Db, PrismaClient } from "../../db.ts";
import { INGEST_RECEIPT_RETENTION_MS } from "./ingest.ts";
import { HOUR_ROLLUP_RETENTION_MS, MINUTE_ROLLUP_RETENTION_MS } from "./windows.ts";

/** Forgets idempotency keys past their retention. */
export async function pruneIngestReceipts(db: Db, now = new Date()) {
  const cutoff = new Date(now.getTime() - INGEST_RECEIPT_RETENTION_MS).toISOString();
  return db.$executeRaw`DELETE FROM "IngestReceipt" WHERE "createdAt" < ${cutoff}::timestamp`;
}

/** Drops rollups older than their retention (raw events are never stored; see ADR 0005). */
export async function pruneRollups(prisma: PrismaClient, now = new Date()) {
  const minuteCutoff = new Date(now.getTime() - MINUTE_ROLLUP_RETENTION_MS).toISOString();
  const hourCutoff = new Date(now.getTime() - HOUR_ROLLUP_RETENTION_MS).toISOString();
  await prisma.$executeRaw`DELETE FROM "FleetRollup" WHERE "bucketStart" < ${hourCutoff}::timestamp`;
  return prisma.$executeRaw`
    DELETE FROM "InferenceRollup"
    WHERE ("resolution" = 'MINUTE' AND "bucketStart" < ${minuteCutoff}::timestamp)
       OR ("resolution" = 'HOUR' AND "bucketStart" < ${hourCutoff}::timestamp)`;
}
