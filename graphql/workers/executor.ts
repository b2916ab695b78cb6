import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { ExecutorConfig } from "../config.ts";
import type { Database, PrismaClient } from "../db.ts";
import { InvalidStateError } from "../errors.ts";
import { curvePoint, loggingInterval, seededRandom, type CurveConfig, type CurvePoint } from "../services/training-curve.ts";
import { BUILTIN_PREFIX } from "../services/training-jobs.ts";
import { claimTrainingJob, nextStaleCheckInMs, recoverStaleTrainingJobs } from "../services/training-claims.ts";
import { completeTrainingJob, recordTrainingProgress, type ProgressUpdate } from "../services/training-progress.ts";
import { dueIn, IDLE_BACKSTOP_MS, startLoop, type TickResult, type WorkerFactory } from "./loop.ts";

/**
 * The built-in training executor, shown to users as the "simulated trainer":
 * it loads no model and trains nothing, and says so in every event it
 * writes; the artifact it completes a job with is a small placeholder file
 * (real bytes, real size and sha256) under the data directory. It drives
 * jobs through the same service functions an external trainer's API calls
 * use (claim, report progress, complete). It keeps no state between ticks
 * except its name: everything it needs is in the job row, so a restart or a
 * second process changes nothing (see docs/decisions/0007-training-executor.md).
 */

interface RunningJob {
  id: string;
  modelName: string;
  totalSteps: number;
  currentStep: number;
  epochs: number;
  learningRate: number;
  warmupSteps: number;
  seed: number;
  heartbeatAt: Date | null;
}

export interface FailurePlan {
  step: number;
  kind: "oom" | "divergence" | "nccl" | "disk" | "preempted";
}

const FAILURE_KINDS: FailurePlan["kind"][] = ["oom", "divergence", "nccl", "disk", "preempted"];

/**
 * Whether (and where) the simulation fails a job. Derived from the job id, so
 * the decision survives restarts without being stored; a retry is a new job
 * with a new id and a fresh chance.
 */
export function failurePlanFor(jobId: string, totalSteps: number, failureRate: number): FailurePlan | null {
  const rand = seededRandom(createHash("sha1").update(jobId).digest().readUInt32BE(0));
  if (rand() >= failureRate) return null;
  const step = Math.max(1, Math.min(totalSteps - 1, Math.floor(totalSteps * (0.15 + 0.7 * rand()))));
  return { step, kind: FAILURE_KINDS[Math.floor(rand() * FAILURE_KINDS.length)]! };
}

function failureMessage(plan: FailurePlan, job: RunningJob, lastLoss: number): string {
  return `Simulated failure (no real run): ${simulatedFailure(plan, job, lastLoss)}`;
}

function simulatedFailure(plan: FailurePlan, job: RunningJob, lastLoss: number): string {
  switch (plan.kind) {
    case "oom":
      return "CUDA out of memory. Tried to allocate 1.50 GiB (GPU 0; 79.15 GiB total capacity; 77.02 GiB already allocated; 812.00 MiB free). Reduce the batch size or LoRA rank.";
    case "divergence":
      return `Training diverged: loss became NaN at step ${plan.step} (last finite loss ${lastLoss.toFixed(2)}). Try a lower learning rate than ${job.learningRate} or more warm-up steps.`;
    case "nccl":
      return "NCCL watchdog timeout: collective ALLREDUCE (SeqNum=18231) ran for 1800062 ms before timing out. A worker hung or lost its network link.";
    case "disk":
      return `Checkpoint save failed: OSError: [Errno 28] No space left on device: '/scratch/checkpoints/${job.modelName}/step-${plan.step}/adapter_model.safetensors'`;
    case "preempted":
      return `Spot instance preempted: node gpu-a100-07 was reclaimed by the provider at step ${plan.step}.`;
  }
}

/** The simulated loss, with a blow-up over the last stretch before a planned divergence. */
function simulatedPoint(step: number, curve: CurveConfig, plan: FailurePlan | null): CurvePoint {
  const point = curvePoint(step, curve);
  if (plan?.kind !== "divergence") return point;
  const span = Math.max(3, Math.round(curve.totalSteps * 0.06));
  const into = step - (plan.step - span);
  if (into <= 0) return point;
  const factor = Math.exp((4 * into) / span);
  return { ...point, trainLoss: Math.round(point.trainLoss * factor * 10_000) / 10_000, evalLoss: point.evalLoss === null ? null : point.evalLoss * factor };
}

