import { advanceRollouts } from "../services/deployments.ts";
import { probeUpstreams } from "../services/serving-probes.ts";
import { startLoop, type WorkerFactory } from "./loop.ts";

/**
 * Rollouts, both kinds; safe to run in every web process. Simulated ones (no
 * upstream) finish at their stored deadline (see advanceRollouts); real ones
 * finish by readiness probes of their upstream, which keep running while ACTIVE
 * (see probeUpstreams).
 */
export const rolloutWorker: WorkerFactory = {
  name: "rollout",
  enabled: (config) => config.rollout.enabled,
  start(db, config) {
    // Poll a few times per rollout period so a deployment turns ACTIVE close to its deadline.
    const intervalMs = Math.min(1000, Math.max(200, (config.rollout.seconds * 1000) / 4));
    const simulated = startLoop("rollout", intervalMs, async () => {
      await advanceRollouts(db.prisma, { failureRate: config.rollout.failureRate });
    });
    const s = config.serving;
    const probes = startLoop("rollout-probe", Math.max(50, Math.min(s.probeIntervalMs, s.healthIntervalMs) / 2), async () => {
      await probeUpstreams(db.prisma, { probeIntervalMs: s.probeIntervalMs, healthIntervalMs: s.healthIntervalMs, probeTimeoutMs: s.probeTimeoutMs });
    });
    return {
      name: "rollout",
      async stop() {
        await Promise.all([simulated.stop(), probes.stop()]);
      },
    };
  },
};
