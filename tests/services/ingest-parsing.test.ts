import { expect, test } from "vitest";
import { rollupWritesFor } from "../../graphql/services/metrics/accumulate.ts";
import { LatencySketch } from "../../graphql/services/sketch.ts";
import { HOUR_MS, MINUTE_MS } from "../../graphql/services/metrics/windows.ts";
import { isoMillis, parseEventsPayload, type InferenceEventInput } from "../../graphql/validation/inference.ts";
import { logNormal, rng } from "./metrics-fixtures.ts";

test("timestamps are read exactly as Date reads them, whatever their form", () => {
  const random = rng(11);
  const strings = [
    "2026-11-28T09:41:12.345Z", "2026-02-30T00:00:00.000Z", "2024-02-29T23:59:59.999Z", "2026-01-01T24:00:00.000Z",
    "2026-01-01T23:60:00.000Z", "2026-01-01T23:59:60.000Z", "2026-13-01T00:00:00.000Z", "2026-00-10T00:00:00.000Z",
    "2026-01-00T00:00:00.000Z", "0050-01-01T00:00:00.000Z", "0099-12-31T23:59:59.999Z", "0100-01-01T00:00:00.000Z",
    "2026-11-28T09:41:12Z", "2026-11-28T09:41:12.345+02:00", "+002026-11-28T09:41:12.345Z", "2026-11-28", "2026-1x-28T09:41:12.345Z",
    "2026-11-28T09:41:12.345z", "2026-11-28 09:41:12.345Z", "nonsense", "", "١٢٣٤-11-28T09:41:12.345Z",
  ];
  for (let i = 0; i < 2_000; i++) strings.push(new Date(Math.floor(random() * 8e12) - 1e12).toISOString());
  for (const s of strings) expect(Object.is(isoMillis(s), new Date(s).getTime()), s).toBe(true);
  const parsed = parseEventsPayload({ events: strings.slice(0, 3).map((timestamp) => ({ timestamp, latencyMs: 1, outcome: "OK" })) });
  expect("events" in parsed && parsed.events.map((e) => e.timestamp.getTime())).toEqual(strings.slice(0, 3).map((s) => new Date(s).getTime()));
});

test("a batch folds into the same rollup rows as one sketch per row built event by event", () => {
  const random = rng(5);
  const now = Date.UTC(2026, 10, 28, 10, 30);
  const outcomes = ["OK", "CLIENT_ERROR", "SERVER_ERROR"] as const;
  // Latencies in falling and rising runs and far apart, so the histograms grow in both directions.
  const events: InferenceEventInput[] = Array.from({ length: 3_000 }, (_, i) => ({
    timestamp: new Date(now - Math.floor(random() * 90 * MINUTE_MS)),
    latencyMs: i % 500 === 0 ? 3_000_000 * random() : i < 1_000 ? 2_000 - i * 1.9 : logNormal(random, 120, 0.8),
    outcome: outcomes[Math.floor(random() * 3)]!,
  }));
  const expected = new Map<string, { n: number; c: number; s: number; sum: number; sketch: LatencySketch }>();
  for (const e of events) {
    const t = e.timestamp.getTime();
    for (const key of [`MINUTE ${t - (t % MINUTE_MS)}`, `HOUR ${t - (t % HOUR_MS)}`]) {
      const row = expected.get(key) ?? expected.set(key, { n: 0, c: 0, s: 0, sum: 0, sketch: new LatencySketch() }).get(key)!;
      row.n++;
      if (e.outcome === "CLIENT_ERROR") row.c++;
      if (e.outcome === "SERVER_ERROR") row.s++;
      row.sum += e.latencyMs;
      row.sketch.add(e.latencyMs);
    }
  }
  const writes = rollupWritesFor(events);
  expect(writes).toHaveLength(expected.size);
  for (const w of writes) {
    const row = expected.get(`${w.resolution} ${Date.parse(w.bucketStart)}`)!;
    const dense = row.sketch.toDense();
    expect({ n: w.n, c: w.c, s: w.s, sum: w.sum, o: w.o, h: w.h }).toEqual({ n: row.n, c: row.c, s: row.s, sum: row.sum, o: dense.offset, h: dense.counts });
  }
});
