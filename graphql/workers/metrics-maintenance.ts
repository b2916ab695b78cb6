import { pruneIngestReceipts, pruneRollups, refreshStaleStats } from "../services/metrics.ts";
import { foldStatusCounts } from "../services/status-counts.ts";
import { startLoop, type WorkerFactory } from "./loop.ts";
import { MINUTE_MS } from "../services/metrics/windows.ts";

const PRUNE_EVERY_MS = 10 * 60_000;

/**
 * Keeps the sortable per-window figures (DeploymentStats) current as windows
 * slide without new traffic (it looks for rows whose minute or hour has passed:
 * every 5 s while it finds some, else just after the next minute begins, since
 * an idle fleet has none between boundaries), and drops rollups and idempotency keys past their retention. Both are
 * idempotent recomputations from the rollups, so several processes running it
 * at once only repeat work; it runs whether or not the simulator does. With the pruning it folds the
 * dashboard's status counts into one row per status (docs/decisions/0039-status-counts.md).
 */
export const metricsMaintenance: WorkerFactory = {
  name: "metrics-maintenance",
  enabled: () => true,
  start(db) {
    let lastPrune = 0;
    return startLoop(
      "metrics-maintenance",
      5_000,
      async () => {
        const now = new Date();
        const refreshed = await refreshStaleStats(db.prisma, now);
        if (now.getTime() - lastPrune >= PRUNE_EVERY_MS) {
          await pruneRollups(db.prisma, now);
          await pruneIngestReceipts(db.prisma, now);
          await foldStatusCounts(db.prisma);
          lastPrune = now.getTime();
        }
        return refreshed > 0 ? true : MINUTE_MS - (Date.now() % MINUTE_MS) + 500;
      },
      // Time-driven only: nothing to hear, so no `listening`.
      { idleMs: MINUTE_MS + 1_000 },
    );
  },
};
