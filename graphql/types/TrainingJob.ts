import { isUuid } from "../ids.ts";
import { builder } from "../builder.ts";
import { ArtifactFormat, EvalMetricRef, evalMetricList } from "./Artifact.ts";
import { TrainerKind } from "./Trainer.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { runMutation } from "../audit.ts";
import { ForbiddenError, InvalidStateError, NotFoundError, ValidationError } from "../errors.ts";
import { loaderFor } from "../context.ts";
import { liveDeploymentIdsByJob } from "../services/deployments.ts";
import { JOB_ACTIONS, jobActions, cancelTrainingJob, createTrainingJob, retryTrainingJob } from "../services/training-jobs.ts";
import { claimTrainingJobForTrainer } from "../services/training-claims.ts";
import { completeTrainingJobForTrainer, reportTrainingProgress } from "../services/training-progress.ts";
import {
  estimateRemainingSeconds,
  jobIdsByProgress,
  sampledCurve,
  trainerKind,
  trainingEstimate,
  trainingJobWhere,
  type TrainingEstimate as TrainingEstimateShape,
  type TrainingJobFilter as TrainingJobFilterShape,
} from "../services/training-queries.ts";
import { direction, pageArgs, pageWindow, SortDirection, pageOf, type PageQuery } from "./common.ts";

export const TrainingJobStatus = builder.enumType("TrainingJobStatus", {
  values: ["QUEUED", "RUNNING", "COMPLETE", "FAILED", "CANCELLED"] as const,
});

export const TrainingJobAction = builder.enumType("TrainingJobAction", {
  description: "A mutation on a job: CANCEL (cancelTrainingJob), RETRY (retryTrainingJob), DEPLOY (deploy).",
  values: JOB_ACTIONS,
});

/** Each job of a page asks in the same tick: one query for the live deployments of all of them. */
const liveDeploymentLoader = (ctx: { prisma: Parameters<typeof liveDeploymentIdsByJob>[0] }) =>
  loaderFor<string>(ctx, "liveDeploymentByJob", (ids) => liveDeploymentIdsByJob(ctx.prisma, ids));

const EventLevel = builder.enumType("EventLevel", { values: ["DEBUG", "INFO", "WARN", "ERROR"] as const });

const TrainingMetricPointRef = builder.prismaObject("TrainingMetricPoint", {
  fields: (t) => ({
    step: t.exposeInt("step"),
    epoch: t.exposeFloat("epoch"),
    trainLoss: t.exposeFloat("trainLoss"),
    evalLoss: t.exposeFloat("evalLoss", { nullable: true }),
    learningRate: t.exposeFloat("learningRate"),
    recordedAt: t.expose("recordedAt", { type: "DateTime" }),
  }),
});

