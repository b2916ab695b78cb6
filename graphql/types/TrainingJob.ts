import { builder } from "../builder.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { runMutation } from "../audit.ts";
import { ForbiddenError, InvalidStateError, NotFoundError } from "../errors.ts";
import { cancelTrainingJob } from "../services/training.ts";
import { direction, pageArgs, pageWindow, SortDirection } from "./common.ts";

export const TrainingJobStatus = builder.enumType("TrainingJobStatus", {
  values: ["QUEUED", "RUNNING", "COMPLETE", "FAILED", "CANCELLED"] as const,
});

const EventLevel = builder.enumType("EventLevel", { values: ["DEBUG", "INFO", "WARN", "ERROR"] as const });

builder.prismaObject("TrainingMetricPoint", {
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
    retryOf: t.relation("retryOf", { nullable: true }),
    metricPoints: t.relation("metricPoints", { query: { orderBy: { step: "asc" } } }),
    events: t.relation("events", { query: { orderBy: { id: "asc" } } }),
    deployments: t.relation("deployments", { query: { orderBy: { createdAt: "desc" } } }),
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
  }),
});

const TrainingJobSort = builder.inputType("TrainingJobSort", {
  fields: (t) => ({
    field: t.field({ type: TrainingJobSortField, required: true }),
    direction: t.field({ type: SortDirection, required: false }),
  }),
});

interface TrainingJobPageShape {
  where: Prisma.TrainingJobWhereInput;
  orderBy: Prisma.TrainingJobOrderByWithRelationInput[];
  take: number;
  skip: number;
}

const TrainingJobPage = builder.objectRef<TrainingJobPageShape>("TrainingJobPage").implement({
  fields: (t) => ({
    nodes: t.prismaField({
      type: ["TrainingJob"],
      resolve: (query, page, _args, ctx) =>
        ctx.prisma.trainingJob.findMany({ ...query, where: page.where, orderBy: page.orderBy, take: page.take, skip: page.skip }),
    }),
    totalCount: t.int({ resolve: (page, _args, ctx) => ctx.prisma.trainingJob.count({ where: page.where }) }),
  }),
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
      const where: Prisma.TrainingJobWhereInput = {
        ...(f.status?.length ? { status: { in: f.status } } : {}),
        ...(f.baseModelId ? { baseModelId: String(f.baseModelId) } : {}),
        ...(f.search?.trim() ? { modelName: { contains: f.search.trim(), mode: "insensitive" as const } } : {}),
      };
      const field = args.sort?.field ?? "CREATED";
      const dir = direction(args.sort?.direction, field === "CREATED" ? "desc" : "asc");
      return { where, orderBy: [{ [sortColumns[field]]: dir } as Prisma.TrainingJobOrderByWithRelationInput, { id: "asc" as const }], ...pageWindow(args) };
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

export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

builder.mutationField("cancelTrainingJob", (t) =>
  t.field({
    type: TrainingJobRef,
    description: "Cancels a QUEUED or RUNNING job (scope: train).",
    errors: { types: [NotFoundError, InvalidStateError, ForbiddenError], dataField: { name: "job" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      runMutation(ctx, { action: "cancelTrainingJob", scope: "train", targetType: "TrainingJob", targetId: String(args.id) }, () =>
        cancelTrainingJob(ctx.prisma, String(args.id), ctx.actor.name),
      ),
  }),
);
