import { inTransaction, type Db } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { InvalidStateError, ValidationError, type FieldError } from "../errors.ts";
import { progressReportSchema } from "../validation/training.ts";
import { artifactInputSchema, evalMetricsSchema, type ArtifactInput } from "../validation/artifacts.ts";
import { assertTransition, describeWorker, lockJob } from "./training-jobs.ts";
import { assertTrainerHolds } from "./training-claims.ts";

/** A running job's progress reports and its completion (COMPLETE with an artifact, or FAILED). */

export interface ProgressPoint {
  step: number;
  epoch: number;
  trainLoss: number;
  evalLoss: number | null;
  learningRate: number;
}

export interface ProgressUpdate {
  jobId: string;
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
export async function recordTrainingProgress(prisma: Db, update: ProgressUpdate) {
  const { jobId } = update;
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
export async function reportTrainingProgress(prisma: Db, args: { jobId: string; report: unknown; worker?: string | null }) {
  const { jobId, worker: workerName } = args;
  const parsed = progressReportSchema.safeParse(args.report);
  if (!parsed.success) {
    const fieldErrors = parsed.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
    throw new ValidationError(`Invalid progress report: ${fieldErrors.map((f) => f.message).join("; ")}`, fieldErrors);
  }
  await assertTrainerHolds(prisma, { jobId, worker: workerName });
  return recordTrainingProgress(prisma, { jobId, points: [parsed.data], ...(workerName ? { expectClaimedBy: workerName.trim() } : {}) });
}

export interface Completion {
  jobId: string;
  outcome: "COMPLETE" | "FAILED";
  /** Required for FAILED: what went wrong, in words the user can act on. */
  message?: string | null;
  expectClaimedBy?: string;
  now?: Date;
  /** What the job produced (validated); stored with the COMPLETE transition, in the same transaction. */
  artifact?: ArtifactInput | null;
  evalMetrics?: Array<{ name: string; value: number }> | null;
}

/** Ends a RUNNING job as COMPLETE or FAILED; FAILED needs a message the user can act on. */
export async function completeTrainingJob(prisma: Db, options: Completion) {
  const { jobId, outcome } = options;
  const text = options.message?.trim() ?? "";
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
  input: { jobId: string; outcome: "COMPLETE" | "FAILED"; message?: string | null; artifact?: unknown; evalMetrics?: unknown; worker?: string | null },
) {
  const { jobId } = input;
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
  await assertTrainerHolds(prisma, { jobId, worker: input.worker });
  return completeTrainingJob(prisma, {
    jobId,
    outcome: input.outcome,
    message: input.message,
    artifact,
    evalMetrics,
    ...(input.worker ? { expectClaimedBy: input.worker.trim() } : {}),
  });
}

