import { isUuid } from "../ids.ts";
import { msUntilEarliest } from "./due.ts";
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import { inTransaction, type Db, type PrismaClient } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { NotFoundError, ValidationError, type FieldError } from "../errors.ts";

/**
 * Notification channels and deliveries (docs/alerts.md, docs/decisions/0022).
 *
 * A delivery row is queued in the same transaction as the state change that
 * causes it; its unique key (alert, channel, event) means one firing and one
 * resolution notification per channel whatever the number of evaluators.
 * Senders lease due rows (FOR UPDATE SKIP LOCKED, pushing nextAttemptAt ahead)
 * in one short statement and send outside any transaction; a sender that dies
 * mid-request leaves the lease to expire and another retries (at-least-once:
 * receivers dedupe on X-Trainyard-Delivery).
 */

export const CHANNEL_KINDS = ["WEBHOOK", "SLACK"] as const;
export type ChannelKind = (typeof CHANNEL_KINDS)[number];
export type NotificationEventName = "FIRING" | "RESOLVED" | "TEST";

/** First retry after 5 s, doubling up to 10 minutes between tries, for at least an hour. */
export const RETRY_BASE_MS = 5_000;
export const RETRY_MAX_DELAY_MS = 10 * 60_000;
export const RETRY_FOR_MS = 60 * 60_000;
export const SEND_TIMEOUT_MS = 10_000;
/** How long a claimed delivery stays invisible to other senders: longer than one send can take. */
const LEASE_MS = 60_000;

export const SIGNATURE_HEADER = "X-Trainyard-Signature";

