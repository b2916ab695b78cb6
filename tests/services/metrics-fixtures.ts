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

/** The integration endpoints (OTLP, events, /metrics) on a real HTTP server at a free port. */
export async function serveIntegrations(db: import("../../graphql/db.ts").Database) {
  const { createServer } = await import("node:http");
  const { default: express } = await import("express");
  const { mountIntegrations } = await import("../../cli/integrations.ts");
  const app = express();
  mountIntegrations(app, db);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as import("node:net").AddressInfo;
  return { base: `http://127.0.0.1:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** PostgreSQL's percentile_cont: linear interpolation at rank q·(n−1). */
export function percentileCont(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  const rank = q * (s.length - 1);
  const lo = Math.floor(rank);
  return s[lo]! + (rank - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
}
