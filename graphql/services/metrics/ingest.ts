import { isClient, PREPARED, type Db, type PrismaClient } from "../../db.ts";
import { Prisma } from "../../generated/prisma/client.ts";
import { NotFoundError, ValidationError } from "../../errors.ts";
import { findFirstBadEvent, INGEST_LIMITS, type InferenceEventInput } from "../../validation/inference.ts";
import { rollupWritesFor, type RollupWrite } from "./accumulate.ts";
import { FLEET_SHARDS } from "./fleet.ts";
import { refreshDeploymentStats } from "./stats.ts";
import { HOUR_MS } from "./windows.ts";
import { isUuid } from "../../ids.ts";

/**
 * Ingestion: the one write path for inference data, in one SQL statement per
 * batch (docs/decisions/0034-ingestion-near-the-database.md).
 *
 * The caller folds its data into rollup rows (per minute and per hour touched,
 * with a mergeable latency histogram; ./accumulate.ts), then `ingestRollups`
 * sends them in one statement whose CTEs lock the deployment (FOR SHARE: it
 * cannot be paused between the check and the write), check its status, claim
 * the idempotency key, add into the rollup rows and into the fleet rollup the
 * dashboard reads. Nothing is written unless every check passes, and a single
 * statement is atomic without a transaction of its own: one round trip.
 */


export function validateBatch(events: readonly InferenceEventInput[], now: Date): void {
  if (events.length > INGEST_LIMITS.maxBatch) {
    throw new ValidationError(`A batch holds at most ${INGEST_LIMITS.maxBatch.toLocaleString("en-US")} events; split it`, [
      { path: "events", message: `at most ${INGEST_LIMITS.maxBatch} events` },
    ]);
  }
  const bad = findFirstBadEvent(events, now);
  if (bad) {
    throw new ValidationError(`Event ${bad.index} is invalid: ${bad.message}. Nothing was recorded.`, [
      { path: `events.${bad.index}.${bad.field}`, message: bad.message },
    ]);
  }
}

export interface IngestResult {
  deploymentId: string;
  acceptedCount: number;
  /** True when this idempotency key was already counted: nothing was recorded again. */
  duplicate: boolean;
}

/** An idempotency key: what a client may use to make a retried batch count once. */
export const IDEMPOTENCY_KEY = { maxLength: 200, pattern: /^[\x21-\x7e]+$/ } as const;
/** Receipts are kept this long: a batch retried later than that would be counted again. */
export const INGEST_RECEIPT_RETENTION_MS = 48 * HOUR_MS;

export function validateIdempotencyKey(key: string | null | undefined, path = "idempotencyKey"): void {
  if (key == null) return;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY.maxLength || !IDEMPOTENCY_KEY.pattern.test(key)) {
    throw new ValidationError(`${path} must be 1 to ${IDEMPOTENCY_KEY.maxLength} printable ASCII characters without spaces`, [
      { path, message: "1 to 200 printable ASCII characters" },
    ]);
  }
}

/** The write is prepared by name on PostgreSQL: parsed once per connection (graphql/db.ts, ADR 0048). */
const INGEST_STATEMENT = Prisma.raw(PREPARED("ingest-batch"));

interface BatchOutcome {
  status: string | null;
  /** The deployment takes this batch (ACTIVE, or exists when that is not required). */
  accepted: boolean;
  claimed: number;
}

/**
 * The statement. Rollup rows are added in (resolution, bucket) order and the
 * fleet rows after them in bucket order (the fleet CTE reads the rollup CTE's
 * output, which makes PostgreSQL finish that one first), so concurrent batches
 * lock in the same order and never deadlock. The fleet rollup is sharded: a
 * batch picks one of FLEET_SHARDS rows per hour at random, so writers rarely wait.
 */
