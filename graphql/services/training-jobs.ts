import { inTransaction, type Db } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { InvalidStateError, NotFoundError, ValidationError, type FieldError } from "../errors.ts";
import { isUuid } from "../ids.ts";
import { fieldMessages, tasksCompatible, trainingJobInputSchema } from "../validation/training.ts";
import { totalStepsFor } from "./training-curve.ts";

/** Training jobs: the state machine, and the lifecycle changes people make (create, cancel, retry). */

type Tx = Prisma.TransactionClient;
export type JobStatus = "QUEUED" | "RUNNING" | "COMPLETE" | "FAILED" | "CANCELLED";

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

/** The built-in executor is a simulation and says so wherever it is named. */
export function describeWorker(workerName: string): string {
  return workerName.startsWith(BUILTIN_PREFIX) ? `simulated trainer ${workerName.slice(BUILTIN_PREFIX.length)}` : `trainer ${workerName}`;
}

export interface LockedJob {
  id: string;
  status: JobStatus;
  claimedBy: string | null;
  currentStep: number;
  totalSteps: number;
  epochs: number;
}

export async function lockJob(tx: Tx, jobId: string): Promise<LockedJob> {
  if (!isUuid(jobId)) throw new NotFoundError("Training job", jobId);
  const rows = await tx.$queryRaw<LockedJob[]>`
    SELECT id::text AS id, status::text AS status, "claimedBy", "currentStep", "totalSteps", epochs
    FROM "TrainingJob" WHERE id = ${jobId}::uuid FOR UPDATE`;
  const job = rows[0];
  if (!job) throw new NotFoundError("Training job", jobId);
  return job;
}

export function assertTransition(job: LockedJob, to: JobStatus, what: string, refusal?: string) {
  if (!canTransition(job.status, to)) {
    throw new InvalidStateError(refusal ?? `Cannot ${what}: this job is ${job.status.toLowerCase()}`);
  }
}

/**
 * Cancels a QUEUED or RUNNING job. The row is locked for the check and the
 * write, so a cancel racing the executor's completion cannot both win; a
 * running executor notices the new status within one step.
 */
export async function cancelTrainingJob(prisma: Db, args: { jobId: string; actor: string }) {
  const { jobId, actor: actorName } = args;
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

/** Queues a job; `input` is validated here (it may come straight from a form or the API). `retryOf`: the job it re-runs. */
export async function createTrainingJob(prisma: Db, args: { input: unknown; actor: string; retryOf?: string }) {
  const { actor: actorName, retryOf: retryOfId } = args;
  const parsed = trainingJobInputSchema.safeParse(args.input);
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
export async function retryTrainingJob(prisma: Db, args: { jobId: string; actor: string }) {
  const { jobId, actor: actorName } = args;
  if (!isUuid(jobId)) throw new NotFoundError("Training job", jobId);
  const original = await prisma.trainingJob.findUnique({ where: { id: jobId } });
  if (!original) throw new NotFoundError("Training job", jobId);
  if (!RETRYABLE.includes(original.status)) {
    throw new InvalidStateError(`Only failed or cancelled jobs can be retried; this job is ${original.status.toLowerCase()}`);
  }
  const { baseModelId, datasetId, modelName, epochs, learningRate, batchSize, loraRank, warmupSteps, seed } = original;
  const job = await createTrainingJob(prisma, {
    input: { baseModelId, datasetId, modelName, epochs, learningRate, batchSize, loraRank, warmupSteps, seed },
    actor: actorName,
    retryOf: original.id,
  });
  await prisma.trainingEvent.create({
    data: { jobId: job.id, level: "INFO", message: `Retry of job ${original.id.slice(0, 8)} (${original.status.toLowerCase()})` },
  });
  return job;
}

