import { inTransaction, type Db, type PrismaClient } from "../db.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { InvalidStateError, NotFoundError, ValidationError, type FieldError } from "../errors.ts";
import { isUuid } from "../ids.ts";
import { fieldMessages, progressReportSchema, tasksCompatible, trainingJobInputSchema, workerNameSchema } from "../validation/training.ts";
import { totalStepsFor } from "./training-curve.ts";
import { artifactInputSchema, evalMetricsSchema, type ArtifactInput } from "../validation/artifacts.ts";

type Tx = Prisma.TransactionClient;
type JobStatus = "QUEUED" | "RUNNING" | "COMPLETE" | "FAILED" | "CANCELLED";

/**
 * The training job state machine. Every status change in this file goes
 * through `assertTransition` while the job's row is locked, so two actors
 * racing (a cancel and the executor's completion) cannot both win.
 */
export const TRANSITIONS: Record<JobStatus, readonly JobStatus[]> = {
  QUEUED: ["RUNNING", "CANCELLED"],
  RUNNING: ["COMPLETE", "FAILED", "CANCELLED"],
  COMPLETE: [],
  FAILED: [],
  CANCELLED: [],
};

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** A finished job that did not complete can be run again as a new job (`retryTrainingJob`). */
export const RETRYABLE: readonly JobStatus[] = ["FAILED", "CANCELLED"];
/** Only a completed job has something to deploy (`deployJob`). */
export const DEPLOYABLE: JobStatus = "COMPLETE";

export const JOB_ACTIONS = ["CANCEL", "RETRY", "DEPLOY"] as const;
export type JobAction = (typeof JOB_ACTIONS)[number];

/**
 * What can be done with a job now, from the same tables the mutations check:
 * the API exposes this as `TrainingJob.availableActions`, and the console and
 * the CLI offer nothing else. `hasLiveDeployment`: the job already has a
 * DEPLOYING or ACTIVE deployment, so a second deploy would be refused.
 */
export function jobActions(status: JobStatus, hasLiveDeployment: boolean): JobAction[] {
  const actions: JobAction[] = [];
  if (canTransition(status, "CANCELLED")) actions.push("CANCEL");
  if (RETRYABLE.includes(status)) actions.push("RETRY");
  if (status === DEPLOYABLE && !hasLiveDeployment) actions.push("DEPLOY");
  return actions;
}

/** Claims by the built-in executor carry this prefix; anything else is an external trainer. */
export const BUILTIN_PREFIX = "builtin:";
export const isBuiltinClaim = (claimedBy: string | null) => claimedBy === null || claimedBy.startsWith(BUILTIN_PREFIX);

interface LockedJob {
  id: string;
  status: JobStatus;
  claimedBy: string | null;
  currentStep: number;
  totalSteps: number;
  epochs: number;
}

async function lockJob(tx: Tx, jobId: string): Promise<LockedJob> {
  if (!isUuid(jobId)) throw new NotFoundError("Training job", jobId);
  const rows = await tx.$queryRaw<LockedJob[]>`
    SELECT id::text AS id, status::text AS status, "claimedBy", "currentStep", "totalSteps", epochs
    FROM "TrainingJob" WHERE id = ${jobId}::uuid FOR UPDATE`;
  const job = rows[0];
  if (!job) throw new NotFoundError("Training job", jobId);
  return job;
}

function assertTransition(job: LockedJob, to: JobStatus, what: string, refusal?: string) {
  if (!canTransition(job.status, to)) {
    throw new InvalidStateError(refusal ?? `Cannot ${what}: this job is ${job.status.toLowerCase()}`);
  }
}

/**
 * Cancels a QUEUED or RUNNING job. The row is locked for the check and the
 * write, so a cancel racing the executor's completion cannot both win; a
 * running executor notices the new status within one step.
 */
export async function cancelTrainingJob(prisma: Db, jobId: string, actorName: string) {
  return inTransaction(prisma, async (tx) => {
    const job = await lockJob(tx, jobId);
    assertTransition(job, "CANCELLED", "cancel the job", `Only queued or running jobs can be cancelled; this job is ${job.status.toLowerCase()}`);
    await tx.trainingEvent.create({ data: { jobId, level: "WARN", message: `Cancelled by ${actorName}` } });
    return tx.trainingJob.update({
      where: { id: jobId },
      data: { status: "CANCELLED", finishedAt: new Date(), errorMessage: `Cancelled by ${actorName}` },
    });
  });
}

