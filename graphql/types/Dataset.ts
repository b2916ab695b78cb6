import { builder } from "../builder.ts";
import { ModelTask } from "./BaseModel.ts";

builder.prismaObject("Dataset", {
  description: "Training data a fine-tuning job reads.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    description: t.exposeString("description"),
    task: t.expose("task", { type: ModelTask, description: "The task its examples teach; a job's base model must be compatible with it." }),
    format: t.exposeString("format", { description: 'How the examples are laid out, e.g. "JSONL (question/schema/sql)".' }),
    rowCount: t.exposeInt("rowCount", { description: "How many examples it holds." }),
    sizeBytes: t.float({ description: "Its size on disk, in bytes.", resolve: (d) => Number(d.sizeBytes) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

builder.queryFields((t) => ({
  datasets: t.prismaField({
    type: ["Dataset"],
    resolve: (query, _root, _args, ctx) => ctx.prisma.dataset.findMany({ ...query, orderBy: { name: "asc" } }),
  }),
}));
