import { inTransaction, type Db } from "../db.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { InvalidStateError, NotFoundError, ValidationError } from "../errors.ts";
import { isUuid } from "../ids.ts";
import { workerNameSchema } from "../validation/training.ts";
import { BUILTIN_PREFIX, describeWorker, isBuiltinClaim } from "./training-jobs.ts";
import { msUntilEarliest } from "./due.ts";

/** Who runs a job: claims by executors and external trainers, and recovery of jobs whose trainer went silent. */

/** Which queued jobs a trainer takes: only the base models it can run, and/or never some. */
export interface ClaimRestriction {
  baseModelIds?: readonly string[] | null;
  excludeBaseModelIds?: readonly string[] | null;
}

/**
 * Hands the oldest QUEUED job to a trainer, or returns null. `SKIP LOCKED`
 * lets any number of executors and external trainers claim at once: each
 * queued row goes to exactly one of them. `restrict` limits the claim to the
 * base models a trainer can run.
 */
export async function claimTrainingJob(prisma: Db, args: { worker: string; now?: Date } & ClaimRestriction) {
  const { worker: workerName, now = new Date(), ...restrict } = args;
  const only = restrict.baseModelIds?.length ? [...restrict.baseModelIds] : null;
  const never = restrict.excludeBaseModelIds?.length ? [...restrict.excludeBaseModelIds] : null;
  const onlySql = only ? Prisma.sql`AND "baseModelId" IN (${Prisma.join(only)})` : Prisma.empty;
  const neverSql = never ? Prisma.sql`AND "baseModelId" NOT IN (${Prisma.join(never)})` : Prisma.empty;
  return inTransaction(prisma, async (tx) => {
    const rows = await tx.$queryRaw<Array<{ id: string; resumed: boolean }>>`
      UPDATE "TrainingJob"
      SET status = 'RUNNING'::"TrainingJobStatus", "claimedBy" = ${workerName}, "heartbeatAt" = ${now},
          "startedAt" = COALESCE("startedAt", ${now})
      WHERE id = (
        SELECT id FROM "TrainingJob" WHERE status = 'QUEUED'::"TrainingJobStatus" ${onlySql} ${neverSql}
        ORDER BY "createdAt", id LIMIT 1 FOR UPDATE SKIP LOCKED
      )
      RETURNING id::text AS id, "currentStep" > 0 AS resumed`;
    const claimed = rows[0];
    if (!claimed) return null;
    const message = isBuiltinClaim(workerName)
      ? `Claimed by ${describeWorker(workerName)}: a simulation that loads no model and trains nothing; its loss curve is synthetic`
      : `Claimed by ${describeWorker(workerName)}`;
    await tx.trainingEvent.create({ data: { jobId: claimed.id, level: "INFO", message } });
    return tx.trainingJob.findUniqueOrThrow({ where: { id: claimed.id } });
  });
}

/** The claim API for external trainers: validates the name (and the base model list) first. */
export async function claimTrainingJobForTrainer(prisma: Db, args: { worker: string; baseModelIds?: readonly string[] | null }) {
  const { worker: workerName, baseModelIds } = args;
  const name = workerNameSchema.safeParse(workerName);
  if (!name.success) {
    throw new ValidationError(name.error.issues[0]!.message, [{ path: "workerName", message: name.error.issues[0]!.message }]);
  }
  if (baseModelIds) {
    if (baseModelIds.length === 0 || baseModelIds.length > 100) {
      const message = "baseModelIds lists 1 to 100 base models (omit it to take any)";
      throw new ValidationError(message, [{ path: "baseModelIds", message }]);
    }
    const known = await prisma.baseModel.findMany({ where: { id: { in: [...baseModelIds] } }, select: { id: true } });
    const unknown = baseModelIds.filter((id) => !known.some((k) => k.id === id));
    if (unknown.length) {
      const message = `Unknown base model${unknown.length > 1 ? "s" : ""}: ${unknown.slice(0, 5).join(", ")}`;
      throw new ValidationError(message, [{ path: "baseModelIds", message }]);
    }
  }
  return claimTrainingJob(prisma, { worker: name.data, baseModelIds });
}

/** A trainer may only act on a job it holds: never on the simulated trainer's jobs, and on its own claim when it names itself. */
export async function assertTrainerHolds(prisma: Db, args: { jobId: string; worker: string | null | undefined }) {
  const { jobId, worker: workerName } = args;
  if (!isUuid(jobId)) throw new NotFoundError("Training job", jobId);
  const job = await prisma.trainingJob.findUnique({ where: { id: jobId }, select: { claimedBy: true, status: true } });
  if (!job) throw new NotFoundError("Training job", jobId);
  if (job.status === "RUNNING" && job.claimedBy?.startsWith(BUILTIN_PREFIX)) {
    throw new InvalidStateError(`This job is run by the ${describeWorker(job.claimedBy)}; an external trainer cannot report for it`);
  }
  if (workerName && job.status === "RUNNING" && job.claimedBy !== workerName.trim()) {
    throw new InvalidStateError(`This job is held by ${job.claimedBy ? describeWorker(job.claimedBy) : "nobody"}, not by trainer ${workerName.trim()}`);
  }
}

