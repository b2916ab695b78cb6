import { uuidOrNothing } from "../ids.ts";
import { builder } from "../builder.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { authorize, runMutation } from "../audit.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { pageArgs, pageWindow, pageOf, type PageQuery } from "./common.ts";
import { createNotificationChannel, deleteNotificationChannel, testNotificationChannel } from "../services/notifications.ts";


const NotificationChannelKind = builder.enumType("NotificationChannelKind", {
  description: "WEBHOOK: the generic JSON body. SLACK: a Slack-compatible incoming-webhook message.",
  values: ["WEBHOOK", "SLACK"] as const,
});
const NotificationEvent = builder.enumType("NotificationEvent", { values: ["FIRING", "RESOLVED", "TEST"] as const });
const DeliveryStatus = builder.enumType("DeliveryStatus", {
  description: "PENDING: not yet accepted (retried with backoff); DELIVERED: answered 2xx; FAILED: given up after an hour of retries.",
  values: ["PENDING", "DELIVERED", "FAILED"] as const,
});

const DeliveryPage = pageOf<PageQuery<Prisma.NotificationDeliveryWhereInput>>({
  name: "NotificationDeliveryPage",
  model: "NotificationDelivery",
  delegate: (prisma) => prisma.notificationDelivery,
  defaultOrder: [{ createdAt: "desc" }, { id: "asc" }],
});

export const NotificationChannelRef = builder.prismaObject("NotificationChannel", {
  description: "Where alert notifications go. Every request carries X-Trainyard-Signature; the signing secret is shown once, at creation.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    kind: t.expose("kind", { type: NotificationChannelKind }),
    url: t.exposeString("url"),
    createdBy: t.exposeString("createdBy"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    deliveries: t.field({
      type: DeliveryPage,
      description: "This channel's delivery log, newest first.",
      args: { ...pageArgs },
      resolve: (channel, args) => ({ where: { channelId: (channel as { id: string }).id }, ...pageWindow(args) }),
    }),
  }),
});

builder.prismaObject("NotificationDelivery", {
  description: "One notification to one channel: its status, attempts and last error.",
  fields: (t) => ({
    id: t.exposeID("id"),
    channel: t.relation("channel"),
    alert: t.relation("alert", { nullable: true }),
    event: t.expose("event", { type: NotificationEvent }),
    status: t.expose("status", { type: DeliveryStatus }),
    attempts: t.exposeInt("attempts"),
    nextAttemptAt: t.field({
      type: "DateTime",
      nullable: true,
      description: "When the next try is due; null once delivered or failed.",
      select: { status: true, nextAttemptAt: true },
      resolve: (d) => (d.status === "PENDING" ? d.nextAttemptAt : null),
    }),
    lastAttemptAt: t.expose("lastAttemptAt", { type: "DateTime", nullable: true }),
    lastStatusCode: t.exposeInt("lastStatusCode", { nullable: true }),
    lastError: t.exposeString("lastError", { nullable: true }),
    deliveredAt: t.expose("deliveredAt", { type: "DateTime", nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    payload: t.expose("payload", { type: "JSON", description: "The generic body (Slack channels receive a message rendered from it)." }),
  }),
});

const ChannelPage = pageOf<PageQuery>({
  name: "NotificationChannelPage",
  model: "NotificationChannel",
  delegate: (prisma) => prisma.notificationChannel,
  defaultOrder: [{ name: "asc" }, { id: "asc" }],
});

builder.queryFields((t) => ({
  notificationChannels: t.field({
    type: ChannelPage,
    description: "Notification channels by name (scope: admin: their URLs are credentials for Slack).",
    args: { ...pageArgs },
    resolve: (_root, args, ctx) => {
      authorize(ctx.actor, "admin");
      return { where: {}, ...pageWindow(args) };
    },
  }),
  notificationDeliveries: t.field({
    type: DeliveryPage,
    description: "The delivery log, newest first, optionally of one channel or one status (scope: admin).",
    args: { channelId: t.arg.id({ required: false }), status: t.arg({ type: DeliveryStatus, required: false }), ...pageArgs },
    resolve: (_root, args, ctx) => {
      authorize(ctx.actor, "admin");
      const where: Prisma.NotificationDeliveryWhereInput = {};
      if (args.channelId != null) where.channelId = uuidOrNothing(String(args.channelId));
      if (args.status) where.status = args.status;
      return { where, ...pageWindow(args) };
    },
  }),
}));

const CreateNotificationChannelInput = builder.inputType("CreateNotificationChannelInput", {
  fields: (t) => ({
    name: t.string({ required: true, description: "Unique, e.g. `oncall-webhook`." }),
    kind: t.field({ type: NotificationChannelKind, required: true }),
    url: t.string({ required: true, description: "An http:// or https:// URL that receives POSTs." }),
  }),
});

type CreatedChannel = Awaited<ReturnType<typeof createNotificationChannel>>["channel"] & { secret: string };

builder.mutationField("createNotificationChannel", (t) =>
  t.field({
    type: NotificationChannelRef,
    description: "Creates a notification channel (scope: admin). The signing secret is in the result and cannot be retrieved again.",
    errors: {
      types: [ValidationError, ForbiddenError],
      dataField: { name: "channel" },
      result: {
        fields: (r) => ({
          secret: r.string({
            description: "The HMAC-SHA256 key for X-Trainyard-Signature. Shown once: store it with the receiver.",
            resolve: (channel) => (channel as CreatedChannel).secret,
          }),
        }),
      },
    },
    args: { input: t.arg({ type: CreateNotificationChannelInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      runMutation(
        ctx,
        { action: "createNotificationChannel", scope: "admin", targetType: "NotificationChannel", detail: { name: input.name, kind: input.kind } },
        async (): Promise<CreatedChannel> => {
          const { channel, secret } = await createNotificationChannel(ctx.prisma, { input, actor: ctx.actor.name });
          return { ...channel, secret };
        },
        (c) => ({ targetId: c.id }),
      ),
  }),
);

builder.mutationField("deleteNotificationChannel", (t) =>
  t.field({
    type: "ID",
    description: "Deletes a channel and its delivery log (scope: admin); rules stop notifying it.",
    errors: { types: [NotFoundError, ForbiddenError], dataField: { name: "deletedId" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, { id }, ctx) =>
      runMutation(ctx, { action: "deleteNotificationChannel", scope: "admin", targetType: "NotificationChannel", targetId: String(id) }, async () =>
        (await deleteNotificationChannel(ctx.prisma, String(id))).id,
      ),
  }),
);

builder.mutationField("testNotificationChannel", (t) =>
  t.prismaField({
    type: "NotificationDelivery",
    description: "Sends a sample notification now, once, and answers its logged delivery (scope: admin).",
    errors: { types: [NotFoundError, ForbiddenError], dataField: { name: "delivery" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_query, _root, { id }, ctx) =>
      runMutation(ctx, { action: "testNotificationChannel", scope: "admin", targetType: "NotificationChannel", targetId: String(id) }, () =>
        testNotificationChannel(ctx.prisma, { id: String(id), publicUrl: ctx.config.publicUrl }),
      ),
  }),
);
