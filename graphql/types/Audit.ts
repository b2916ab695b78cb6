import type { EnumRef } from "@pothos/core";
import { builder } from "../builder.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { pageArgs, pageWindow } from "./common.ts";

// The AuditEvent object and its enums are defined with the dashboard (types/Dashboard.ts); filters refer to the enum by name.
const AuditOutcome = "AuditOutcome" as unknown as EnumRef<never, "SUCCESS" | "REFUSED" | "ERROR">;

builder.prismaObjectField("AuditEvent", "reason", (t) =>
  t.string({
    nullable: true,
    description: "Why a refused attempt was refused, e.g. `API token \"ci\" has been revoked`.",
    select: { detail: true },
    resolve: (event) => {
      const detail = event.detail as { reason?: unknown } | null;
      return detail && typeof detail.reason === "string" ? detail.reason : null;
    },
  }),
);

const AuditEventFilter = builder.inputType("AuditEventFilter", {
  fields: (t) => ({
    actor: t.string({ required: false, description: "Matches part of the actor: `console`, a token name, `anonymous` (case-insensitive)." }),
    action: t.string({ required: false, description: "The mutation name, e.g. `deployJob`." }),
    targetType: t.string({ required: false, description: "e.g. `Deployment`, `TrainingJob`, `ApiToken`." }),
    targetId: t.id({ required: false }),
    outcome: t.field({ type: AuditOutcome, required: false }),
    since: t.field({ type: "DateTime", required: false }),
  }),
});

interface AuditEventPageShape {
  where: Prisma.AuditEventWhereInput;
  take: number;
  skip: number;
}

const AuditEventPage = builder.objectRef<AuditEventPageShape>("AuditEventPage").implement({
  fields: (t) => ({
    nodes: t.prismaField({
      type: ["AuditEvent"],
      resolve: (query, page, _args, ctx) =>
        ctx.prisma.auditEvent.findMany({ ...query, where: page.where, orderBy: [{ createdAt: "desc" }, { id: "desc" }], take: page.take, skip: page.skip }),
    }),
    totalCount: t.int({ resolve: (page, _args, ctx) => ctx.prisma.auditEvent.count({ where: page.where }) }),
    actions: t.stringList({
      description: "Every action recorded so far (for filter menus).",
      resolve: async (_page, _args, ctx) =>
        (await ctx.prisma.auditEvent.findMany({ distinct: ["action"], select: { action: true }, orderBy: { action: "asc" } })).map((r) => r.action),
    }),
  }),
});

builder.queryFields((t) => ({
  auditEvents: t.field({
    type: AuditEventPage,
    description: "The audit trail: every mutation through the console or the API, newest first.",
    args: { filter: t.arg({ type: AuditEventFilter, required: false }), ...pageArgs },
    resolve: (_root, args) => {
      const f = args.filter ?? {};
      const where: Prisma.AuditEventWhereInput = {
        ...(f.actor?.trim() ? { actor: { contains: f.actor.trim(), mode: "insensitive" as const } } : {}),
        ...(f.action?.trim() ? { action: f.action.trim() } : {}),
        ...(f.targetType?.trim() ? { targetType: f.targetType.trim() } : {}),
        ...(f.targetId ? { targetId: String(f.targetId) } : {}),
        ...(f.outcome ? { outcome: f.outcome } : {}),
        ...(f.since ? { createdAt: { gte: f.since } } : {}),
      };
      return { where, ...pageWindow(args) };
    },
  }),
}));
