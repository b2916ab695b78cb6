import type { PrismaClient } from "../db.ts";
import { InvalidStateError, NotFoundError } from "../errors.ts";
import { isUuid } from "../types/TrainingJob.ts";

/**
 * Cancels a QUEUED or RUNNING job. The row is locked for the check and the
 * write, so a cancel racing the executor's completion cannot both win; a
 * running executor notices the new status within one step.
 */
export async function cancelTrainingJob(prisma: PrismaClient, jobId: string, actorName: string) {
  if (!isUuid(jobId)) throw new NotFoundError("Training job", jobId);
  return prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ status: string }>>`
      SELECT status::text AS status FROM "TrainingJob" WHERE id = ${jobId}::uuid FOR UPDATE`;
    const job = rows[0];
    if (!job) throw new NotFoundError("Training job", jobId);
    if (job.status !== "QUEUED" && job.status !== "RUNNING") {
      throw new InvalidStateError(`Only queued or running jobs can be cancelled; this job is ${job.status.toLowerCase()}`);
    }
    await tx.trainingEvent.create({ data: { jobId, level: "WARN", message: `Cancelled by ${actorName}` } });
    return tx.trainingJob.update({
      where: { id: jobId },
      data: { status: "CANCELLED", finishedAt: new Date(), errorMessage: `Cancelled by ${actorName}` },
    });
  });
}
