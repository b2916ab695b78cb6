import { z } from "zod";
import { LONGEST_WINDOW_MS } from "../services/metrics/windows.ts";

/**
 * What a valid batch of inference events is. Gateways and the built-in
 * simulator both go through it (via graphql/services/metrics.ts), so a batch
 * is accepted or refused by the same rules whoever sends it.
 */

export const INFERENCE_OUTCOMES = ["OK", "CLIENT_ERROR", "SERVER_ERROR"] as const;
export type InferenceOutcome = (typeof INFERENCE_OUTCOMES)[number];

export const INGEST_LIMITS = {
  /** Events per call of recordInferenceEvents. */
  maxBatch: 50_000,
  /** A gateway's clock may run this far ahead of ours. */
  futureSkewMs: 60_000,
  /** Events older than this are refused: the longest metrics window is as far back as we answer for. */
  retentionMs: LONGEST_WINDOW_MS,
  /** A request that took longer than an hour is a measuring error, not a latency. */
  maxLatencyMs: 3_600_000,
} as const;

export interface InferenceEventInput {
  timestamp: Date;
  latencyMs: number;
  outcome: InferenceOutcome;
}

export function inferenceEventSchema(now: Date) {
  const latest = now.getTime() + INGEST_LIMITS.futureSkewMs;
  const earliest = now.getTime() - INGEST_LIMITS.retentionMs;
  return z.object({
    timestamp: z
      .date({ error: "timestamp must be a date" })
      .refine((d) => !Number.isNaN(d.getTime()), "timestamp must be a valid date")
      .refine((d) => d.getTime() <= latest, `timestamp is more than ${INGEST_LIMITS.futureSkewMs / 1000} s in the future`)
      .refine((d) => d.getTime() >= earliest, `timestamp is older than the ${LONGEST_WINDOW_MS / 86_400_000}-day retention`),
    latencyMs: z
      .number({ error: "latencyMs must be a number" })
      .refine(Number.isFinite, "latencyMs must be a finite number")
      .refine((v) => v >= 0, "latencyMs must not be negative")
      .refine((v) => v <= INGEST_LIMITS.maxLatencyMs, `latencyMs must be at most ${INGEST_LIMITS.maxLatencyMs.toLocaleString("en-US")}`),
    outcome: z.enum(INFERENCE_OUTCOMES, { error: `outcome must be one of ${INFERENCE_OUTCOMES.join(", ")}` }),
  });
}

export interface BatchProblem {
  index: number;
  field: string;
  message: string;
}

/**
 * The first bad event of a batch, or null when every event is valid. Checked
 * by hand on the fast path (a batch can hold tens of thousands of events) and
 * explained by the zod schema only for the event that failed.
 */
export function findFirstBadEvent(events: readonly InferenceEventInput[], now: Date): BatchProblem | null {
  const latest = now.getTime() + INGEST_LIMITS.futureSkewMs;
  const earliest = now.getTime() - INGEST_LIMITS.retentionMs;
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    const t = e.timestamp instanceof Date ? e.timestamp.getTime() : Number.NaN;
    const ok =
      t >= earliest &&
      t <= latest &&
      typeof e.latencyMs === "number" &&
      e.latencyMs >= 0 &&
      e.latencyMs <= INGEST_LIMITS.maxLatencyMs &&
      (e.outcome === "OK" || e.outcome === "CLIENT_ERROR" || e.outcome === "SERVER_ERROR");
    if (ok) continue;
    const parsed = inferenceEventSchema(now).safeParse(e);
    const issue = parsed.success ? undefined : parsed.error.issues[0];
    return { index: i, field: String(issue?.path[0] ?? "event"), message: issue?.message ?? "invalid event" };
  }
  return null;
}

export interface EventsPayload {
  events: InferenceEventInput[];
  idempotencyKey: string | null;
}

/**
 * The body of `POST /api/v1/deployments/{id}/events`, parsed by hand (no
 * per-event schema coercion: a batch can hold tens of thousands of events):
 * `{ "events": [{ "timestamp", "latencyMs", "outcome" }…], "idempotencyKey"? }`.
 * Only the shape is checked here; a timestamp is an ISO-8601 string or epoch
 * milliseconds, as the GraphQL DateTime scalar takes it. The values are then
 * checked by `findFirstBadEvent`, the same rules and messages as
 * `recordInferenceEvents`. Returns the problem instead of throwing.
 */
export function parseEventsPayload(body: unknown): EventsPayload | BatchProblem {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { index: -1, field: "body", message: 'the body must be a JSON object: { "events": [...], "idempotencyKey"?: "..." }' };
  }
  const { events: raw, idempotencyKey } = body as { events?: unknown; idempotencyKey?: unknown };
  if (!Array.isArray(raw)) return { index: -1, field: "events", message: "events must be an array of events" };
  if (idempotencyKey != null && typeof idempotencyKey !== "string") return { index: -1, field: "idempotencyKey", message: "idempotencyKey must be a string" };
  const events = new Array<InferenceEventInput>(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const e = raw[i] as { timestamp?: unknown; latencyMs?: unknown; outcome?: unknown } | null;
    if (typeof e !== "object" || e === null || Array.isArray(e)) return { index: i, field: "event", message: "an event must be an object with timestamp, latencyMs and outcome" };
    const t = e.timestamp;
    const timestamp = typeof t === "string" ? new Date(isoMillis(t)) : typeof t === "number" ? new Date(t) : t;
    if (timestamp instanceof Date && Number.isNaN(timestamp.getTime())) {
      return { index: i, field: "timestamp", message: "timestamp must be an ISO-8601 string or epoch milliseconds" };
    }
    // Anything else is kept as it came, for findFirstBadEvent to refuse with the schema's message.
    events[i] = {
      timestamp: timestamp as Date,
      latencyMs: e.latencyMs as number,
      outcome: e.outcome as InferenceOutcome,
    };
  }
  return { events, idempotencyKey: (idempotencyKey as string | null | undefined) ?? null };
}

const digit = (s: string, i: number) => s.charCodeAt(i) - 48;
const digits = (s: string, from: number, to: number) => {
  let v = 0;
  for (let i = from; i < to; i++) {
    const d = digit(s, i);
    if (d < 0 || d > 9) return -1;
    v = v * 10 + d;
  }
  return v;
};

/**
 * Epoch milliseconds of a timestamp string, exactly as `new Date(s).getTime()` reads it (NaN when it cannot).
 * The common form, `toISOString()`'s `YYYY-MM-DDTHH:MM:SS.sssZ` with every field in range, is read digit by
 * digit (parsing a date string costs about a microsecond, a batch holds thousands); anything else goes to `Date`.
 */
export function isoMillis(s: string): number {
  if (s.length === 24 && s.charCodeAt(4) === 45 && s.charCodeAt(7) === 45 && s.charCodeAt(10) === 84 && s.charCodeAt(13) === 58 &&
      s.charCodeAt(16) === 58 && s.charCodeAt(19) === 46 && s.charCodeAt(23) === 90) {
    const year = digits(s, 0, 4);
    const month = digits(s, 5, 7);
    const day = digits(s, 8, 10);
    const hour = digits(s, 11, 13);
    const minute = digits(s, 14, 16);
    const second = digits(s, 17, 19);
    const ms = digits(s, 20, 23);
    // Date.UTC reads years 0–99 as 1900–1999; those (and the rest) go to Date.
    if (year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 59 && ms >= 0) {
      return Date.UTC(year, month - 1, day, hour, minute, second, ms);
    }
  }
  return new Date(s).getTime();
}
