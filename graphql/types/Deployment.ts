import { builder } from "../builder.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { direction, pageArgs, pageWindow, SortDirection } from "./common.ts";
import { isUuid } from "./TrainingJob.ts";

export const DeploymentStatus = builder.enumType("DeploymentStatus", {
  values: ["DEPLOYING", "ACTIVE", "PAUSED", "FAILED", "RETIRED"] as const,
});

builder.prismaObject("DeploymentEvent", {
  description: "One lifecycle change of a deployment, for the model's version history.",
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    action: t.exposeString("action"),
    fromStatus: t.expose("fromStatus", { type: DeploymentStatus, nullable: true }),
    toStatus: t.expose("toStatus", { type: DeploymentStatus }),
    actor: t.exposeString("actor"),
    detail: t.exposeString("detail", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const DeploymentRef = builder.prismaObject("Deployment", {
  description: "A versioned model serving inference traffic.",
  fields: (t) => ({
    id: t.exposeID("id"),
    modelName: t.exposeString("modelName"),
    version: t.exposeString("version", { description: "Semantic version, generated per model name: v1.0.0, v1.1.0, …" }),
    status: t.expose("status", { type: DeploymentStatus }),
    endpointUrl: t.exposeString("endpointUrl"),
    deployedBy: t.exposeString("deployedBy"),
    failureReason: t.exposeString("failureReason", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was deployed." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    activatedAt: t.expose("activatedAt", { type: "DateTime", nullable: true }),
    retiredAt: t.expose("retiredAt", { type: "DateTime", nullable: true }),
    job: t.relation("job"),
    events: t.relation("events", { query: { orderBy: { id: "asc" } } }),
  }),
});

const DeploymentSortField = builder.enumType("DeploymentSortField", {
  values: ["MODEL_NAME", "DEPLOYED", "STATUS"] as const,
});

const DeploymentFilter = builder.inputType("DeploymentFilter", {
  fields: (t) => ({
    modelName: t.string({ required: false, description: "Matches part of the model name (case-insensitive)." }),
    status: t.field({ type: [DeploymentStatus], required: false }),
  }),
});

const DeploymentSort = builder.inputType("DeploymentSort", {
  fields: (t) => ({
    field: t.field({ type: DeploymentSortField, required: true }),
    direction: t.field({ type: SortDirection, required: false }),
  }),
});

interface DeploymentPageShape {
  where: Prisma.DeploymentWhereInput;
  orderBy: Prisma.DeploymentOrderByWithRelationInput[];
  take: number;
  skip: number;
}

const DeploymentPage = builder.objectRef<DeploymentPageShape>("DeploymentPage").implement({
  fields: (t) => ({
    nodes: t.prismaField({
      type: ["Deployment"],
      resolve: (query, page, _args, ctx) =>
        ctx.prisma.deployment.findMany({ ...query, where: page.where, orderBy: page.orderBy, take: page.take, skip: page.skip }),
    }),
    totalCount: t.int({ resolve: (page, _args, ctx) => ctx.prisma.deployment.count({ where: page.where }) }),
  }),
});

const sortColumns = { MODEL_NAME: "modelName", DEPLOYED: "createdAt", STATUS: "status" } as const;

builder.queryFields((t) => ({
  deployments: t.field({
    type: DeploymentPage,
    args: {
      filter: t.arg({ type: DeploymentFilter, required: false }),
      sort: t.arg({ type: DeploymentSort, required: false }),
      ...pageArgs,
    },
    resolve: (_root, args) => {
      const f = args.filter ?? {};
      const where: Prisma.DeploymentWhereInput = {
        ...(f.status?.length ? { status: { in: f.status } } : {}),
        ...(f.modelName?.trim() ? { modelName: { contains: f.modelName.trim(), mode: "insensitive" as const } } : {}),
      };
      const field = args.sort?.field ?? "DEPLOYED";
      const dir = direction(args.sort?.direction, field === "DEPLOYED" ? "desc" : "asc");
      return { where, orderBy: [{ [sortColumns[field]]: dir } as Prisma.DeploymentOrderByWithRelationInput, { id: "asc" as const }], ...pageWindow(args) };
    },
  }),
  deployment: t.prismaField({
    type: "Deployment",
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => {
      const id = String(args.id);
      if (!isUuid(id)) return null;
      return ctx.prisma.deployment.findUnique({ ...query, where: { id } });
    },
  }),
}));