export function retryDelayMs(attempt: number): number {
  return Math.min(RETRY_BASE_MS * 2 ** Math.max(0, attempt - 1), RETRY_MAX_DELAY_MS);
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`. */
export function signatureHeader(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac("sha256", secret).update(`${unixSeconds}.${body}`).digest("hex");
  return `t=${unixSeconds},v1=${mac}`;
}

/** What a receiver does: recompute the MAC over the raw body and refuse old timestamps (replays). */
export function verifySignature(secret: string, body: string, header: string, options: { toleranceSeconds?: number; now?: Date } = {}): boolean {
  const parts = Object.fromEntries(header.split(",").map((p) => p.trim().split("=", 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v1) return false;
  const nowS = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (Math.abs(nowS - t) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(createHmac("sha256", secret).update(`${t}.${body}`).digest("hex"));
  const given = Buffer.from(parts.v1);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface ChannelInput {
  name?: string | null;
  kind?: string | null;
  url?: string | null;
}

function validateChannel(input: ChannelInput): FieldError[] {
  const errors: FieldError[] = [];
  const name = input.name?.trim() ?? "";
  if (!name) errors.push({ path: "input.name", message: "is required" });
  else if (name.length > 100) errors.push({ path: "input.name", message: "at most 100 characters" });
  if (!input.kind || !(CHANNEL_KINDS as readonly string[]).includes(input.kind)) errors.push({ path: "input.kind", message: "WEBHOOK or SLACK" });
  const raw = input.url?.trim() ?? "";
  let url: URL | null = null;
  try {
    url = new URL(raw);
  } catch {
    url = null;
  }
  if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) {
    errors.push({ path: "input.url", message: "must be an http:// or https:// URL" });
  } else if (raw.length > 2000) errors.push({ path: "input.url", message: "at most 2000 characters" });
  return errors;
}

export async function createNotificationChannel(db: Db, args: { input: ChannelInput; actor: string }) {
  const { input, actor: actorName } = args;
  const errors = validateChannel(input);
  if (errors.length) throw new ValidationError(`Invalid channel: ${errors.map((e) => `${e.path.replace(/^input\./, "")} ${e.message}`).join("; ")}`, errors);
  const name = input.name!.trim();
  const secret = `whsec_${randomBytes(32).toString("base64url")}`;
  try {
    const channel = await db.notificationChannel.create({
      data: { name, kind: input.kind as ChannelKind, url: input.url!.trim(), secret, createdBy: actorName },
    });
    return { channel, secret };
  } catch (err) {
    // The unique index settles two creations racing for one name.
    if ((err as { code?: string }).code === "P2002") {
      throw new ValidationError(`A notification channel named "${name}" already exists`, [{ path: "input.name", message: "already taken" }]);
    }
    throw err;
  }
}

export async function deleteNotificationChannel(db: Db, id: string) {
  return inTransaction(db, async (tx) => {
    const channel = isUuid(id) ? await tx.notificationChannel.findUnique({ where: { id } }) : null;
    if (!channel) throw new NotFoundError("Notification channel", id);
    await tx.notificationChannel.delete({ where: { id } });
    return channel;
  });
}


/** The generic webhook body (Slack channels get a message built from it). */
export interface AlertPayload {
  event: "alert.firing" | "alert.resolved" | "test";
  state: "FIRING" | "RESOLVED" | "TEST";
  alertId: string | null;
  rule: { id: string; metric: string; comparison: string; threshold: number; window: string; forSeconds: number; scope: string };
  deployment: { id: string; modelName: string; version: string } | null;
  model: string | null;
  version: string | null;
  metric: string;
  value: number | null;
  threshold: number;
  startedAt: string | null;
  firedAt: string | null;
  resolvedAt: string | null;
  url: string;
}

export function alertPayload(args: {
  rule: { id: string; metric: string; comparison: string; threshold: number; window: string; forSeconds: number; deploymentId: string | null; modelName: string | null };
  deployment: { id: string; modelName: string; version: string };
  alert: { id: string; value: number; status: string; startedAt: Date; firedAt: Date; resolvedAt: Date | null; resolvedValue: number | null };
  /** The console's address (config.publicUrl): the payload links to the deployment there. */
  publicUrl: string;
}): AlertPayload {
  const { rule, deployment, alert } = args;
  const resolved = alert.status === "RESOLVED";
  return {
    event: resolved ? "alert.resolved" : "alert.firing",
    state: resolved ? "RESOLVED" : "FIRING",
    alertId: alert.id,
    rule: {
      id: rule.id,
      metric: rule.metric,
      comparison: rule.comparison,
      threshold: rule.threshold,
      window: rule.window,
      forSeconds: rule.forSeconds,
      scope: rule.deploymentId ? "DEPLOYMENT" : "MODEL",
    },
    deployment: { id: deployment.id, modelName: deployment.modelName, version: deployment.version },
    model: deployment.modelName,
    version: deployment.version,
    metric: rule.metric,
    value: resolved ? alert.resolvedValue : alert.value,
    threshold: rule.threshold,
    startedAt: alert.startedAt.toISOString(),
    firedAt: alert.firedAt.toISOString(),
    resolvedAt: alert.resolvedAt?.toISOString() ?? null,
    url: `${args.publicUrl}/deployments/${deployment.id}`,
  };
}

/** Queues one delivery per channel; a second attempt for the same alert, channel and event is a no-op. */
export async function queueAlertNotifications(
  tx: Prisma.TransactionClient,
  args: { channels: ReadonlyArray<{ id: string }>; alertId: string; event: "FIRING" | "RESOLVED"; payload: AlertPayload; now: Date },
): Promise<void> {
  const { channels, alertId, event, payload, now } = args;
  if (channels.length === 0) return;
  await tx.notificationDelivery.createMany({
    data: channels.map((c) => ({ channelId: c.id, alertId, event, payload: payload as unknown as Prisma.InputJsonValue, nextAttemptAt: now, createdAt: now })),
    skipDuplicates: true,
  });
}

function formatValue(metric: string, value: number | null): string {
  if (value === null) return "no data";
  if (metric === "ERROR_RATE") return `${(value * 100).toFixed(2)} %`;
  if (metric === "REQUEST_RATE") return `${value.toFixed(2)} req/s`;
  return `${Math.round(value)} ms`;
}

/** The request body a channel receives. */
export function renderBody(kind: ChannelKind, payload: AlertPayload): string {
  if (kind === "WEBHOOK") return JSON.stringify(payload);
  const icon = payload.state === "FIRING" ? ":rotating_light:" : payload.state === "RESOLVED" ? ":white_check_mark:" : ":wave:";
  const what = payload.deployment ? `${payload.model} ${payload.version}` : "Trainyard";
  const cmp = payload.rule.comparison === "ABOVE" ? ">" : "<";
  const text =
    payload.state === "TEST"
      ? `${icon} Test notification from Trainyard: this channel works.`
      : `${icon} [${payload.state}] ${what}: ${payload.metric} ${formatValue(payload.metric, payload.value)} (threshold ${cmp} ${formatValue(payload.metric, payload.threshold)}, ${payload.rule.window})`;
  return JSON.stringify({
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `${text}\n<${payload.url}|Open in Trainyard>` } },
    ],
  });
}

export function testPayload(publicUrl: string): AlertPayload {
  const now = new Date().toISOString();
  return {
    event: "test",
    state: "TEST",
    alertId: null,
    rule: { id: "00000000-0000-0000-0000-000000000000", metric: "P95_LATENCY", comparison: "ABOVE", threshold: 500, window: "LAST_15_MINUTES", forSeconds: 0, scope: "DEPLOYMENT" },
    deployment: null,
    model: null,
    version: null,
    metric: "P95_LATENCY",
    value: 512,
    threshold: 500,
    startedAt: now,
    firedAt: now,
    resolvedAt: null,
    url: `${publicUrl}/settings/channels`,
  };
}

interface ClaimedDelivery {
  id: string;
  attempts: number;
}

export interface SendOptions {
  now?: Date;
  limit?: number;
  timeoutMs?: number;
}

/**
 * Sends the due deliveries: leases up to `limit` of them in one statement
 * (rows another sender holds are skipped), then posts each and records the
 * outcome. Returns how many were attempted.
 */
/** Milliseconds until the next pending notification is due (null: nothing is pending). */
export function nextDeliveryDueInMs(db: Db, now = new Date()) {
  return msUntilEarliest(db, { from: `"NotificationDelivery"`, due: `"nextAttemptAt"`, where: `status = 'PENDING'` }, now);
}

export async function deliverDueNotifications(prisma: PrismaClient, options: SendOptions = {}): Promise<number> {
  const now = options.now ?? new Date();
  const claimed = await prisma.$queryRaw<ClaimedDelivery[]>`
    UPDATE "NotificationDelivery" AS d
    SET "nextAttemptAt" = ${new Date(now.getTime() + LEASE_MS).toISOString()}::timestamp,
        "attempts" = d."attempts" + 1,
        "lastAttemptAt" = ${now.toISOString()}::timestamp
    WHERE d.id IN (
      SELECT id FROM "NotificationDelivery"
      WHERE status = 'PENDING' AND "nextAttemptAt" <= ${now.toISOString()}::timestamp
      ORDER BY "nextAttemptAt", id
      LIMIT ${options.limit ?? 20}
      FOR UPDATE SKIP LOCKED)
    RETURNING d.id::text AS id, d.attempts`;
  await Promise.all(claimed.map((c) => sendClaimed(prisma, c, now, options.timeoutMs ?? SEND_TIMEOUT_MS)));
  return claimed.length;
}

async function sendClaimed(prisma: PrismaClient, claim: ClaimedDelivery, now: Date, timeoutMs: number): Promise<void> {
  const delivery = await prisma.notificationDelivery.findUnique({ where: { id: claim.id }, include: { channel: true } });
  if (!delivery) return;
  const outcome = await post(delivery.channel, delivery.id, delivery.event, delivery.payload as unknown as AlertPayload, timeoutMs);
  const giveUp = delivery.event === "TEST" || now.getTime() - delivery.createdAt.getTime() >= RETRY_FOR_MS;
  // Guarded by the attempt count: a stale sender (its lease expired and another took over) records nothing.
  await prisma.notificationDelivery.updateMany({
    where: { id: claim.id, attempts: claim.attempts, status: "PENDING" },
    data: outcome.ok
      ? { status: "DELIVERED", deliveredAt: new Date(), lastStatusCode: outcome.status, lastError: null }
      : {
          status: giveUp ? "FAILED" : "PENDING",
          lastStatusCode: outcome.status,
          lastError: outcome.error,
          nextAttemptAt: new Date(now.getTime() + retryDelayMs(claim.attempts)),
        },
  });
}

async function post(
  channel: { kind: string; url: string; secret: string },
  deliveryId: string,
  event: string,
  payload: AlertPayload,
  timeoutMs: number,
): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  const body = renderBody(channel.kind as ChannelKind, payload);
  const headers = {
    "content-type": "application/json",
    "user-agent": "Trainyard-Webhook/1",
    "x-trainyard-delivery": deliveryId,
    "x-trainyard-event": event.toLowerCase(),
    [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(channel.secret, body, Math.floor(Date.now() / 1000)),
  };
  try {
    const res = await fetch(channel.url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(timeoutMs) });
    // Drain the body so the connection is released; its content is not needed.
    const text = await res.text().catch(() => "");
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `HTTP ${res.status}${text ? `: ${text.slice(0, 200)}` : ""}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const reason = e.name === "TimeoutError" ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { ok: false, status: null, error: reason };
  }
}

/** Sends a sample to a channel now, once (no retries), and answers the logged delivery. */
export async function testNotificationChannel(prisma: PrismaClient, args: { id: string; publicUrl: string }) {
  const { id } = args;
  const channel = isUuid(id) ? await prisma.notificationChannel.findUnique({ where: { id } }) : null;
  if (!channel) throw new NotFoundError("Notification channel", id);
  const now = new Date();
  // Queued already leased, so the background sender leaves it to this request.
  const delivery = await prisma.notificationDelivery.create({
    data: {
      channelId: id,
      event: "TEST",
      payload: testPayload(args.publicUrl) as unknown as Prisma.InputJsonValue,
      attempts: 1,
      lastAttemptAt: now,
      nextAttemptAt: new Date(now.getTime() + LEASE_MS),
      createdAt: now,
    },
  });
  await sendClaimed(prisma, { id: delivery.id, attempts: 1 }, now, SEND_TIMEOUT_MS);
  return prisma.notificationDelivery.findUniqueOrThrow({ where: { id: delivery.id } });
}
