import { builder } from "../builder.ts";
import type { Context } from "../context.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { loaderFor } from "../context.ts";
import { pageArgs, pageWindow, pageOf, type PageQuery } from "./common.ts";
import { isUuid } from "../ids.ts";
import { AUDIT_ORDER, auditActions, auditCursor, auditEventWhere } from "../services/audit-feed.ts";

/** A human name for an audit target ("support-assistant v1.1.0"), batched per request. */
function targetLabel(ctx: Context, type: string | null, id: string | null): Promise<string | undefined> | null {
  if (!type || !id || !isUuid(id)) return null;
  switch (type) {
    case "Deployment":
      return loaderFor(ctx, "deploymentLabel", async (ids) => {
        const rows = await ctx.prisma.deployment.findMany({ where: { id: { in: ids } }, select: { id: true, modelName: true, version: true } });
        return new Map(rows.map((r) => [r.id, `${r.modelName} ${r.version}`]));
      }).load(id);
    case "TrainingJob":
      return loaderFor(ctx, "jobLabel", async (ids) => {
        const rows = await ctx.prisma.trainingJob.findMany({ where: { id: { in: ids } }, select: { id: true, modelName: true } });
        return new Map(rows.map((r) => [r.id, r.modelName]));
      }).load(id);
    case "ApiToken":
      return loaderFor(ctx, "tokenLabel", async (ids) => {
        const rows = await ctx.prisma.apiToken.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } });
        return new Map(rows.map((r) => [r.id, r.name]));
      }).load(id);
    default:
      return null;
  }
}

const ActorKind = builder.enumType("ActorKind", { values: ["CONSOLE", "TOKEN", "SYSTEM"] as const });
const AuditOutcome = builder.enumType("AuditOutcome", { values: ["SUCCESS", "REFUSED", "ERROR"] as const });

builder.prismaObject("AuditEvent", {
  description: "One recorded mutation: who did what to which target, and how it ended.",
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    actor: t.exposeString("actor"),
    actorKind: t.expose("actorKind", { type: ActorKind }),
    action: t.exposeString("action"),
    targetType: t.exposeString("targetType", { nullable: true }),
    targetId: t.exposeString("targetId", { nullable: true }),
    targetLabel: t.string({
      nullable: true,
      description: "A readable name for the target, e.g. \"support-assistant v1.1.0\".",
      resolve: async (e, _args, ctx) => (await targetLabel(ctx, e.targetType, e.targetId)) ?? null,
    }),
    outcome: t.expose("outcome", { type: AuditOutcome }),
    errorCode: t.exposeString("errorCode", { nullable: true }),
    reason: t.string({
      nullable: true,
      description: "Why a refused attempt was refused, e.g. `API token \"ci\" has been revoked`.",
      select: { detail: true },
      resolve: (event) => {
        const detail = event.detail as { reason?: unknown } | null;
        return detail && typeof detail.reason === "string" ? detail.reason : null;
      },
    }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    cursor: t.string({
      description: "Pass as `before` to read the events older than this one (keyset paging).",
      select: { createdAt: true },
      resolve: (e) => auditCursor(e),
    }),
  }),
});

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

const AuditEventPage = pageOf<PageQuery<Prisma.AuditEventWhereInput>>({
  name: "AuditEventPage",
  model: "AuditEvent",
  delegate: (prisma) => prisma.auditEvent,
  defaultOrder: AUDIT_ORDER,
  fields: (t) => ({
    actions: t.stringList({
      description: "Every action recorded so far (for filter menus).",
      resolve: (_page, _args, ctx) => auditActions(ctx.prisma),
    }),
  }),
});

builder.queryFields((t) => ({
  auditEvents: t.field({
    type: AuditEventPage,
    description: "The audit trail: every mutation through the console or the API, newest first.",
    args: {
      filter: t.arg({ type: AuditEventFilter, required: false }),
      before: t.arg.string({ required: false, description: "Keyset paging: only events older than this `cursor` (then `offset` is usually 0)." }),
      ...pageArgs,
    },
    resolve: (_root, args) => {
      const f = args.filter ?? {};
      return { where: auditEventWhere({ ...f, targetId: f.targetId == null ? null : String(f.targetId) }, args.before), ...pageWindow(args) };
    },
  }),
}));