export async function createTrainingJob(prisma: Db, input: unknown, actorName: string, retryOfId?: string) {
  const parsed = trainingJobInputSchema.safeParse(input);
  if (!parsed.success) {
    // One message per field (the first), as the form shows them.
    const fieldErrors: FieldError[] = Object.entries(fieldMessages(parsed.error)).map(([field, message]) => ({ path: `input.${field}`, message: message! }));
    throw new ValidationError(`The training configuration is invalid: ${fieldErrors.map((f) => f.path.slice(6)).join(", ")}`, fieldErrors);
  }
  const c = parsed.data;
  const [baseModel, dataset] = await Promise.all([
    prisma.baseModel.findUnique({ where: { id: c.baseModelId }, select: { id: true, name: true, task: true } }),
    prisma.dataset.findUnique({ where: { id: c.datasetId }, select: { id: true, name: true, task: true, rowCount: true } }),
  ]);
  const problems: FieldError[] = [];
  if (!baseModel) problems.push({ path: "input.baseModelId", message: `Unknown base model "${c.baseModelId}"` });
  if (!dataset) problems.push({ path: "input.datasetId", message: `Unknown dataset "${c.datasetId}"` });
  if (baseModel && dataset && !tasksCompatible(baseModel.task, dataset.task)) {
    problems.push({
      path: "input.datasetId",
      message: `${dataset.name} is ${taskLabel(dataset.task)} data; ${baseModel.name} is a ${taskLabel(baseModel.task)} model`,
    });
  }
  const totalSteps = dataset ? totalStepsFor(dataset.rowCount, c.batchSize, c.epochs) : 0;
  if (dataset && c.warmupSteps >= totalSteps) {
    problems.push({ path: "input.warmupSteps", message: `Warm-up steps must be fewer than the job's ${totalSteps} total steps` });
  }
  if (problems.length) {
    throw new ValidationError(`The training configuration is invalid: ${problems.map((f) => f.path.slice(6)).join(", ")}`, problems);
  }
  return inTransaction(prisma, async (tx) => {
    const job = await tx.trainingJob.create({
      data: { ...c, totalSteps, createdBy: actorName, ...(retryOfId ? { retryOfId } : {}) },
    });
    await tx.trainingEvent.create({
      data: {
        jobId: job.id,
        level: "INFO",
        message: `Job queued by ${actorName}: ${c.epochs} epochs, ${totalSteps.toLocaleString("en-US")} steps, batch size ${c.batchSize}, LoRA rank ${c.loraRank}`,
      },
    });
    return job;
  });
}

const taskLabel = (task: string) => task.toLowerCase().replace(/_/g, " ");