export interface ExecutorOptions extends ExecutorConfig {
  /** Identifies this executor in claims and events; `builtin:` is prefixed. */
  name: string;
  /** Where placeholder artifacts go (`<dataDir>/artifacts`); default: the system temp directory. */
  artifactDir?: string;
}

/** Base models only a real trainer can run: the simulated trainer leaves their jobs queued for one. */
export const REAL_TRAINER_BASE_MODELS = ["trainyard-tiny-char-lm"] as const;

/**
 * The simulated trainer's artifact: a small file that says what it is, plus
 * seeded bytes, so its size and sha256 are those of a real file a deployment
 * can pin (and nobody mistakes it for weights).
 */
export async function writeSimulatedArtifact(dir: string, job: { id: string; modelName: string; seed: number }) {
  const rand = seededRandom(job.seed ^ createHash("sha1").update(job.id).digest().readUInt32BE(0));
  const header = Buffer.from(
    `TRAINYARD SIMULATED ARTIFACT: not model weights.\njob ${job.id} (${job.modelName}) was run by the built-in simulated trainer.\n`,
  );
  const body = Buffer.alloc(4096);
  for (let i = 0; i < body.length; i++) body[i] = Math.floor(rand() * 256);
  const bytes = Buffer.concat([header, body]);
  const file = path.resolve(dir, job.id, "simulated-adapter.bin");
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, bytes);
  return {
    uri: pathToFileURL(file).href,
    format: "OTHER" as const,
    sizeBytes: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
  };
}

export function executorName(suffix?: string): string {
  return `${BUILTIN_PREFIX}${hostname()}:${process.pid}${suffix ? `:${suffix}` : ""}`;
}

/** One pass of the executor: recover orphans, claim into free slots, advance every job it runs. */
/**
 * One pass: recover silent jobs, claim what fits, move every job in hand forward. With jobs in hand it
 * runs again after `tickMs`; without, it sleeps until a RUNNING job elsewhere could go silent (or a new
 * job is announced).
 */
export async function executorTick(prisma: PrismaClient, options: ExecutorOptions, now = new Date()): Promise<TickResult> {
  const mine = () =>
    prisma.trainingJob.findMany({
      where: { status: "RUNNING", claimedBy: options.name },
      orderBy: { createdAt: "asc" },
      select: {
        id: true,
        modelName: true,
        totalSteps: true,
        currentStep: true,
        epochs: true,
        learningRate: true,
        warmupSteps: true,
        seed: true,
        heartbeatAt: true,
      },
    });
  let running = await mine();
  await recoverStaleTrainingJobs(prisma, {
    resumeAs: options.name,
    resumeSlots: options.slots - running.length,
    staleAfterMs: options.staleAfterMs,
    trainerTimeoutMs: options.trainerTimeoutMs,
    now,
  });
  running = await mine();
  for (let free = options.slots - running.length; free > 0; free--) {
    if (!(await claimTrainingJob(prisma, { worker: options.name, now, excludeBaseModelIds: REAL_TRAINER_BASE_MODELS }))) break;
  }
  running = await mine();
  for (const job of running) await advanceJob(prisma, job, options, now);
  if (running.length > 0) return true;
  return dueIn(await nextStaleCheckInMs(prisma, options));
}

/**
 * Moves one job forward by the steps its time scale allows since its last
 * heartbeat (at most a few seconds' worth, so a paused process does not
 * jump ahead), writing the logged points of those steps in one locked
 * transaction. A cancelled job refuses the write: the executor stops there.
 */