async function writeBatch(
  db: Db,
  deploymentId: string,
  writes: readonly RollupWrite[],
  eventCount: number,
  idempotencyKey: string | null,
  requireActive: boolean,
): Promise<BatchOutcome> {
  const shard = Math.floor(Math.random() * FLEET_SHARDS);
  const rows = await db.$queryRaw<BatchOutcome[]>`${INGEST_STATEMENT}
    WITH d AS (
      SELECT "id", "status"::text AS status FROM "Deployment" WHERE "id" = ${deploymentId}::uuid FOR SHARE
    ), ok AS (
      SELECT "id" FROM d WHERE NOT ${requireActive}::boolean OR d.status = 'ACTIVE'
    ), claim AS (
      INSERT INTO "IngestReceipt" ("deploymentId", "key", "eventCount")
      SELECT ok."id", ${idempotencyKey}::text, ${eventCount}::int FROM ok WHERE ${idempotencyKey}::text IS NOT NULL
      ON CONFLICT DO NOTHING RETURNING 1
    ), go AS (
      SELECT ok."id" FROM ok WHERE ${idempotencyKey}::text IS NULL OR EXISTS (SELECT 1 FROM claim)
    ), w AS (
      SELECT * FROM jsonb_to_recordset(${JSON.stringify(writes)}::jsonb)
        AS w(resolution TEXT, "bucketStart" TEXT, n INTEGER, c INTEGER, s INTEGER, sum DOUBLE PRECISION, o INTEGER, h INTEGER[])
    ), rolled AS (
      INSERT INTO "InferenceRollup" AS r ("deploymentId", "resolution", "bucketStart", "requestCount", "clientErrorCount",
                                          "serverErrorCount", "latencySumMs", "histogramOffset", "histogram")
      SELECT go."id", w.resolution::"RollupResolution", w."bucketStart"::timestamp, w.n, w.c, w.s, w.sum, w.o, w.h
      FROM go CROSS JOIN w
      ORDER BY 2, 3
      ON CONFLICT ("deploymentId", "resolution", "bucketStart") DO UPDATE SET
        "requestCount" = r."requestCount" + EXCLUDED."requestCount",
        "clientErrorCount" = r."clientErrorCount" + EXCLUDED."clientErrorCount",
        "serverErrorCount" = r."serverErrorCount" + EXCLUDED."serverErrorCount",
        "latencySumMs" = r."latencySumMs" + EXCLUDED."latencySumMs",
        "histogramOffset" = "trainyard_histogram_offset"(r."histogramOffset", r."histogram", EXCLUDED."histogramOffset", EXCLUDED."histogram"),
        "histogram" = "trainyard_histogram_add"(r."histogramOffset", r."histogram", EXCLUDED."histogramOffset", EXCLUDED."histogram")
      RETURNING 1
    ), fleet AS (
      INSERT INTO "FleetRollup" AS f ("bucketStart", "shard", "requestCount", "clientErrorCount", "serverErrorCount")
      SELECT w."bucketStart"::timestamp, ${shard}::int, w.n, w.c, w.s
      FROM w WHERE w.resolution = 'HOUR' AND (SELECT count(*) FROM rolled) > 0
      ORDER BY 1
      ON CONFLICT ("bucketStart", "shard") DO UPDATE SET
        "requestCount" = f."requestCount" + EXCLUDED."requestCount",
        "clientErrorCount" = f."clientErrorCount" + EXCLUDED."clientErrorCount",
        "serverErrorCount" = f."serverErrorCount" + EXCLUDED."serverErrorCount"
      RETURNING 1
    )
    SELECT (SELECT status FROM d) AS status, EXISTS (SELECT 1 FROM ok) AS accepted,
           (SELECT count(*) FROM claim)::int AS claimed`;
  return rows[0]!;
}

/**
 * The one write path for inference data, whoever aggregated it: events from
 * `recordInferenceEvents`, the events endpoint and the simulator, a gateway's
 * per-second sketches, OTLP histograms. The deployment must be ACTIVE (unless
 * `requireActive` is false: a gateway flushing what a deployment served just
 * before it was paused); a key already claimed means this batch was counted
 * before: nothing is written and `duplicate` is true. Inside the caller's
 * transaction when `db` is one; on its own, one statement needs none.
 */
export async function ingestRollups(
  db: Db,
  args: { deploymentId: string; writes: readonly RollupWrite[]; eventCount: number; idempotencyKey?: string | null; requireActive?: boolean },
): Promise<IngestResult> {
  const { deploymentId, writes, eventCount } = args;
  if (!isUuid(deploymentId)) throw new NotFoundError("Deployment", deploymentId);
  validateIdempotencyKey(args.idempotencyKey);
  const key = args.idempotencyKey ?? null;
  const outcome = await writeBatch(db, deploymentId, writes, eventCount, key, args.requireActive !== false);
  if (outcome.status === null) throw new NotFoundError("Deployment", deploymentId);
  if (!outcome.accepted) {
    throw new ValidationError(
      `Deployment ${deploymentId} is ${outcome.status.toLowerCase()} and not accepting traffic; event 0 and the rest were not recorded.`,
      [{ path: "deploymentId", message: "the deployment is not ACTIVE" }],
    );
  }
  const duplicate = key !== null && outcome.claimed === 0;
  return { deploymentId, acceptedCount: eventCount, duplicate };
}

/** Writes a validated batch of events inside the caller's transaction (the simulator moves its cursor in the same one). */
export async function ingestInTransaction(tx: Prisma.TransactionClient, deploymentId: string, events: readonly InferenceEventInput[]) {
  await ingestRollups(tx, { deploymentId, writes: rollupWritesFor(events), eventCount: events.length });
}

/**
 * A batch of events, validated (all or nothing: one bad event refuses the
 * batch, naming its index), folded into rollup rows and written by
 * `ingestRollups`. What `recordInferenceEvents` and the events endpoint share.
 */
export async function ingestEvents(
  db: Db,
  args: { deploymentId: string; events: readonly InferenceEventInput[]; idempotencyKey?: string | null; now?: Date },
): Promise<IngestResult> {
  if (!isUuid(args.deploymentId)) throw new NotFoundError("Deployment", args.deploymentId);
  validateBatch(args.events, args.now ?? new Date());
  return ingestRollups(db, {
    deploymentId: args.deploymentId,
    writes: rollupWritesFor(args.events),
    eventCount: args.events.length,
    idempotencyKey: args.idempotencyKey,
  });
}

/** The `recordInferenceEvents` service: `ingestEvents`, then (on a client, not inside a caller's transaction) the stats at once. */
export async function recordInferenceEvents(
  db: Db,
  deploymentId: string,
  events: readonly InferenceEventInput[],
  now = new Date(),
  options: { idempotencyKey?: string | null } = {},
): Promise<IngestResult> {
  const result = await ingestEvents(db, { deploymentId, events, now, idempotencyKey: options.idempotencyKey });
  if (!result.duplicate && isClient(db)) {
    // The batch is committed: a failed refresh must not make the gateway retry (and double-count) it.
    // The maintenance worker recomputes the figures within a minute anyway.
    await refreshDeploymentStats(db as PrismaClient, [deploymentId], now).catch((err) =>
      console.warn(`[metrics] could not refresh stats of ${deploymentId}: ${(err as Error).message}`),
    );
  }
  return result;
}
