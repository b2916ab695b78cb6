import type { Db } from "../../graphql/db.ts";

/**
 * A COMPLETE training job of `modelName` written straight to the database (a one-epoch LoRA run of 10 steps),
 * on the given base model and dataset or else the catalog's first ones. What tests deploy from.
 */
export async function createCompleteJob(
  prisma: Db,
  modelName: string,
  options: { id?: string; baseModelId?: string; datasetId?: string } = {},
) {
  const baseModelId = options.baseModelId ?? (await prisma.baseModel.findFirstOrThrow({ select: { id: true } })).id;
  const datasetId = options.datasetId ?? (await prisma.dataset.findFirstOrThrow({ select: { id: true } })).id;
  const finishedAt = new Date();
  return prisma.trainingJob.create({
    data: {
      id: options.id,
      modelName,
      status: "COMPLETE",
      baseModelId,
      datasetId,
      epochs: 1,
      learningRate: 1e-4,
      batchSize: 8,
      loraRank: 8,
      warmupSteps: 0,
      seed: 1,
      totalSteps: 10,
      currentStep: 10,
      createdBy: "test",
      startedAt: finishedAt,
      finishedAt,
    },
  });
}
