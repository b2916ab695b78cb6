import { createHash } from "node:crypto";
import { processConfig } from "../graphql/config.ts";
import type { Database } from "../graphql/db.ts";
import type { Prisma } from "../graphql/generated/prisma/client.ts";
import { curvePoint, loggingInterval, totalStepsFor, type CurveConfig } from "../graphql/services/training-curve.ts";
import { endpointUrlFor, versionString } from "../graphql/services/versions.ts";
import { applyDefaultAlertRules } from "../graphql/services/alerts.ts";
import { HISTORY_MUTATION, ROLLOUT_ACTOR } from "../graphql/services/deployments.ts";
import { baseModels, datasets } from "./seed-data.ts";

/**
 * Demo data: real base models, a few datasets, jobs in every state and a few
 * deployments. Idempotent: catalog rows are upserted, and the demo history is
 * written once (guarded by its first job's fixed id) so a second run changes nothing.
 */

/** A stable UUID from a name, so the seed's rows have the same ids on every machine. */
export function seedUuid(name: string): string {
  const h = createHash("sha1").update(`trainyard-seed:${name}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

type JobState = "QUEUED" | "RUNNING" | "COMPLETE" | "FAILED" | "CANCELLED";

interface DemoJob {
  key: string;
  modelName: string;
  baseModelId: string;
  datasetId: string;
  status: JobState;
  epochs: number;
  learningRate: number;
  batchSize: number;
  loraRank: number;
  /** Hours before seeding that the job was created. */
  ageHours: number;
  /** Minutes the run took (or has taken so far). */
  runMinutes: number;
  /** For RUNNING, FAILED and CANCELLED jobs: the fraction of steps done. */
  progress?: number;
  errorMessage?: string;
  retryOf?: string;
}

const DEMO_JOBS: DemoJob[] = [
  { key: "support-v1", modelName: "support-assistant", baseModelId: "llama-3.1-8b-instruct", datasetId: "support-tickets-2026q3", status: "COMPLETE", epochs: 3, learningRate: 2e-4, batchSize: 16, loraRank: 16, ageHours: 26 * 24, runMinutes: 142 },
  { key: "support-oom", modelName: "support-assistant", baseModelId: "llama-3.1-8b-instruct", datasetId: "support-tickets-2026q3", status: "FAILED", epochs: 3, learningRate: 2e-4, batchSize: 64, loraRank: 64, ageHours: 9 * 24, runMinutes: 7, progress: 0.04, errorMessage: "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 23.65 GiB total capacity; 21.87 GiB already allocated). Reduce batch size or LoRA rank." },
  { key: "support-v2", modelName: "support-assistant", baseModelId: "llama-3.1-8b-instruct", datasetId: "support-tickets-2026q3", status: "COMPLETE", epochs: 3, learningRate: 1.5e-4, batchSize: 16, loraRank: 32, ageHours: 8 * 24, runMinutes: 171, retryOf: "support-oom" },
  { key: "sql-v1", modelName: "sql-copilot", baseModelId: "qwen2.5-coder-7b-instruct", datasetId: "sql-from-questions", status: "COMPLETE", epochs: 2, learningRate: 1e-4, batchSize: 32, loraRank: 16, ageHours: 14 * 24, runMinutes: 64 },
  { key: "sql-v2", modelName: "sql-copilot", baseModelId: "qwen2.5-coder-7b-instruct", datasetId: "sql-from-questions", status: "COMPLETE", epochs: 3, learningRate: 1e-4, batchSize: 32, loraRank: 32, ageHours: 30, runMinutes: 93 },
  { key: "contracts-v1", modelName: "contract-summarizer", baseModelId: "mistral-7b-instruct-v0.3", datasetId: "contract-clauses", status: "COMPLETE", epochs: 2, learningRate: 2e-4, batchSize: 8, loraRank: 16, ageHours: 20 * 24, runMinutes: 118 },
  { key: "contracts-cancelled", modelName: "contract-summarizer", baseModelId: "mistral-7b-instruct-v0.3", datasetId: "contract-clauses", status: "CANCELLED", epochs: 4, learningRate: 3e-4, batchSize: 8, loraRank: 16, ageHours: 5 * 24, runMinutes: 38, progress: 0.31 },
  { key: "faq-v1", modelName: "faq-embedder", baseModelId: "bge-base-en-v1.5", datasetId: "product-faq-embeddings", status: "COMPLETE", epochs: 1, learningRate: 2e-5, batchSize: 64, loraRank: 8, ageHours: 11 * 24, runMinutes: 21 },
  { key: "sdk-running", modelName: "sdk-completer", baseModelId: "deepseek-coder-6.7b-instruct", datasetId: "internal-sdk-completions", status: "RUNNING", epochs: 2, learningRate: 1e-4, batchSize: 16, loraRank: 16, ageHours: 2, runMinutes: 55, progress: 0.46 },
  { key: "calls-queued", modelName: "call-transcriber", baseModelId: "whisper-small", datasetId: "call-transcripts-en", status: "QUEUED", epochs: 2, learningRate: 1e-5, batchSize: 16, loraRank: 8, ageHours: 0.5, runMinutes: 0 },
];

interface DemoDeployment {
  jobKey: string;
  minor: number;
  status: "ACTIVE" | "PAUSED" | "RETIRED";
  ageHours: number;
}

const DEMO_DEPLOYMENTS: DemoDeployment[] = [
  { jobKey: "support-v1", minor: 0, status: "RETIRED", ageHours: 25 * 24 },
  { jobKey: "support-v2", minor: 1, status: "ACTIVE", ageHours: 7 * 24 },
  { jobKey: "sql-v1", minor: 0, status: "ACTIVE", ageHours: 13 * 24 },
  { jobKey: "contracts-v1", minor: 0, status: "PAUSED", ageHours: 19 * 24 },
  { jobKey: "faq-v1", minor: 0, status: "ACTIVE", ageHours: 10 * 24 },
];

export interface SeedResult {
  baseModels: number;
  datasets: number;
  demoHistoryWritten: boolean;
}

export async function seedDemoData(db: Database, now = new Date()): Promise<SeedResult> {
  const prisma = db.prisma;
  for (const m of baseModels) {
    const data = { ...m, releasedOn: new Date(`${m.releasedOn}T00:00:00Z`) };
    await prisma.baseModel.upsert({ where: { id: m.id }, create: data, update: data });
  }
  for (const d of datasets) {
    const data = { ...d, sizeBytes: BigInt(d.sizeBytes) };
    await prisma.dataset.upsert({ where: { id: d.id }, create: data, update: data });
  }

  const demoHistoryWritten = await prisma.$transaction(async (tx) => {
    // Two processes seeding at once: the second waits here, then sees the first's rows.
    await tx.$executeRawUnsafe(`SELECT pg_advisory_xact_lock(72707370)`);
    const marker = await tx.trainingJob.findUnique({ where: { id: seedUuid(DEMO_JOBS[0]!.key) }, select: { id: true } });
    if (marker) return false;
    await writeDemoHistory(tx, now);
    return true;
    // Hundreds of small inserts: Prisma's default 5 s expires on a loaded 2-core CI machine.
  }, { timeout: 60_000, maxWait: 60_000 });
  return { baseModels: baseModels.length, datasets: datasets.length, demoHistoryWritten };
}

async function writeDemoHistory(tx: Prisma.TransactionClient, now: Date) {
  const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000);
  const rowCounts = new Map(datasets.map((d) => [d.id, d.rowCount]));

  for (const [index, job] of DEMO_JOBS.entries()) {
    const id = seedUuid(job.key);
    const totalSteps = totalStepsFor(rowCounts.get(job.datasetId)!, job.batchSize, job.epochs);
    const curve: CurveConfig = { seed: 1000 + index, totalSteps, epochs: job.epochs, learningRate: job.learningRate, warmupSteps: 100 };
    const createdAt = at(job.ageHours);
    const startedAt = job.status === "QUEUED" ? null : new Date(createdAt.getTime() + 90_000);
    const finished = job.status === "COMPLETE" || job.status === "FAILED" || job.status === "CANCELLED";
    const finishedAt = finished && startedAt ? new Date(startedAt.getTime() + job.runMinutes * 60_000) : null;
    const doneSteps = job.status === "COMPLETE" ? totalSteps : Math.floor(totalSteps * (job.progress ?? 0));
    const every = loggingInterval(totalSteps);
    const points = [];
    for (let step = every; step <= doneSteps; step += every) points.push(curvePoint(step, curve));
    if (job.status === "COMPLETE" && points.at(-1)?.step !== totalSteps) points.push(curvePoint(totalSteps, curve));
    const last = points.at(-1);
    const lastEval = [...points].reverse().find((p) => p.evalLoss !== null);

    await tx.trainingJob.create({
      data: {
        id,
        modelName: job.modelName,
        status: job.status,
        baseModelId: job.baseModelId,
        datasetId: job.datasetId,
        epochs: job.epochs,
        learningRate: job.learningRate,
        batchSize: job.batchSize,
        loraRank: job.loraRank,
        warmupSteps: 100,
        seed: 42 + index,
        totalSteps,
        currentStep: doneSteps,
        currentEpoch: last?.epoch ?? 0,
        trainLoss: last?.trainLoss ?? null,
        evalLoss: lastEval?.evalLoss ?? null,
        errorMessage: job.errorMessage ?? (job.status === "CANCELLED" ? "Cancelled by console" : null),
        createdBy: "console",
        createdAt,
        startedAt,
        finishedAt,
        // A seeded RUNNING job has no live executor behind it: its stale
        // heartbeat lets the executor's recovery pick it up.
        heartbeatAt: job.status === "RUNNING" ? at(1) : null,
        // Demo history is simulated, and labelled so (trainer: SIMULATED).
        claimedBy: startedAt ? "builtin:demo-gpu-01" : null,
        retryOfId: job.retryOf ? seedUuid(job.retryOf) : null,
      },
    });
    if (points.length) {
      await tx.trainingMetricPoint.createMany({
        data: points.map((p, i) => ({
          jobId: id,
          ...p,
          recordedAt: new Date((startedAt ?? createdAt).getTime() + ((i + 1) / points.length) * job.runMinutes * 60_000),
        })),
      });
    }
    const events: Array<{ level: "INFO" | "WARN" | "ERROR"; message: string; createdAt: Date }> = [
      { level: "INFO", message: `Job queued: ${job.epochs} epochs, ${totalSteps} steps, batch size ${job.batchSize}, LoRA rank ${job.loraRank}`, createdAt },
    ];
    if (startedAt) events.push({ level: "INFO", message: "Claimed by simulated trainer demo-gpu-01: seeded demo history, no model was trained", createdAt: startedAt });
    if (job.status === "COMPLETE" && finishedAt) {
      events.push({ level: "INFO", message: `Training complete: final train loss ${last?.trainLoss.toFixed(3)}, eval loss ${lastEval?.evalLoss?.toFixed(3)}`, createdAt: finishedAt });
    }
    if (job.status === "FAILED" && finishedAt) events.push({ level: "ERROR", message: job.errorMessage!, createdAt: finishedAt });
    if (job.status === "CANCELLED" && finishedAt) events.push({ level: "WARN", message: "Cancelled by console", createdAt: finishedAt });
    if (job.status === "CANCELLED" && finishedAt) {
      await tx.auditEvent.create({
        data: { actor: "console", actorKind: "CONSOLE", action: "cancelTrainingJob", targetType: "TrainingJob", targetId: id, outcome: "SUCCESS", createdAt: finishedAt },
      });
    }
    await tx.trainingEvent.createMany({ data: events.map((e) => ({ jobId: id, ...e })) });
    await tx.auditEvent.create({
      data: { actor: "console", actorKind: "CONSOLE", action: "createTrainingJob", targetType: "TrainingJob", targetId: id, outcome: "SUCCESS", createdAt },
    });
  }

  for (const d of DEMO_DEPLOYMENTS) {
    const job = DEMO_JOBS.find((j) => j.key === d.jobKey)!;
    const id = seedUuid(`deployment:${d.jobKey}`);
    const version = versionString(1, d.minor, 0);
    const createdAt = at(d.ageHours);
    const activatedAt = new Date(createdAt.getTime() + 45_000);
    const retiredAt = d.status === "RETIRED" ? at(7 * 24 - 0.01) : null;
    await tx.deployment.create({
      data: {
        id,
        jobId: seedUuid(d.jobKey),
        modelName: job.modelName,
        version,
        versionMajor: 1,
        versionMinor: d.minor,
        versionPatch: 0,
        status: d.status,
        endpointUrl: endpointUrlFor({ base: processConfig().endpointBase, modelName: job.modelName, version }),
        deployedBy: "console",
        createdAt,
        activatedAt,
        retiredAt,
      },
    });
    type Entry = { action: string; actor: string; fromStatus: "DEPLOYING" | "ACTIVE" | null; toStatus: "DEPLOYING" | "ACTIVE" | "PAUSED" | "RETIRED"; createdAt: Date };
    const history: Entry[] = [
      { action: "DEPLOY", actor: "console", fromStatus: null, toStatus: "DEPLOYING", createdAt },
      { action: "ACTIVATE", actor: ROLLOUT_ACTOR, fromStatus: "DEPLOYING", toStatus: "ACTIVE", createdAt: activatedAt },
    ];
    if (d.status === "PAUSED") history.push({ action: "PAUSE", actor: "console", fromStatus: "ACTIVE", toStatus: "PAUSED", createdAt: at(2 * 24) });
    if (retiredAt) history.push({ action: "RETIRE", actor: "console", fromStatus: "ACTIVE", toStatus: "RETIRED", createdAt: retiredAt });
    await tx.deploymentEvent.createMany({ data: history.map((h) => ({ deploymentId: id, ...h })) });
    await applyDefaultAlertRules(tx, { deploymentId: id, actor: "console" });
    // What the product writes for the same history: every step a person took is a mutation in the audit trail
    // (the activity feed), recorded with its history entry; system steps (ACTIVATE) have none.
    const audited = history.filter((h) => HISTORY_MUTATION[h.action]);
    await tx.auditEvent.createMany({
      data: audited.map((h) => ({
        actor: h.actor,
        actorKind: "CONSOLE" as const,
        action: HISTORY_MUTATION[h.action]!,
        targetType: "Deployment",
        targetId: id,
        outcome: "SUCCESS" as const,
        createdAt: h.createdAt,
      })),
    });
  }
}
