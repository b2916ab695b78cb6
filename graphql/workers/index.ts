import type { Config } from "../config.ts";
import type { Database } from "../db.ts";
import { rolloutWorker } from "./rollout.ts";
import { trainingExecutor, trainingWatchdog } from "./executor.ts";
import { trafficSimulator } from "./simulator.ts";
import { metricsMaintenance } from "./metrics-maintenance.ts";
import { alertEvaluator, notificationSender } from "./alerts.ts";
import type { Worker, WorkerFactory } from "./loop.ts";

export { startLoop, type Worker, type WorkerFactory } from "./loop.ts";

/** Registered workers; each feature adds its factory here. */
const FACTORIES: WorkerFactory[] = [rolloutWorker, trainingExecutor, trainingWatchdog, trafficSimulator, metricsMaintenance, alertEvaluator, notificationSender];

export function startWorkers(db: Database, config: Config): Worker[] {
  return FACTORIES.filter((f) => f.enabled(config)).map((f) => f.start(db, config));
}
