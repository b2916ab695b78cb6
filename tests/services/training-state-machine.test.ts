import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { InvalidStateError } from "../../graphql/errors.ts";
import { cancelTrainingJob, canTransition, retryTrainingJob, TRANSITIONS } from "../../graphql/services/training-jobs.ts";
import { claimTrainingJob } from "../../graphql/services/training-claims.ts";
import { completeTrainingJob, reportTrainingProgress } from "../../graphql/services/training-progress.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  // Only the jobs each test creates are in the queue.
  await t.db.prisma.trainingJob.updateMany({ where: { status: "QUEUED" }, data: { status: "CANCELLED" } });
});
afterAll(() => t.drop());

type Status = keyof typeof TRANSITIONS;
const STATUSES: Status[] = ["QUEUED", "RUNNING", "COMPLETE", "FAILED", "CANCELLED"];

async function jobIn(status: Status) {
  const now = new Date();
  return t.db.prisma.trainingJob.create({
    data: {
      modelName: `state-${status.toLowerCase()}`,
      status,
      baseModelId: "llama-3.2-1b-instruct",
      datasetId: "contract-clauses",
      epochs: 1,
      learningRate: 2e-4,
      batchSize: 16,
      loraRank: 8,
      warmupSteps: 10,
      seed: 1,
      totalSteps: 245,
      currentStep: status === "QUEUED" ? 0 : 100,
      createdBy: "test",
      startedAt: status === "QUEUED" ? null : now,
      finishedAt: ["COMPLETE", "FAILED", "CANCELLED"].includes(status) ? now : null,
      claimedBy: status === "QUEUED" ? null : "gpu-box-1",
      heartbeatAt: status === "QUEUED" ? null : now,
    },
  });
}

/** Each way the product changes a job's status, and the status it leads to. */
const ACTIONS: Array<{ name: string; to: Status; run: (id: string) => Promise<unknown> }> = [
  {
    name: "claim",
    to: "RUNNING",
    run: async (id) => {
      const job = await claimTrainingJob(t.db.prisma, { worker: "gpu-box-2" });
      // The claim takes the oldest queued job: it must be this one, or nothing.
      if (job?.id !== id) throw new InvalidStateError("not claimable");
      return job;
    },
  },
  { name: "cancel", to: "CANCELLED", run: (id) => cancelTrainingJob(t.db.prisma, { jobId: id, actor: "tester" }) },
  { name: "complete", to: "COMPLETE", run: (id) => completeTrainingJob(t.db.prisma, { jobId: id, outcome: "COMPLETE", message: "done" }) },
  { name: "fail", to: "FAILED", run: (id) => completeTrainingJob(t.db.prisma, { jobId: id, outcome: "FAILED", message: "CUDA out of memory" }) },
];

describe("the training job state machine", () => {
  test("the transition table is the product's: QUEUED → RUNNING → COMPLETE | FAILED | CANCELLED, cancel from QUEUED or RUNNING", () => {
    expect(TRANSITIONS).toEqual({
      QUEUED: ["RUNNING", "CANCELLED"],
      RUNNING: ["COMPLETE", "FAILED", "CANCELLED"],
      COMPLETE: [],
      FAILED: [],
      CANCELLED: [],
    });
  });

  for (const from of STATUSES) {
    for (const action of ACTIONS) {
      const legal = canTransition(from, action.to);
      test(`${action.name} from ${from} is ${legal ? "allowed" : "refused"}`, async () => {
        const job = await jobIn(from);
        const before = await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
        const outcome = await action.run(job.id).then(
          () => "ok",
          (err) => err,
        );
        const after = await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
        if (legal) {
          expect(outcome).toBe("ok");
          expect(after.status).toBe(action.to);
          if (action.to !== "RUNNING") expect(after.finishedAt).not.toBeNull();
        } else {
          expect(outcome).toBeInstanceOf(InvalidStateError);
          expect(after).toEqual(before);
        }
        // Leave nothing queued for the next claim.
        if (after.status === "QUEUED") await t.db.prisma.trainingJob.update({ where: { id: job.id }, data: { status: "CANCELLED" } });
      });
    }

    test(`progress reports ${from === "RUNNING" ? "are accepted" : "are refused"} while ${from}`, async () => {
      const job = await jobIn(from);
      const outcome = await reportTrainingProgress(t.db.prisma, { jobId: job.id, report: { step: 150, epoch: 0.6, trainLoss: 1.2, evalLoss: null, learningRate: 1e-4 } }).then(
        () => "ok",
        (err) => err,
      );
      if (from === "RUNNING") {
        expect(outcome).toBe("ok");
        expect((await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } })).currentStep).toBe(150);
      } else {
        expect(outcome).toBeInstanceOf(InvalidStateError);
        expect(await t.db.prisma.trainingMetricPoint.count({ where: { jobId: job.id } })).toBe(0);
      }
      if (from === "QUEUED") await t.db.prisma.trainingJob.update({ where: { id: job.id }, data: { status: "CANCELLED" } });
    });

    const retryable = from === "FAILED" || from === "CANCELLED";
    test(`retry from ${from} ${retryable ? "queues a linked copy" : "is refused"}`, async () => {
      const job = await jobIn(from);
      const outcome = await retryTrainingJob(t.db.prisma, { jobId: job.id, actor: "tester" }).then(
        (j) => j,
        (err) => err,
      );
      if (retryable) {
        expect(outcome).toMatchObject({ status: "QUEUED", retryOfId: job.id, modelName: job.modelName, loraRank: 8, seed: 1, currentStep: 0 });
        await t.db.prisma.trainingJob.update({ where: { id: outcome.id }, data: { status: "CANCELLED" } });
      } else {
        expect(outcome).toBeInstanceOf(InvalidStateError);
        expect(await t.db.prisma.trainingJob.count({ where: { retryOfId: job.id } })).toBe(0);
      }
      if (from === "QUEUED") await t.db.prisma.trainingJob.update({ where: { id: job.id }, data: { status: "CANCELLED" } });
    });
  }
});
