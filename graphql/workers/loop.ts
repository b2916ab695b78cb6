import type { Config } from "../config.ts";
import type { Database } from "../db.ts";
import { observeWorkerTick } from "../observability/registry.ts";

/**
 * A background loop. Every worker must be safe with several web processes
 * running at once: claim work with row locks (`FOR UPDATE SKIP LOCKED`) or
 * advisory locks, never by assuming it is the only process.
 */
export interface Worker {
  name: string;
  stop(): Promise<void>;
}

export interface WorkerFactory {
  name: string;
  enabled(config: Config): boolean;
  start(db: Database, config: Config): Worker;
}

/** Runs `tick` every `intervalMs`, one tick at a time; a failing tick is logged and retried next time. */
export function startLoop(name: string, intervalMs: number, tick: () => Promise<void>): Worker {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const loop = () => {
    if (stopped) return;
    running = observeWorkerTick(name, tick)
      .catch((err) => console.warn(`[${name}] ${(err as Error).message}`))
      .finally(() => {
        if (!stopped) timer = setTimeout(loop, intervalMs);
      });
  };
  timer = setTimeout(loop, 0);
  return {
    name,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
