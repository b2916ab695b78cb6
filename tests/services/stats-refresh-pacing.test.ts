import { expect, test } from "vitest";
import type { PrismaClient } from "../../graphql/db.ts";
import { flushStatsRefresh, scheduleStatsRefresh, STATS_REFRESH_MAX_DELAY_MS, statsRefreshPause } from "../../graphql/services/metrics.ts";

test("under sustained ingestion the stats refresh is paced, not run back to back, and still follows within seconds", async () => {
  // A refresh round that takes 100 ms of database time, as a few dozen deployments' 7 days of histograms do.
  const rounds: number[] = [];
  const db = {
    async $executeRaw() {
      rounds.push(performance.now());
      await new Promise((resolve) => setTimeout(resolve, 100));
      return 0;
    },
  } as unknown as PrismaClient;
  const started = performance.now();
  // Batches keep arriving for 2 s.
  while (performance.now() - started < 2_000) {
    scheduleStatsRefresh(db, ["d1", "d2"]);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const lastBatch = performance.now();
  await flushStatsRefresh(db);
  // Back to back, 100 ms rounds would have run ~17 times in those 2 s; paced, each waits 3 × 100 ms after the last.
  expect(rounds.length).toBeGreaterThanOrEqual(3);
  expect(rounds.length).toBeLessThanOrEqual(7);
  for (let i = 1; i < rounds.length; i++) expect(rounds[i]! - rounds[i - 1]!).toBeGreaterThan(390);
  // The last batch is refreshed within the bound.
  expect(rounds.at(-1)! - lastBatch).toBeLessThan(STATS_REFRESH_MAX_DELAY_MS);
  expect(statsRefreshPause(10_000)).toBe(STATS_REFRESH_MAX_DELAY_MS);
});
