import { builder } from "../builder.ts";
import { ModelTask } from "./BaseModel.ts";

builder.prismaObject("Dataset", {
  description: "Training data a fine-tuning job reads.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    description: t.exposeString("description"),
    task: t.expose("task", { type: ModelTask }),
    format: t.exposeString("format"),
    rowCount: t.exposeInt("rowCount"),
    sizeBytes: t.float({ resolve: (d) => Number(d.sizeBytes) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryFields((t) => ({
  datasets: t.prismaField({
    type: ["Dataset"],
    resolve: (query, _root, _args, ctx) => ctx.prisma.dataset.findMany({ ...query, orderBy: { name: "asc" } }),
  }),
}));
