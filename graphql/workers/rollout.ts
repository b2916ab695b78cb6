import { advanceRollouts } from "../services/deployments.ts";
import { startLoop, type WorkerFactory } from "./index.ts";

/** Finishes simulated rollouts (see advanceRollouts); safe to run in every web process. */
export const rolloutWorker: WorkerFactory = {
  name: "rollout",
  enabled: (config) => config.rollout.enabled,
  start(db, config) {
    // Poll a few times per rollout period so a deployment turns ACTIVE close to its deadline.
    const intervalMs = Math.min(1000, Math.max(200, (config.rollout.seconds * 1000) / 4));
    return startLoop("rollout", intervalMs, async () => {
      await advanceRollouts(db.prisma, { failureRate: config.rollout.failureRate });
    });
  },
};