export interface RecoveryOptions {
  /** The executor taking over orphaned built-in jobs; absent when this process runs no executor. */
  resumeAs?: string;
  /** How many orphaned jobs this executor may take over now. */
  resumeSlots?: number;
  staleAfterMs: number;
  trainerTimeoutMs: number;
  now?: Date;
}

/**
 * Milliseconds until a RUNNING job would go silent long enough for `recoverStaleTrainingJobs` to act
 * (a built-in one after `staleAfterMs`, an external trainer's after `trainerTimeoutMs`); null when none runs.
 */
export function nextStaleCheckInMs(db: Db, options: Pick<RecoveryOptions, "staleAfterMs" | "trainerTimeoutMs">, now = new Date()) {
  return msUntilEarliest(
    db,
    {
      from: `"TrainingJob"`,
      due: `COALESCE("heartbeatAt", "startedAt", "createdAt") + make_interval(secs => CASE WHEN "claimedBy" IS NULL OR "claimedBy" LIKE $2 THEN $3::float8 ELSE $4::float8 END / 1000)`,
      where: `status = 'RUNNING'::"TrainingJobStatus"`,
    },
    now,
    [`${BUILTIN_PREFIX}%`, options.staleAfterMs, options.trainerTimeoutMs],
  );
}

/**
 * Jobs left RUNNING by a process that died: a built-in job whose heartbeat is
 * older than `staleAfterMs` is resumed from its last step by `resumeAs`; a job
 * silent for longer than `trainerTimeoutMs` (an external trainer, or a
 * built-in job no executor took over) is marked FAILED with the reason. Rows
 * are taken with SKIP LOCKED, so concurrent executors split the work.
 */
export async function recoverStaleTrainingJobs(prisma: Db, options: RecoveryOptions) {
  const now = options.now ?? new Date();
  const resumed: string[] = [];
  const failed: string[] = [];
  const slots = options.resumeSlots ?? 0;
  if (options.resumeAs && slots > 0) {
    const staleBefore = new Date(now.getTime() - options.staleAfterMs);
    await inTransaction(prisma, async (tx) => {
      const rows = await tx.$queryRaw<Array<{ id: string; claimedBy: string | null; heartbeatAt: Date | null; currentStep: number }>>`
        SELECT id::text AS id, "claimedBy", "heartbeatAt", "currentStep" FROM "TrainingJob"
        WHERE status = 'RUNNING'::"TrainingJobStatus"
          AND ("claimedBy" IS NULL OR "claimedBy" LIKE ${`${BUILTIN_PREFIX}%`})
          AND COALESCE("heartbeatAt", "startedAt", "createdAt") < ${staleBefore}
        ORDER BY "createdAt", id LIMIT ${slots} FOR UPDATE SKIP LOCKED`;
      for (const r of rows) {
        const previous = r.claimedBy ? describeWorker(r.claimedBy) : "its previous executor";
        const silence = r.heartbeatAt ? ` for ${formatSeconds((now.getTime() - new Date(r.heartbeatAt).getTime()) / 1000)}` : "";
        await tx.trainingEvent.create({
          data: {
            jobId: r.id,
            level: "WARN",
            message: `No heartbeat from ${previous}${silence}; resumed from step ${r.currentStep} by ${describeWorker(options.resumeAs!)}`,
            createdAt: now,
          },
        });
        await tx.trainingJob.update({ where: { id: r.id }, data: { claimedBy: options.resumeAs, heartbeatAt: now } });
        resumed.push(r.id);
      }
    });
  }
  const deadBefore = new Date(now.getTime() - options.trainerTimeoutMs);
  await inTransaction(prisma, async (tx) => {
    const rows = await tx.$queryRaw<Array<{ id: string; claimedBy: string | null; heartbeatAt: Date | null; currentStep: number }>>`
      SELECT id::text AS id, "claimedBy", "heartbeatAt", "currentStep" FROM "TrainingJob"
      WHERE status = 'RUNNING'::"TrainingJobStatus" AND COALESCE("heartbeatAt", "startedAt", "createdAt") < ${deadBefore}
      ORDER BY "createdAt", id LIMIT 50 FOR UPDATE SKIP LOCKED`;
    for (const r of rows) {
      const who = r.claimedBy ? describeWorker(r.claimedBy) : "its executor";
      const reason = `Lost contact with ${who}: no progress for ${formatSeconds(options.trainerTimeoutMs / 1000)} (last step ${r.currentStep}). The process running it probably stopped; retry the job to run it again.`;
      await tx.trainingEvent.create({ data: { jobId: r.id, level: "ERROR", message: reason, createdAt: now } });
      await tx.trainingJob.update({ where: { id: r.id }, data: { status: "FAILED", finishedAt: now, errorMessage: reason } });
      failed.push(r.id);
    }
  });
  return { resumed, failed };
}

function formatSeconds(s: number): string {
  if (s < 90) return `${Math.round(s)} s`;
  if (s < 5400) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}
