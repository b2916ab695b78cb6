import type { Config } from "../config.ts";
import type { Database } from "../db.ts";
import { subscribe } from "../listen.ts";
import { rolloutWorker } from "./rollout.ts";
import { trainingExecutor, trainingWatchdog } from "./executor.ts";
import { trafficSimulator } from "./simulator.ts";
import { metricsMaintenance } from "./metrics-maintenance.ts";
import { alertEvaluator, notificationSender } from "./alerts.ts";
import type { Worker, WorkerFactory, WorkTopic } from "./loop.ts";

export { startLoop, type Worker, type WorkerFactory } from "./loop.ts";

/** Registered workers; each feature adds its factory here. */
const FACTORIES: WorkerFactory[] = [rolloutWorker, trainingExecutor, trainingWatchdog, trafficSimulator, metricsMaintenance, alertEvaluator, notificationSender];

/** The channels new work is announced on (migrations 20261128200000 and 20261128400000). */
const WORK_CHANNEL = "trainyard_work";
const ROUTING_CHANNEL = "trainyard_routing";

export interface RunningWorkers {
  names: string[];
  /** Whether announced work is heard now (idle workers sleep); else they poll at their intervals. */
  listening(): boolean;
  stop(): Promise<void>;
}

/**
 * Starts the enabled workers and one subscription that wakes them when work is announced, so an idle
 * process sleeps instead of polling (docs/decisions/0035-workers-wake-on-notify.md).
 */
export function startWorkers(db: Database, config: Config): RunningWorkers {
  const factories = FACTORIES.filter((f) => f.enabled(config));
  let listening = () => false;
  const started = factories.map((factory) => ({ factory, worker: factory.start(db, config, { listening: () => listening() }) }));
  const wake = (topic: WorkTopic | null) => {
    for (const { factory, worker } of started) if (topic === null || factory.wakeOn?.includes(topic)) worker.wake?.();
  };
  const subscription = subscribe(
    db,
    [WORK_CHANNEL, ROUTING_CHANNEL],
    (channel, payload) => {
      // An empty payload: the session reconnected and anything may have changed.
      if (payload === "") return wake(null);
      if (channel === ROUTING_CHANNEL) return payload === "Deployment" ? wake("deployments") : undefined;
      wake(payload as WorkTopic);
    },
    { log: (line) => console.warn(`[workers] ${line}`) },
  );
  listening = () => subscription.listening;
  return {
    names: started.map(({ worker }) => worker.name),
    listening: () => subscription.listening,
    async stop() {
      await subscription.close();
      await Promise.all(started.map(({ worker }) => worker.stop()));
    },
  };
}
