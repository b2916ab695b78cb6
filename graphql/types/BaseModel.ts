import { builder } from "../builder.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { direction, pageArgs, pageWindow, SortDirection, pageOf, type PageQuery } from "./common.ts";
import { likeLiteral } from "../services/like.ts";

export const ModelTask = builder.enumType("ModelTask", {
  values: ["TEXT_GENERATION", "CODE_GENERATION", "EMBEDDING", "SPEECH_RECOGNITION", "IMAGE_TEXT"] as const,
});

export const BaseModelRef = builder.prismaObject("BaseModel", {
  description: "An open-weight model that fine-tuning jobs start from.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    family: t.exposeString("family"),
    organization: t.exposeString("organization"),
    parametersBillions: t.exposeFloat("parametersBillions"),
    contextLength: t.exposeInt("contextLength", { description: "Maximum context length in tokens." }),
    license: t.exposeString("license"),
    task: t.expose("task", { type: ModelTask }),
    huggingFaceId: t.exposeString("huggingFaceId"),
    description: t.exposeString("description"),
    releasedOn: t.expose("releasedOn", { type: "DateTime" }),
    trainingJobs: t.relation("trainingJobs", { query: { orderBy: { createdAt: "desc" } } }),
  }),
});

const BaseModelSortField = builder.enumType("BaseModelSortField", {
  values: ["NAME", "PARAMETERS", "CONTEXT_LENGTH", "RELEASED"] as const,
});

const BaseModelFilter = builder.inputType("BaseModelFilter", {
  fields: (t) => ({
    search: t.string({ required: false, description: "Matches name, family or organization (case-insensitive)." }),
    task: t.field({ type: ModelTask, required: false }),
    family: t.string({ required: false }),
    license: t.string({ required: false }),
  }),
});

const BaseModelSort = builder.inputType("BaseModelSort", {
  fields: (t) => ({
    field: t.field({ type: BaseModelSortField, required: true }),
    direction: t.field({ type: SortDirection, required: false }),
  }),
});

const BaseModelPage = pageOf<PageQuery<Prisma.BaseModelWhereInput, Prisma.BaseModelOrderByWithRelationInput>>({
  name: "BaseModelPage",
  model: "BaseModel",
  delegate: (prisma) => prisma.baseModel,
  defaultOrder: [{ id: "asc" }],
});

const sortColumns = {
  NAME: "name",
  PARAMETERS: "parametersBillions",
  CONTEXT_LENGTH: "contextLength",
  RELEASED: "releasedOn",
} as const;

builder.queryFields((t) => ({
  baseModels: t.field({
    type: BaseModelPage,
    args: {
      filter: t.arg({ type: BaseModelFilter, required: false }),
      sort: t.arg({ type: BaseModelSort, required: false }),
      ...pageArgs,
    },
    resolve: (_root, args) => {
      const f = args.filter ?? {};
      const where: Prisma.BaseModelWhereInput = {
        ...(f.task ? { task: f.task } : {}),
        ...(f.family ? { family: f.family } : {}),
        ...(f.license ? { license: f.license } : {}),
        ...(f.search?.trim()
          ? {
              OR: (["name", "family", "organization"] as const).map((col) => ({
                [col]: { contains: likeLiteral(f.search!.trim()), mode: "insensitive" as const },
              })),
            }
          : {}),
      };
      const column = sortColumns[args.sort?.field ?? "NAME"];
      return {
        where,
        orderBy: [{ [column]: direction(args.sort?.direction) } as Prisma.BaseModelOrderByWithRelationInput, { id: "asc" as const }],
        ...pageWindow(args),
      };
    },
  }),
  baseModel: t.prismaField({
    type: "BaseModel",
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => ctx.prisma.baseModel.findUnique({ ...query, where: { id: String(args.id) } }),
  }),
}));
