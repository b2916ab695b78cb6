import { randomUUID } from "node:crypto";
import type { PrismaClient } from "../../graphql/db.ts";
import type { InferenceEventInput, InferenceOutcome } from "../../graphql/validation/inference.ts";
import { createCompleteJob } from "../setup/jobs.ts";
export { gaussian, logNormal, seededRandom as rng } from "../../graphql/services/random.ts";

/** A deployment of its own (with the COMPLETE job it needs), so each test reads only its own traffic. */
export async function createDeployment(prisma: PrismaClient, status: "ACTIVE" | "PAUSED" | "RETIRED" = "ACTIVE", modelName = `metrics-${randomUUID().slice(0, 8)}`) {
  const job = await createCompleteJob(prisma, modelName);
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

/** PostgreSQL's percentile_cont: linear interpolation at rank q·(n−1). */
export function percentileCont(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = q * (s.length - 1);
  const lo = Math.floor(rank);
  return s[lo]! + (rank - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
}
