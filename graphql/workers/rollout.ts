import { advanceRollouts, nextRolloutDueInMs } from "../services/deployments.ts";
import { nextProbeDueInMs, probeUpstreams } from "../services/serving-probes.ts";
import { dueIn, IDLE_BACKSTOP_MS, startLoop, type WorkerFactory } from "./loop.ts";

/**
 * Rollouts, both kinds; safe to run in every web process. Simulated ones (no
 * upstream) finish at their stored deadline (see advanceRollouts); real ones
 * finish by readiness probes of their upstream, which keep running while ACTIVE
 * (see probeUpstreams). Both sleep until their next deadline or probe is due,
 * or until a deployment changes (docs/decisions/0035-workers-wake-on-notify.md).
 */
export const rolloutWorker: WorkerFactory = {
  name: "rollout",
  enabled: (config) => config.rollout.enabled,
  wakeOn: ["deployments"],
  start(db, config, context) {
    const idle = { idleMs: IDLE_BACKSTOP_MS, listening: () => context?.listening() ?? false };
    // Poll a few times per rollout period so a deployment turns ACTIVE close to its deadline.
    const intervalMs = Math.min(1000, Math.max(200, (config.rollout.seconds * 1000) / 4));
    const simulated = startLoop(
      "rollout",
      intervalMs,
      async () => {
        await advanceRollouts(db.prisma, { failureRate: config.rollout.failureRate });
        return dueIn(await nextRolloutDueInMs(db.prisma));
      },
      idle,
    );
    const s = config.serving;
    const probes = startLoop(
      "rollout-probe",
      Math.max(50, Math.min(s.probeIntervalMs, s.healthIntervalMs) / 2),
      async () => {
        await probeUpstreams(db.prisma, { probeIntervalMs: s.probeIntervalMs, healthIntervalMs: s.healthIntervalMs, probeTimeoutMs: s.probeTimeoutMs });
        return dueIn(await nextProbeDueInMs(db.prisma, s));
      },
      idle,
    );
    return {
      name: "rollout",
      wake() {
        simulated.wake?.();
        probes.wake?.();
      },
      async stop() {
        await Promise.all([simulated.stop(), probes.stop()]);
      },
    };
  },
};