async function advanceJob(prisma: PrismaClient, job: RunningJob, options: ExecutorOptions, now: Date): Promise<void> {
  const since = job.heartbeatAt ? now.getTime() - job.heartbeatAt.getTime() : options.tickMs;
  const maxSteps = Math.max(1, Math.ceil(Math.max(options.tickMs * 3, 3000) / options.stepMs));
  const steps = Math.min(maxSteps, Math.max(1, Math.round(since / options.stepMs)));
  const plan = failurePlanFor(job.id, job.totalSteps, options.failureRate);
  const stop = plan && plan.step > job.currentStep ? plan.step : job.totalSteps;
  const target = Math.min(job.currentStep + steps, stop);
  const curve: CurveConfig = {
    seed: job.seed,
    totalSteps: job.totalSteps,
    epochs: job.epochs,
    learningRate: job.learningRate,
    warmupSteps: job.warmupSteps,
  };
  const every = loggingInterval(job.totalSteps);
  const points: CurvePoint[] = [];
  for (let s = (Math.floor(job.currentStep / every) + 1) * every; s <= target; s += every) points.push(simulatedPoint(s, curve, plan));
  if (target === stop && points.at(-1)?.step !== target) points.push(simulatedPoint(target, curve, plan));

  const events: NonNullable<ProgressUpdate["events"]> = [];
  const stepsPerEpoch = job.totalSteps / job.epochs;
  if (job.currentStep < job.warmupSteps && target >= job.warmupSteps) {
    events.push({ level: "DEBUG", message: `Simulated warm-up finished at step ${job.warmupSteps}; learning rate at its peak of ${job.learningRate}` });
  }
  for (let e = 1; e <= job.epochs; e++) {
    const boundary = Math.round(e * stepsPerEpoch);
    if (job.currentStep < boundary && target >= boundary && boundary < job.totalSteps) {
      const at = curvePoint(boundary, curve);
      events.push({
        level: "INFO",
        message: `Simulated epoch ${e}/${job.epochs} finished at step ${boundary}: synthetic train loss ${at.trainLoss.toFixed(3)}`,
      });
    }
  }
  const headEpoch = Math.round((target / stepsPerEpoch) * 100) / 100;
  try {
    await recordTrainingProgress(prisma, { jobId: job.id, points, events, expectClaimedBy: options.name, headStep: target, headEpoch, now });
    if (plan && target === plan.step) {
      const last = points.at(-1)?.trainLoss ?? 0;
      await completeTrainingJob(prisma, { jobId: job.id, outcome: "FAILED", message: failureMessage(plan, job, last), expectClaimedBy: options.name, now });
    } else if (target >= job.totalSteps) {
      const final = curvePoint(job.totalSteps, curve);
      const artifact = await writeSimulatedArtifact(options.artifactDir ?? path.join(tmpdir(), "trainyard-artifacts"), job);
      await completeTrainingJob(prisma, {
        jobId: job.id,
        outcome: "COMPLETE",
        message: `Simulated training complete: synthetic final train loss ${final.trainLoss.toFixed(3)}${final.evalLoss !== null ? `, eval loss ${final.evalLoss.toFixed(3)}` : ""}; placeholder artifact (not weights) ${artifact.uri}`,
        expectClaimedBy: options.name,
        now,
        artifact,
        evalMetrics: final.evalLoss !== null ? [{ name: "eval_loss", value: final.evalLoss }] : [],
      });
    }
  } catch (err) {
    // Cancelled or taken over since this tick began: the row lock settled it, nothing to undo.
    if (!(err instanceof InvalidStateError)) throw err;
  }
}

/** A process with the executor switched off still fails jobs whose trainer went silent. */
export const trainingWatchdog: WorkerFactory = {
  name: "training-watchdog",
  enabled: (config) => !config.executorEnabled,
  start(db: Database, config) {
    const { staleAfterMs, trainerTimeoutMs } = config.executor;
    return startLoop("training-watchdog", Math.min(30_000, trainerTimeoutMs / 4), async () => {
      await recoverStaleTrainingJobs(db.prisma, { staleAfterMs, trainerTimeoutMs });
    });
  },
};

export const trainingExecutor: WorkerFactory = {
  name: "training-executor",
  enabled: (config) => config.executorEnabled,
  wakeOn: ["training"],
  start(db: Database, config, context) {
    const options: ExecutorOptions = { ...config.executor, name: executorName(), artifactDir: path.join(config.dataDir, "artifacts") };
    return startLoop("training-executor", config.executor.tickMs, () => executorTick(db.prisma, options), {
      idleMs: IDLE_BACKSTOP_MS,
      listening: () => context?.listening() ?? false,
    });
  },
};