/** A new QUEUED job with the configuration of a FAILED or CANCELLED one, linked to it through `retryOf`. */
export async function retryTrainingJob(prisma: Db, jobId: string, actorName: string) {
  if (!isUuid(jobId)) throw new NotFoundError("Training job", jobId);
  const original = await prisma.trainingJob.findUnique({ where: { id: jobId } });
  if (!original) throw new NotFoundError("Training job", jobId);
  if (!RETRYABLE.includes(original.status)) {
    throw new InvalidStateError(`Only failed or cancelled jobs can be retried; this job is ${original.status.toLowerCase()}`);
  }
  const { baseModelId, datasetId, modelName, epochs, learningRate, batchSize, loraRank, warmupSteps, seed } = original;
  const job = await createTrainingJob(
    prisma,
    { baseModelId, datasetId, modelName, epochs, learningRate, batchSize, loraRank, warmupSteps, seed },
    actorName,
    original.id,
  );
  await prisma.trainingEvent.create({
    data: { jobId: job.id, level: "INFO", message: `Retry of job ${original.id.slice(0, 8)} (${original.status.toLowerCase()})` },
  });
  return job;
}

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
export async function claimTrainingJob(prisma: Db, workerName: string, now = new Date(), restrict: ClaimRestriction = {}) {
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
export async function claimTrainingJobForTrainer(prisma: Db, workerName: string, baseModelIds?: readonly string[] | null) {
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
  return claimTrainingJob(prisma, name.data, new Date(), { baseModelIds });
}

/** The built-in executor is a simulation and says so wherever it is named. */
export function describeWorker(workerName: string): string {
  return workerName.startsWith(BUILTIN_PREFIX) ? `simulated trainer ${workerName.slice(BUILTIN_PREFIX.length)}` : `trainer ${workerName}`;
}

export interface ProgressPoint {
  step: number;
  epoch: number;
  trainLoss: number;
  evalLoss: number | null;
  learningRate: number;
}

export interface ProgressUpdate {
  points: ProgressPoint[];
  /** Events to log with this update (epoch boundaries, checkpoints). */
  events?: Array<{ level: "DEBUG" | "INFO" | "WARN" | "ERROR"; message: string }>;
  /** Only this worker may report (the built-in executor passes its own name). */
  expectClaimedBy?: string;
  /** The step the trainer has reached, when it is past the last logged point. */
  headStep?: number;
  headEpoch?: number;
  now?: Date;
}

/**
 * Records progress for a RUNNING job in one transaction with the row locked.
 * Idempotent by (job, step): a repeated step overwrites its point; a late
 * step fills in the curve without moving the job's head backwards. A job that
 * is no longer RUNNING (cancelled, finished) refuses with INVALID_STATE,
 * which is how a trainer learns it must stop.
 */
export async function recordTrainingProgress(prisma: Db, jobId: string, update: ProgressUpdate) {
  const now = update.now ?? new Date();
  return inTransaction(prisma, async (tx) => {
    const job = await lockJob(tx, jobId);
    if (job.status !== "RUNNING") {
      throw new InvalidStateError(`This job is ${job.status.toLowerCase()}; progress is accepted only while it is running`);
    }
    if (update.expectClaimedBy !== undefined && job.claimedBy !== update.expectClaimedBy) {
      throw new InvalidStateError(`This job is now run by ${job.claimedBy ? describeWorker(job.claimedBy) : "nobody"}`);
    }
    for (const p of update.points) {
      if (p.step > job.totalSteps) {
        throw new ValidationError(`step ${p.step} is past the job's last step (${job.totalSteps})`, [
          { path: "step", message: `step must be at most ${job.totalSteps}` },
        ]);
      }
      if (p.epoch > job.epochs + 1e-9) {
        throw new ValidationError(`epoch ${p.epoch} is past the job's last epoch (${job.epochs})`, [
          { path: "epoch", message: `epoch must be at most ${job.epochs}` },
        ]);
      }
    }
    for (const p of update.points) {
      await tx.$executeRaw`
        INSERT INTO "TrainingMetricPoint" ("jobId", step, epoch, "trainLoss", "evalLoss", "learningRate", "recordedAt")
        VALUES (${jobId}::uuid, ${p.step}, ${p.epoch}, ${p.trainLoss}, ${p.evalLoss}, ${p.learningRate}, ${now})
        ON CONFLICT ("jobId", step) DO UPDATE SET epoch = EXCLUDED.epoch, "trainLoss" = EXCLUDED."trainLoss",
          "evalLoss" = EXCLUDED."evalLoss", "learningRate" = EXCLUDED."learningRate", "recordedAt" = EXCLUDED."recordedAt"`;
    }
    const latest = update.points.reduce<ProgressPoint | null>((a, p) => (a === null || p.step > a.step ? p : a), null);
    const head = Math.max(update.headStep ?? 0, latest?.step ?? 0);
    const data: Prisma.TrainingJobUpdateInput = { heartbeatAt: now };
    if (head >= job.currentStep) {
      data.currentStep = head;
      if (update.headEpoch !== undefined && head === update.headStep) data.currentEpoch = update.headEpoch;
      else if (latest && latest.step === head) data.currentEpoch = latest.epoch;
    }
    // The newest recorded loss, even when the head step runs ahead of the reported points (the
    // built-in executor reports every few steps): otherwise "Train loss" stays empty all run long.
    if (latest && latest.step >= job.currentStep) data.trainLoss = latest.trainLoss;
    const latestEval = update.points.filter((p) => p.evalLoss !== null && p.step >= job.currentStep).sort((a, b) => b.step - a.step)[0];
    if (latestEval) data.evalLoss = latestEval.evalLoss;
    if (update.events?.length) {
      await tx.trainingEvent.createMany({ data: update.events.map((e) => ({ jobId, ...e, createdAt: now })) });
    }
    return tx.trainingJob.update({ where: { id: jobId }, data });
  });
}

/** The external trainer's report: one step. */
export async function reportTrainingProgress(prisma: Db, jobId: string, report: unknown, workerName?: string | null) {
  const parsed = progressReportSchema.safeParse(report);
  if (!parsed.success) {
    const fieldErrors = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new ValidationError(`Invalid progress report: ${fieldErrors.map((f) => f.message).join("; ")}`, fieldErrors);
  }
  await assertTrainerHolds(prisma, jobId, workerName);
  return recordTrainingProgress(prisma, jobId, { points: [parsed.data], ...(workerName ? { expectClaimedBy: workerName.trim() } : {}) });
}

export interface CompletionOptions {
  expectClaimedBy?: string;
  now?: Date;
  /** What the job produced (validated); stored with the COMPLETE transition, in the same transaction. */
  artifact?: ArtifactInput | null;
  evalMetrics?: Array<{ name: string; value: number }> | null;
}

/** Ends a RUNNING job as COMPLETE or FAILED; FAILED needs a message the user can act on. */
export async function completeTrainingJob(
  prisma: Db,
  jobId: string,
  outcome: "COMPLETE" | "FAILED",
  message: string | null | undefined,
  options: CompletionOptions = {},
) {
  const text = message?.trim() ?? "";
  if (outcome === "FAILED" && !text) {
    throw new ValidationError("A failed job needs a message saying what went wrong", [{ path: "message", message: "Describe the failure" }]);
  }
  const now = options.now ?? new Date();
  return inTransaction(prisma, async (tx) => {
    const job = await lockJob(tx, jobId);
    assertTransition(job, outcome, outcome === "COMPLETE" ? "complete the job" : "fail the job");
    if (options.expectClaimedBy !== undefined && job.claimedBy !== options.expectClaimedBy) {
      throw new InvalidStateError(`This job is now run by ${job.claimedBy ? describeWorker(job.claimedBy) : "nobody"}`);
    }
    const artifact = outcome === "COMPLETE" ? options.artifact : null;
    if (artifact) {
      const metrics = Object.fromEntries((options.evalMetrics ?? []).map((m) => [m.name, m.value]));
      await tx.artifact.create({
        data: {
          jobId,
          uri: artifact.uri,
          format: artifact.format,
          sizeBytes: BigInt(artifact.sizeBytes),
          sha256: artifact.sha256,
          ...(options.evalMetrics?.length ? { evalMetrics: metrics } : {}),
          createdAt: now,
        },
      });
    }
    await tx.trainingEvent.create({
      data: {
        jobId,
        level: outcome === "COMPLETE" ? "INFO" : "ERROR",
        message: text || (artifact ? `Training complete: artifact ${artifact.uri} (${formatBytes(artifact.sizeBytes)}, sha256 ${artifact.sha256.slice(0, 12)}…)` : "Training complete"),
        createdAt: now,
      },
    });
    return tx.trainingJob.update({
      where: { id: jobId },
      data: {
        status: outcome,
        finishedAt: now,
        heartbeatAt: now,
        errorMessage: outcome === "FAILED" ? text : null,
      },
    });
  });
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/**
 * The external trainer's completion: COMPLETE needs the artifact it produced
 * (validated field by field); a trainer naming itself must hold the job.
 * Built-in (simulated) jobs cannot be completed through the API.
 */
export async function completeTrainingJobForTrainer(
  prisma: Db,
  jobId: string,
  input: { outcome: "COMPLETE" | "FAILED"; message?: string | null; artifact?: unknown; evalMetrics?: unknown; workerName?: string | null },
) {
  const problems: FieldError[] = [];
  let artifact: ArtifactInput | null = null;
  let evalMetrics: Array<{ name: string; value: number }> | null = null;
  if (input.outcome === "COMPLETE") {
    if (input.artifact === undefined || input.artifact === null) {
      problems.push({ path: "artifact", message: "A completed job needs its artifact: uri, format, sizeBytes and sha256" });
    } else {
      const parsed = artifactInputSchema.safeParse(input.artifact);
      if (parsed.success) artifact = parsed.data;
      else problems.push(...parsed.error.issues.map((i) => ({ path: ["artifact", ...i.path].join("."), message: i.message })));
    }
  }
  if (input.evalMetrics !== undefined && input.evalMetrics !== null) {
    const parsed = evalMetricsSchema.safeParse(input.evalMetrics);
    if (parsed.success) evalMetrics = parsed.data;
    else problems.push(...parsed.error.issues.map((i) => ({ path: ["evalMetrics", ...i.path].join("."), message: i.message })));
  }
  if (problems.length) {
    throw new ValidationError(`Invalid completion: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`, problems);
  }
  await assertTrainerHolds(prisma, jobId, input.workerName);
  return completeTrainingJob(prisma, jobId, input.outcome, input.message, {
    artifact,
    evalMetrics,
    ...(input.workerName ? { expectClaimedBy: input.workerName.trim() } : {}),
  });
}

/** A trainer may only act on a job it holds: never on the simulated trainer's jobs, and on its own claim when it names itself. */
export async function assertTrainerHolds(prisma: Db, jobId: string, workerName: string | null | undefined) {
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
