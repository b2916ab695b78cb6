import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../graphql/db.ts";
import type { InferenceEventInput, InferenceOutcome } from "../../graphql/validation/inference.ts";

/** A deployment of its own (with the COMPLETE job it needs), so each test reads only its own traffic. */
export async function createDeployment(prisma: PrismaClient, status: "ACTIVE" | "PAUSED" | "RETIRED" = "ACTIVE", modelName = `metrics-${randomUUID().slice(0, 8)}`) {
  const baseModel = await prisma.baseModel.findFirstOrThrow({ select: { id: true } });
  const dataset = await prisma.dataset.findFirstOrThrow({ select: { id: true } });
  const job = await prisma.trainingJob.create({
    data: {
      modelName,
      status: "COMPLETE",
      baseModelId: baseModel.id,
      datasetId: dataset.id,
      epochs: 1,
      learningRate: 1e-4,
      batchSize: 8,
      loraRank: 8,
      warmupSteps: 0,
      seed: 1,
      totalSteps: 10,
      createdBy: "test",
    },
  });
  return prisma.deployment.create({
    data: {
      jobId: job.id,
      modelName,
      version: "v1.0.0",
      versionMinor: 0,
      status,
      endpointUrl: `https://inference.test/${modelName}/${randomUUID()}`,
      deployedBy: "test",
    },
  });
}

/** A seeded pseudo-random generator, so a failing distribution can be replayed. */
export function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function gaussian(random: () => number) {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

export function eventsAt(latencies: readonly number[], from: Date, spreadMs: number, random: () => number, outcome: InferenceOutcome = "OK"): InferenceEventInput[] {
  return latencies.map((latencyMs) => ({ timestamp: new Date(from.getTime() + Math.floor(random() * spreadMs)), latencyMs, outcome }));
}