builder.prismaObject("TrainingEvent", {
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    level: t.expose("level", { type: EventLevel }),
    message: t.exposeString("message"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const TrainingJobRef = builder.prismaObject("TrainingJob", {
  description: "A fine-tuning run of a base model on a dataset.",
  fields: (t) => ({
    id: t.exposeID("id"),
    modelName: t.exposeString("modelName", { description: "The name deployments of this job are versioned under." }),
    status: t.expose("status", { type: TrainingJobStatus }),
    baseModel: t.relation("baseModel"),
    dataset: t.relation("dataset"),
    epochs: t.exposeInt("epochs"),
    learningRate: t.exposeFloat("learningRate"),
    batchSize: t.exposeInt("batchSize"),
    loraRank: t.exposeInt("loraRank"),
    warmupSteps: t.exposeInt("warmupSteps"),
    seed: t.exposeInt("seed"),
    totalSteps: t.exposeInt("totalSteps"),
    currentStep: t.exposeInt("currentStep"),
    currentEpoch: t.exposeFloat("currentEpoch"),
    progress: t.float({
      description: "Fraction of steps done, 0 to 1.",
      select: { currentStep: true, totalSteps: true, status: true },
      resolve: (j) => (j.status === "COMPLETE" ? 1 : j.currentStep / j.totalSteps),
    }),
    trainLoss: t.exposeFloat("trainLoss", { nullable: true }),
    evalLoss: t.exposeFloat("evalLoss", { nullable: true }),
    errorMessage: t.exposeString("errorMessage", { nullable: true }),
    createdBy: t.exposeString("createdBy"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    startedAt: t.expose("startedAt", { type: "DateTime", nullable: true }),
    finishedAt: t.expose("finishedAt", { type: "DateTime", nullable: true }),
    durationSeconds: t.float({
      nullable: true,
      description: "Seconds from start to finish, or to now while running.",
      select: { startedAt: true, finishedAt: true },
      resolve: (j) => (j.startedAt ? ((j.finishedAt ?? new Date()).getTime() - j.startedAt.getTime()) / 1000 : null),
    }),
    etaSeconds: t.float({
      nullable: true,
      description: "Estimated seconds to completion from the recent pace of progress reports; null unless running.",
      select: { status: true, currentStep: true, totalSteps: true },
      resolve: (j, _args, ctx) => (j.status === "RUNNING" ? estimateRemainingSeconds(ctx.prisma, j) : null),
    }),
    claimedBy: t.exposeString("claimedBy", { nullable: true, description: "The executor or external trainer running the job." }),
    trainer: t.field({
      type: TrainerKind,
      nullable: true,
      description: "SIMULATED when the built-in simulated trainer ran the job (synthetic curve, placeholder artifact), REAL for an external trainer; null until claimed.",
      select: { claimedBy: true },
      resolve: (j) => trainerKind(j.claimedBy),
    }),
    heartbeatAt: t.expose("heartbeatAt", { type: "DateTime", nullable: true, description: "The last sign of life from its trainer." }),
    retryOf: t.relation("retryOf", { nullable: true }),
    retries: t.relation("retries", { query: { orderBy: { createdAt: "desc" } } }),
    metricPoints: t.relation("metricPoints", { query: { orderBy: { step: "asc" } } }),
    curve: t.field({
      type: [TrainingMetricPointRef],
      description:
        "The metric points thinned to about `maxPoints` evenly spaced train points (plus as many eval points), always keeping the first and last: for charts of long runs.",
      args: { maxPoints: t.arg.int({ required: false, defaultValue: 500 }) },
      select: { id: true },
      resolve: (j, args, ctx) => sampledCurve(ctx.prisma, { jobId: j.id, maxPoints: Math.min(Math.max(args.maxPoints ?? 500, 2), 5000) }),
    }),
    events: t.relation("events", { query: { orderBy: { id: "asc" } } }),
    deployments: t.relation("deployments", { query: { orderBy: { createdAt: "desc" } } }),
    artifact: t.relation("artifact", { nullable: true, description: "What the job produced; set when it completes." }),
    liveDeployment: t.prismaField({
      type: "Deployment",
      nullable: true,
      description: "The job's DEPLOYING or ACTIVE deployment, if it has one (a job has at most one).",
      select: { id: true },
      resolve: async (query, j, _args, ctx) => {
        const id = await liveDeploymentLoader(ctx).load(j.id);
        return id ? ctx.prisma.deployment.findUnique({ ...query, where: { id } }) : null;
      },
    }),
    availableActions: t.field({
      type: [TrainingJobAction],
      description:
        "The mutations this job accepts now, from the same tables the mutations check: DEPLOY only for a completed job without a live deployment. Clients offer these and nothing else.",
      select: { id: true, status: true },
      resolve: async (j, _args, ctx) => jobActions(j.status, (await liveDeploymentLoader(ctx).load(j.id)) !== undefined),
    }),
    evalMetrics: t.field({
      type: [EvalMetricRef],
      description: "Evaluation metrics recorded with the artifact (empty until the job completes with some).",
      select: { artifact: { select: { evalMetrics: true } } },
      resolve: (j) => evalMetricList(j.artifact?.evalMetrics),
    }),
  }),
});

const TrainingJobSortField = builder.enumType("TrainingJobSortField", {
  values: ["CREATED", "MODEL_NAME", "STATUS", "PROGRESS"] as const,
});

const TrainingJobFilter = builder.inputType("TrainingJobFilter", {
  fields: (t) => ({
    search: t.string({ required: false, description: "Matches the model name (case-insensitive)." }),
    status: t.field({ type: [TrainingJobStatus], required: false }),
    baseModelId: t.id({ required: false }),
    trainer: t.field({ type: TrainerKind, required: false, description: "Only jobs run by the simulated trainer, or only real ones." }),
  }),
});

const TrainingJobSort = builder.inputType("TrainingJobSort", {
  fields: (t) => ({
    field: t.field({ type: TrainingJobSortField, required: true }),
    direction: t.field({ type: SortDirection, required: false }),
  }),
});

interface TrainingJobPageQuery extends PageQuery<Prisma.TrainingJobWhereInput, Prisma.TrainingJobOrderByWithRelationInput> {
  /** Progress is a ratio (and 1 once COMPLETE): ordered by an SQL expression Prisma's orderBy cannot express. */
  progress?: { filter: TrainingJobFilterShape; direction: "asc" | "desc" };
}

const TrainingJobPage = pageOf<TrainingJobPageQuery>({
  name: "TrainingJobPage",
  model: "TrainingJob",
  delegate: (prisma) => prisma.trainingJob,
  defaultOrder: [{ createdAt: "desc" }, { id: "asc" }],
  statusCounted: "TrainingJob",
  nodes: async (query, page, ctx) => {
    if (!page.progress) {
      return ctx.prisma.trainingJob.findMany({ ...query, where: page.where, orderBy: page.orderBy, take: page.take, skip: page.skip });
    }
    const ids = await jobIdsByProgress(ctx.prisma, { ...page.progress, take: page.take, skip: page.skip });
    const jobs = await ctx.prisma.trainingJob.findMany({ ...query, where: { id: { in: ids } } });
    return ids.map((id) => jobs.find((j) => j.id === id)!).filter(Boolean);
  },
});

const sortColumns = {
  CREATED: "createdAt",
  MODEL_NAME: "modelName",
  STATUS: "status",
  PROGRESS: "currentStep",
} as const;

builder.queryFields((t) => ({
  trainingJobs: t.field({
    type: TrainingJobPage,
    args: {
      filter: t.arg({ type: TrainingJobFilter, required: false }),
      sort: t.arg({ type: TrainingJobSort, required: false }),
      ...pageArgs,
    },
    resolve: (_root, args) => {
      const f = args.filter ?? {};
      const where = trainingJobWhere(f);
      const field = args.sort?.field ?? "CREATED";
      const dir = direction(args.sort?.direction, field === "CREATED" ? "desc" : "asc");
      return {
        where,
        orderBy: [{ [sortColumns[field]]: dir } as Prisma.TrainingJobOrderByWithRelationInput, { id: "asc" as const }],
        ...pageWindow(args),
        ...(field === "PROGRESS" ? { progress: { filter: f, direction: dir } } : {}),
      };
    },
  }),
  trainingJob: t.prismaField({
    type: "TrainingJob",
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => {
      const id = String(args.id);
      if (!isUuid(id)) return null;
      return ctx.prisma.trainingJob.findUnique({ ...query, where: { id } });
    },
  }),
}));

builder.mutationField("cancelTrainingJob", (t) =>
  t.field({
    type: TrainingJobRef,
    description: "Cancels a QUEUED or RUNNING job (scope: train).",
    errors: { types: [NotFoundError, InvalidStateError, ForbiddenError], dataField: { name: "job" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      runMutation(ctx, { action: "cancelTrainingJob", scope: "train", targetType: "TrainingJob", targetId: String(args.id) }, () =>
        cancelTrainingJob(ctx.prisma, { jobId: String(args.id), actor: ctx.actor.name }),
      ),
  }),
);

const CreateTrainingJobInput = builder.inputType("CreateTrainingJobInput", {
  description: "A fine-tuning configuration. Omitted hyper-parameters take their defaults.",
  fields: (t) => ({
    baseModelId: t.id({ required: true }),
    datasetId: t.id({ required: true }),
    modelName: t.string({ required: true, description: "Lowercase slug (e.g. support-assistant); deployments are versioned under it." }),
    epochs: t.int({ required: false, description: "1–20, default 3." }),
    learningRate: t.float({ required: false, description: "Peak learning rate, 1e-7 to 1e-2, default 2e-4." }),
    batchSize: t.int({ required: false, description: "1–512, default 16." }),
    loraRank: t.int({ required: false, description: "1–256, default 16." }),
    warmupSteps: t.int({ required: false, description: "0–10000 and fewer than the total steps, default 100." }),
    seed: t.int({ required: false, description: "Default 42." }),
  }),
});

const withoutNulls = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

builder.mutationField("createTrainingJob", (t) =>
  t.field({
    type: TrainingJobRef,
    description: "Queues a fine-tuning job (scope: train). Invalid input is a VALIDATION error listing the fields.",
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: "job" } },
    args: { input: t.arg({ type: CreateTrainingJobInput, required: true }) },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        { action: "createTrainingJob", scope: "train", targetType: "TrainingJob" },
        () => createTrainingJob(ctx.prisma, { input: withoutNulls(args.input), actor: ctx.actor.name }),
        (job) => ({ targetId: job.id }),
      ),
  }),
);

builder.mutationField("retryTrainingJob", (t) =>
  t.field({
    type: TrainingJobRef,
    description: "Queues a new job with the configuration of a FAILED or CANCELLED one, linked through retryOf (scope: train).",
    errors: { types: [NotFoundError, InvalidStateError, ValidationError, ForbiddenError], dataField: { name: "job" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        { action: "retryTrainingJob", scope: "train", targetType: "TrainingJob", targetId: String(args.id) },
        () => retryTrainingJob(ctx.prisma, { jobId: String(args.id), actor: ctx.actor.name }),
        (job) => ({ targetId: job.id, detail: { retryOf: String(args.id) } }),
      ),
  }),
);

const TrainingJobClaim = builder.objectRef<{ job: { id: string } | null }>("TrainingJobClaim").implement({
  fields: (t) => ({
    job: t.prismaField({
      type: "TrainingJob",
      nullable: true,
      description: "The job now RUNNING for this trainer, or null when the queue is empty.",
      resolve: (query, claim, _args, ctx) => (claim.job ? ctx.prisma.trainingJob.findUnique({ ...query, where: { id: claim.job.id } }) : null),
    }),
  }),
});

builder.mutationField("claimTrainingJob", (t) =>
  t.field({
    type: TrainingJobClaim,
    description:
      "For external trainers (scope: train): takes the oldest QUEUED job and marks it RUNNING for `workerName`. Safe to call from many trainers at once.",
    errors: { types: [ValidationError, ForbiddenError], dataField: { name: "claim" } },
    args: {
      workerName: t.arg.string({ required: true, description: "Who runs the job, e.g. gpu-box-3; shown on the monitor." }),
      baseModelIds: t.arg.idList({
        required: false,
        description: "Only claim jobs for these base models (the ones this trainer can run); omit to take any.",
      }),
    },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        { action: "claimTrainingJob", scope: "train", targetType: "TrainingJob", detail: { workerName: args.workerName } },
        async () => ({ job: await claimTrainingJobForTrainer(ctx.prisma, { worker: args.workerName, baseModelIds: args.baseModelIds?.map(String) ?? null }) }),
        (claim) => ({ targetId: claim.job?.id }),
      ),
  }),
);

builder.mutationField("reportTrainingProgress", (t) =>
  t.field({
    type: TrainingJobRef,
    description:
      "For external trainers (scope: train): records one step of a RUNNING job. Idempotent by (job, step): late or repeated steps are fine. A finished or cancelled job answers INVALID_STATE: stop training.",
    errors: { types: [NotFoundError, InvalidStateError, ValidationError, ForbiddenError], dataField: { name: "job" } },
    args: {
      jobId: t.arg.id({ required: true }),
      step: t.arg.int({ required: true }),
      epoch: t.arg.float({ required: true }),
      trainLoss: t.arg.float({ required: true }),
      evalLoss: t.arg.float({ required: false }),
      learningRate: t.arg.float({ required: true }),
      workerName: t.arg.string({ required: false, description: "The trainer's name as it claimed the job: a report from anyone else is INVALID_STATE." }),
    },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        { action: "reportTrainingProgress", scope: "train", targetType: "TrainingJob", targetId: String(args.jobId) },
        () =>
          reportTrainingProgress(ctx.prisma, {
            jobId: String(args.jobId),
            report: { step: args.step, epoch: args.epoch, trainLoss: args.trainLoss, evalLoss: args.evalLoss ?? null, learningRate: args.learningRate },
            worker: args.workerName,
          }),
      ),
  }),
);

const TrainingOutcome = builder.enumType("TrainingOutcome", { values: ["COMPLETE", "FAILED"] as const });

const ArtifactInputRef = builder.inputType("ArtifactInput", {
  description: "What a trainer produced: where the weights are, their format, exact size and sha256.",
  fields: (t) => ({
    uri: t.string({ required: true, description: "Absolute URI: file:///abs/path, s3://, gs://, hf://, https://." }),
    format: t.field({ type: ArtifactFormat, required: true }),
    sizeBytes: t.float({ required: true, description: "Exact size in bytes (a whole number)." }),
    sha256: t.string({ required: true, description: "Hex sha256 of the bytes (64 characters)." }),
  }),
});

const EvalMetricInputRef = builder.inputType("EvalMetricInput", {
  fields: (t) => ({
    name: t.string({ required: true, description: "e.g. eval_loss, accuracy." }),
    value: t.float({ required: true }),
  }),
});

builder.mutationField("completeTrainingJob", (t) =>
  t.field({
    type: TrainingJobRef,
    description:
      "For external trainers (scope: train): ends a RUNNING job as COMPLETE (with the artifact it produced, required) or FAILED (with a message). Bad artifact fields are a VALIDATION error and change nothing.",
    errors: { types: [NotFoundError, InvalidStateError, ValidationError, ForbiddenError], dataField: { name: "job" } },
    args: {
      jobId: t.arg.id({ required: true }),
      outcome: t.arg({ type: TrainingOutcome, required: true }),
      message: t.arg.string({ required: false }),
      artifact: t.arg({ type: ArtifactInputRef, required: false, description: "Required when outcome is COMPLETE." }),
      evalMetrics: t.arg({ type: [EvalMetricInputRef], required: false, description: "Final evaluation figures stored with the artifact." }),
      workerName: t.arg.string({ required: false, description: "The trainer's name as it claimed the job: anyone else gets INVALID_STATE." }),
    },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        { action: "completeTrainingJob", scope: "train", targetType: "TrainingJob", targetId: String(args.jobId), detail: { outcome: args.outcome } },
        () =>
          completeTrainingJobForTrainer(ctx.prisma, {
            jobId: String(args.jobId),
            outcome: args.outcome,
            message: args.message,
            artifact: args.artifact ?? null,
            evalMetrics: args.evalMetrics ?? null,
            worker: args.workerName,
          }),
      ),
  }),
);

const TrainingEstimate = builder.objectRef<TrainingEstimateShape>("TrainingEstimate").implement({
  description: "How long a configuration would train on this installation.",
  fields: (t) => ({
    totalSteps: t.exposeInt("totalSteps"),
    stepsPerEpoch: t.exposeInt("stepsPerEpoch"),
    estimatedSeconds: t.exposeFloat("estimatedSeconds", {
      nullable: true,
      description: "At the built-in executor's configured step time; null when it is switched off (external trainers set their own pace).",
    }),
  }),
});

builder.queryField("trainingEstimate", (t) =>
  t.field({
    type: TrainingEstimate,
    nullable: true,
    description: "Steps and duration a job would take; null for an unknown dataset or out-of-range numbers.",
    args: {
      datasetId: t.arg.id({ required: true }),
      batchSize: t.arg.int({ required: true }),
      epochs: t.arg.int({ required: true }),
    },
    resolve: (_root, args, ctx) =>
      trainingEstimate(ctx.prisma, { datasetId: String(args.datasetId), batchSize: args.batchSize, epochs: args.epochs, config: ctx.config }),
  }),
);
