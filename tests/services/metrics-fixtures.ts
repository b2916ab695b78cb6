import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../graphql/db.ts";
import type { InferenceEventInput, InferenceOutcome } from "../../graphql/validation/inference.ts";
export { gaussian, logNormal, seededRandom as rng } from "../../graphql/services/random.ts";

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

export function eventsAt(latencies: readonly number[], from: Date, spreadMs: number, random: () => number, outcome: InferenceOutcome = "OK"): InferenceEventInput[] {
  return latencies.map((latencyMs) => ({ timestamp: new Date(from.getTime() + Math.floor(random() * spreadMs)), latencyMs, outcome }));
}
