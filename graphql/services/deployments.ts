import { createHash } from "node:crypto";
import { msUntilEarliest } from "./due.ts";
import type { Config } from "../config.ts";
import { inTransaction, type Db, type PrismaClient } from "../db.ts";
import { DuplicateDeploymentError, InvalidStateError, JobNotCompleteError, NotFoundError } from "../errors.ts";
import type { DeploymentStatus, Prisma } from "../generated/prisma/client.ts";
import { isUuid } from "../ids.ts";
import { endpointUrlFor, versionString } from "./versions.ts";
import { servingFields, setProduction, type ServingInput } from "./serving.ts";
import { applyDefaultAlertRules } from "./alerts.ts";

type Tx = Prisma.TransactionClient;

/** First key of the two-key advisory lock that serialises version numbering per model name. */
const MODEL_LOCK_NAMESPACE = 7270_4001;

// Interactive transactions wait for advisory locks; 50 deploys of one model in a row must not time out.
const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

/**
 * Serialises every change to one model's versions (deploy, rollback) across
 * all processes, for the rest of the transaction. Two deploys of different
 * jobs of the same model therefore read and bump the version one after the other.
 */
async function lockModel(tx: Tx, modelName: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${MODEL_LOCK_NAMESPACE}::int, hashtext(${modelName}))`;
}

/** A unique violation of the one-live-deployment-per-job index, as the driver adapter reports it. */
function isLiveDeploymentConflict(err: unknown): boolean {
  const e = err as { code?: string; meta?: Record<string, unknown>; message?: string };
  if (e?.code !== "P2002") return false;
  const text = JSON.stringify(e.meta ?? {}) + (e.message ?? "");
  return text.includes("Deployment_one_live_per_job") || text.includes("jobId");
}

async function withLiveConflictAsDuplicate<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (isLiveDeploymentConflict(err)) throw new DuplicateDeploymentError();
    throw err;
  }
}

/** The parts of the process's configuration a deploy reads. */
export type DeployConfig = Pick<Config, "rollout" | "serving" | "endpointBase">;

export interface DeployJobArgs {
  jobId: string;
  /** Who deploys: `deployedBy` and the DEPLOY event's actor. */
  actor: string;
  config: DeployConfig;
  /** Seconds until the rollout executor may activate the deployment (default: config.rollout.seconds). */
  rolloutSeconds?: number;
  now?: Date;
  /** Where the model server listens; none: the simulated model server (see graphql/services/serving.ts). */
  serving?: ServingInput;
}

/**
 * Deploys a COMPLETE training job as the next version of its model name.
 *
 * Two races are settled by the database, not by checks in this process:
 * the version is read and bumped under an advisory lock per model name, and a
 * second live deployment of the same job is rejected by the partial unique
 * index, whose violation becomes DUPLICATE_DEPLOYMENT (the transaction rolls
 * back, so nothing is written).
 */
export async function deployJob(prisma: Db, args: DeployJobArgs) {
  const { jobId, actor: actorName, config } = args;
  if (!isUuid(jobId)) throw new NotFoundError("Training job", jobId);
  const rolloutSeconds = args.rolloutSeconds ?? config.rollout.seconds;
  const serving = servingFields(args.serving);
  const rolloutTimeoutMs = config.serving.rolloutTimeoutMs;
  return inTransaction(prisma, async (tx) => {
    const rows = await tx.$queryRaw<Array<{ modelName: string; status: string }>>`
      SELECT "modelName", status::text AS status FROM "TrainingJob" WHERE id = ${jobId}::uuid FOR SHARE`;
    const job = rows[0];
    if (!job) throw new NotFoundError("Training job", jobId);
    if (job.status !== "COMPLETE") {
      throw new JobNotCompleteError(`Only a completed training job can be deployed; this job is ${job.status.toLowerCase()}`);
    }
    await lockModel(tx, job.modelName);
    const latest = await tx.deployment.aggregate({
      where: { modelName: job.modelName, versionMajor: 1 },
      _max: { versionMinor: true },
    });
    const minor = latest._max.versionMinor === null ? 0 : latest._max.versionMinor + 1;
    const version = versionString(1, minor, 0);
    const now = args.now ?? new Date();
    // The deployment pins the artifact the job produced (lineage: deployment → job → artifact).
    const artifact = await tx.artifact.findUnique({ where: { jobId }, select: { id: true } });
    const deployment = await withLiveConflictAsDuplicate(() =>
      tx.deployment.create({
        data: {
          jobId,
          artifactId: artifact?.id ?? null,
          ...serving,
          // A real upstream is made ACTIVE by readiness probes; the simulated model server by its stored deadline.
          rolloutDeadline: serving.upstreamUrl ? new Date(now.getTime() + rolloutTimeoutMs) : null,
          modelName: job.modelName,
          version,
          versionMajor: 1,
          versionMinor: minor,
          versionPatch: 0,
          status: "DEPLOYING",
          endpointUrl: endpointUrlFor({ base: config.endpointBase, modelName: job.modelName, version }),
          deployedBy: actorName,
          rolloutReadyAt: serving.upstreamUrl ? null : new Date(now.getTime() + rolloutSeconds * 1000),
          events: {
            create: {
              action: "DEPLOY",
              fromStatus: null,
              toStatus: "DEPLOYING",
              actor: actorName,
              detail: `From training job ${jobId.slice(0, 8)}${serving.upstreamUrl ? `, upstream ${serving.upstreamUrl}` : ", simulated model server"}`,
            },
          },
        },
      }),
    );
    await applyDefaultAlertRules(tx, { deploymentId: deployment.id, actor: actorName });
    return deployment;
  }, TX_OPTIONS);
}

interface Transition {
  action: string;
  from: readonly DeploymentStatus[];
  to: DeploymentStatus;
  refusal: (current: DeploymentStatus) => string;
  data?: (now: Date) => Prisma.DeploymentUpdateInput;
}

const TRANSITIONS = {
  pause: {
    action: "PAUSE",
    from: ["ACTIVE"],
    to: "PAUSED",
    refusal: (s) => `Only an active deployment can be paused; this one is ${s.toLowerCase()}`,
  },
  resume: {
    action: "RESUME",
    from: ["PAUSED"],
    to: "ACTIVE",
    refusal: (s) => `Only a paused deployment can be resumed; this one is ${s.toLowerCase()}`,
  },
  retire: {
    action: "RETIRE",
    from: ["DEPLOYING", "ACTIVE", "PAUSED", "FAILED"],
    to: "RETIRED",
    refusal: () => "This deployment is already retired",
    data: (now) => ({ retiredAt: now }),
  },
} satisfies Record<string, Transition>;

/** Statuses in which a deployment serves or is about to (a rollback replaces these). */
export const LIVE_STATUSES: readonly DeploymentStatus[] = ["DEPLOYING", "ACTIVE"];

/**
 * Statuses in which a deployment holds its job's one slot: exactly the partial unique index
 * "Deployment_one_live_per_job", so `availableActions` offers DEPLOY exactly when `deployJob` can succeed
 * (a PAUSED deployment can be resumed; deploying its job again is refused).
 */
export const JOB_SLOT_STATUSES: readonly DeploymentStatus[] = ["DEPLOYING", "ACTIVE", "PAUSED"];

/** A version that finished its rollout and is not serving can be made ACTIVE again by `rollbackDeployment`. */
export const ROLLBACK_FROM: readonly DeploymentStatus[] = ["RETIRED", "PAUSED"];

/**
 * The mutation (audit action) behind each deployment history action a person takes: the activity feed
 * shows the mutation, the deployment page its history entry, and both are written in one transaction.
 * History entries missing here (ACTIVATE, FAIL, probe results) are made by the system, not by a mutation.
 */
export const HISTORY_MUTATION: Readonly<Record<string, string>> = {
  DEPLOY: "deployJob",
  PAUSE: "pauseDeployment",
  RESUME: "resumeDeployment",
  RETIRE: "retireDeployment",
  ROLLBACK: "rollbackDeployment",
  PROMOTE: "promoteDeployment",
  SET_UPSTREAM: "setDeploymentUpstream",
};

export const DEPLOYMENT_ACTIONS = ["PAUSE", "RESUME", "RETIRE", "ROLLBACK"] as const;
export type DeploymentAction = (typeof DEPLOYMENT_ACTIONS)[number];

/**
 * What can be done with a deployment now, read off the same tables the
 * mutations check (`TRANSITIONS`, `ROLLBACK_FROM`): exposed as
 * `Deployment.availableActions`, so the console and the CLI offer nothing else.
 */
export function deploymentActions(status: DeploymentStatus): DeploymentAction[] {
  const actions: DeploymentAction[] = [];
  for (const t of Object.values(TRANSITIONS) as Transition[]) {
    if (t.from.includes(status)) actions.push(t.action as DeploymentAction);
  }
  if (ROLLBACK_FROM.includes(status)) actions.push("ROLLBACK");
  return actions;
}

/** For each of these jobs that has one, the deployment holding its slot (DEPLOYING, ACTIVE or PAUSED): one query for a page of jobs. */
export async function liveDeploymentIdsByJob(prisma: Db, jobIds: readonly string[]): Promise<Map<string, string>> {
  const rows = await prisma.deployment.findMany({
    where: { jobId: { in: jobIds.filter((id) => isUuid(id)) }, status: { in: [...JOB_SLOT_STATUSES] } },
    select: { id: true, jobId: true },
  });
  return new Map(rows.map((r) => [r.jobId, r.id]));
}

/** Distinct model names with at least one ACTIVE version (the dashboard shows it next to the count of versions). */
export async function countActiveModels(prisma: Db): Promise<number> {
  const rows = await prisma.deployment.groupBy({ by: ["modelName"], where: { status: "ACTIVE" } });
  return rows.length;
}

async function lockDeployment(tx: Tx, id: string) {
  const rows = await tx.$queryRaw<Array<{ status: DeploymentStatus; modelName: string; version: string }>>`
    SELECT status::text AS status, "modelName", version FROM "Deployment" WHERE id = ${id}::uuid FOR UPDATE`;
  const row = rows[0];
  if (!row) throw new NotFoundError("Deployment", id);
  return row;
}

/** One lifecycle step under a row lock, recorded in the deployment's history. The endpoint URL never changes. */
async function applyTransition(prisma: Db, { id, actor: actorName }: DeploymentChange, t: Transition) {
  if (!isUuid(id)) throw new NotFoundError("Deployment", id);
  return inTransaction(prisma, async (tx) => {
    const current = await lockDeployment(tx, id);
    if (!t.from.includes(current.status)) throw new InvalidStateError(t.refusal(current.status));
    const now = new Date();
    await tx.deploymentEvent.create({ data: { deploymentId: id, action: t.action, fromStatus: current.status, toStatus: t.to, actor: actorName } });
    return tx.deployment.update({ where: { id }, data: { status: t.to, ...t.data?.(now) } });
  }, TX_OPTIONS);
}

/** A change to one deployment (`id`) by someone (`actor`, recorded in its history). */
export interface DeploymentChange {
  id: string;
  actor: string;
}

export const pauseDeployment = (prisma: Db, change: DeploymentChange) => applyTransition(prisma, change, TRANSITIONS.pause);
export const resumeDeployment = (prisma: Db, change: DeploymentChange) => applyTransition(prisma, change, TRANSITIONS.resume);
export const retireDeployment = (prisma: Db, change: DeploymentChange) => applyTransition(prisma, change, TRANSITIONS.retire);

/**
 * Makes an earlier (RETIRED or PAUSED) version of a model ACTIVE again and, in
 * the same transaction, retires the model's ACTIVE and DEPLOYING versions — or
 * pauses the ACTIVE one when `pauseCurrent` is set, so it can be resumed later.
 */
export async function rollbackDeployment(prisma: Db, options: DeploymentChange & { pauseCurrent?: boolean }) {
  const { id: targetId, actor: actorName } = options;
  if (!isUuid(targetId)) throw new NotFoundError("Deployment", targetId);
  return inTransaction(prisma, async (tx) => {
    const found = await tx.deployment.findUnique({ where: { id: targetId }, select: { modelName: true } });
    if (!found) throw new NotFoundError("Deployment", targetId);
    // The same lock as deployJob: a rollback and a deploy of one model never interleave.
    await lockModel(tx, found.modelName);
    const versions = await tx.$queryRaw<Array<{ id: string; status: DeploymentStatus; version: string }>>`
      SELECT id::text AS id, status::text AS status, version FROM "Deployment"
      WHERE "modelName" = ${found.modelName} ORDER BY id FOR UPDATE`;
    const target = versions.find((v) => v.id === targetId)!;
    if (target.status === "ACTIVE") throw new InvalidStateError(`${target.version} is already active`);
    if (!ROLLBACK_FROM.includes(target.status)) {
      throw new InvalidStateError(`${target.version} never finished its rollout, so there is nothing to roll back to`);
    }
    const now = new Date();
    const replaced = versions.filter((v) => v.id !== targetId && LIVE_STATUSES.includes(v.status));
    for (const v of replaced) {
      const to: DeploymentStatus = options.pauseCurrent && v.status === "ACTIVE" ? "PAUSED" : "RETIRED";
      await tx.deploymentEvent.create({
        data: { deploymentId: v.id, action: to === "PAUSED" ? "PAUSE" : "RETIRE", fromStatus: v.status, toStatus: to, actor: actorName, detail: `Replaced by rollback to ${target.version}` },
      });
      await tx.deployment.update({ where: { id: v.id }, data: { status: to, ...(to === "RETIRED" ? { retiredAt: now } : {}) } });
    }
    const from = replaced.map((v) => v.version).join(", ");
    await tx.deploymentEvent.create({
      data: {
        deploymentId: targetId,
        action: "ROLLBACK",
        fromStatus: target.status,
        toStatus: "ACTIVE",
        actor: actorName,
        detail: from ? `Rolled back from ${from}` : `Restored ${target.version}`,
      },
    });
    const restored = await withLiveConflictAsDuplicate(() =>
      tx.deployment.update({ where: { id: targetId }, data: { status: "ACTIVE", activatedAt: now, retiredAt: null } }),
    );
    // Rollback moves the production alias of /v1/models/{modelName}/… to the restored version.
    await setProduction(tx, { modelName: found.modelName, deploymentId: targetId, actor: actorName });
    return restored;
  }, TX_OPTIONS);
}

export const ROLLOUT_ACTOR = "rollout-executor";

/** Why a simulated rollout fails, as a real serving platform would say it. */
const FAILURE_REASONS = [
  "Health check failed: the model server did not answer /health within 120 s",
  "Container exited during warm-up: CUDA out of memory while loading adapter weights",
  "Readiness probe failed: tokenizer files missing from the model artifact",
];

/**
 * Whether a deployment's simulated rollout fails. Derived from its id, not
 * drawn at random, so a rollout interrupted by a restart ends the same way
 * when another process picks it up.
 */
export function rolloutFails(deploymentId: string, failureRate: number): { fails: boolean; reason: string } {
  const digest = createHash("sha256").update(deploymentId).digest();
  const draw = digest.readUInt32BE(0) / 0x1_0000_0000;
  return { fails: draw < failureRate, reason: FAILURE_REASONS[digest[4]! % FAILURE_REASONS.length]! };
}

export interface RolloutOptions {
  failureRate: number;
  now?: Date;
  /** Deployments finished per call; the rest wait for the next tick. */
  limit?: number;
}

/** Milliseconds until the next simulated rollout is due to finish (null: none is running). */
export function nextRolloutDueInMs(db: Db, now = new Date()) {
  return msUntilEarliest(db, { from: `"Deployment"`, due: `"rolloutReadyAt"`, where: `status = 'DEPLOYING' AND "rolloutReadyAt" IS NOT NULL` }, now);
}

/**
 * Finishes every rollout whose `rolloutReadyAt` has passed: DEPLOYING becomes
 * ACTIVE (or FAILED, with a reason). Rows are claimed with FOR UPDATE SKIP
 * LOCKED, so several processes share the work without doing any of it twice,
 * and a rollout survives restarts because its deadline is stored.
 */
export async function advanceRollouts(prisma: Db, options: RolloutOptions): Promise<number> {
  const now = options.now ?? new Date();
  return inTransaction(prisma, async (tx) => {
    const due = await tx.$queryRaw<Array<{ id: string }>>`
      SELECT id::text AS id FROM "Deployment"
      WHERE status = 'DEPLOYING' AND "rolloutReadyAt" <= ${now}
      ORDER BY "rolloutReadyAt", id
      LIMIT ${options.limit ?? 50}
      FOR UPDATE SKIP LOCKED`;
    for (const { id } of due) {
      const outcome = rolloutFails(id, options.failureRate);
      if (outcome.fails) {
        await tx.deployment.update({ where: { id }, data: { status: "FAILED", failureReason: outcome.reason } });
        await tx.deploymentEvent.create({
          data: { deploymentId: id, action: "FAIL", fromStatus: "DEPLOYING", toStatus: "FAILED", actor: ROLLOUT_ACTOR, detail: outcome.reason },
        });
      } else {
        await tx.deployment.update({ where: { id }, data: { status: "ACTIVE", activatedAt: now } });
        await tx.deploymentEvent.create({
          data: { deploymentId: id, action: "ACTIVATE", fromStatus: "DEPLOYING", toStatus: "ACTIVE", actor: ROLLOUT_ACTOR, detail: "Rollout complete; endpoint serving traffic" },
        });
      }
    }
    return due.length;
  });
}
