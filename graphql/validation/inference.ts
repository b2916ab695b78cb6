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
