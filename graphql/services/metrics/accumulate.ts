import type { InferenceEventInput } from "../../validation/inference.ts";
import { bucketIndex, LatencySketch } from "../sketch.ts";
import { HOUR_MS, MINUTE_MS, type Resolution } from "./windows.ts";

export interface RollupWrite {
  resolution: Resolution;
  bucketStart: string;
  n: number;
  c: number;
  s: number;
  sum: number;
  o: number;
  h: number[];
}

interface RollupBucket {
  resolution: Resolution;
  start: number;
  n: number;
  c: number;
  s: number;
  sum: number;
  sketch: LatencySketch;
}

/**
 * Folds inference data into the rollup rows it adds to (one per minute and per
 * hour touched). Whoever measures the requests feeds it: events one by one
 * (`add`), or totals with a latency sketch already built (`addSketch`: a
 * gateway's per-second aggregate, an OTLP histogram re-binned into a sketch).
 */
export class RollupAccumulator {
  /** Per resolution, keyed by the bucket's start (a number key: no string built per event). */
  private readonly buckets: Record<Resolution, Map<number, RollupBucket>> = { MINUTE: new Map(), HOUR: new Map() };
  private events = 0;

  get eventCount(): number {
    return this.events;
  }

  add(timestampMs: number, latencyMs: number, outcome: InferenceEventInput["outcome"], times = 1): void {
    // One logarithm per event for both rows.
    const index = bucketIndex(latencyMs);
    for (const b of this.bucketsAt(timestampMs)) {
      b.n += times;
      if (outcome === "CLIENT_ERROR") b.c += times;
      else if (outcome === "SERVER_ERROR") b.s += times;
      b.sum += latencyMs * times;
      b.sketch.addToBucket(index, times);
    }
    this.events += times;
  }

  addSketch(timestampMs: number, totals: { requests: number; clientErrors: number; serverErrors: number; latencySumMs: number }, sketch: LatencySketch): void {
    for (const b of this.bucketsAt(timestampMs)) {
      b.n += totals.requests;
      b.c += totals.clientErrors;
      b.s += totals.serverErrors;
      b.sum += totals.latencySumMs;
      b.sketch.mergeSketch(sketch);
    }
    this.events += totals.requests;
  }

  /** The rows to write, in a fixed order so concurrent upserts never deadlock. */
  writes(): RollupWrite[] {
    return [...this.buckets.MINUTE.values(), ...this.buckets.HOUR.values()]
      .sort((a, b) => (a.resolution === b.resolution ? a.start - b.start : a.resolution < b.resolution ? -1 : 1))
      .map((b) => {
        const dense = b.sketch.toDense();
        return { resolution: b.resolution, bucketStart: new Date(b.start).toISOString(), n: b.n, c: b.c, s: b.s, sum: b.sum, o: dense.offset, h: dense.counts };
      });
  }

  /** The last minute's pair, reused while events stay in that minute (the gateway adds one per request). */
  private lastMinute = -1;
  private lastPair: [RollupBucket, RollupBucket] | null = null;

  private bucketsAt(timestampMs: number): [RollupBucket, RollupBucket] {
    const minute = timestampMs - (timestampMs % MINUTE_MS);
    if (minute === this.lastMinute && this.lastPair) return this.lastPair;
    this.lastMinute = minute;
    return (this.lastPair = [this.bucket("MINUTE", minute), this.bucket("HOUR", timestampMs - (timestampMs % HOUR_MS))]);
  }

  private bucket(resolution: Resolution, start: number): RollupBucket {
    const buckets = this.buckets[resolution];
    let b = buckets.get(start);
    if (!b) buckets.set(start, (b = { resolution, start, n: 0, c: 0, s: 0, sum: 0, sketch: new LatencySketch() }));
    return b;
  }
}

/** One rollup row per minute and per hour touched by the batch. */
export function rollupWritesFor(events: readonly InferenceEventInput[]): RollupWrite[] {
  const acc = new RollupAccumulator();
  for (const e of events) acc.add(e.timestamp.getTime(), e.latencyMs, e.outcome);
  return acc.writes();
}

