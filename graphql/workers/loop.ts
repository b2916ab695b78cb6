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
  /** Runs the next pass now (or right after the one running): new work was announced. */
  wake?(): void;
}

/** What announced work wakes a worker: a row written to its table (see graphql/workers/index.ts). */
export type WorkTopic = "training" | "notifications" | "alerts" | "deployments";

export interface WorkerContext {
  /** Whether announced work is heard right now (else idle loops poll at their interval). */
  listening(): boolean;
}

/** How long an idle loop sleeps while announcements are heard: a backstop, not a latency. */
export const IDLE_BACKSTOP_MS = 30_000;

export interface WorkerFactory {
  name: string;
  enabled(config: Config): boolean;
  start(db: Database, config: Config, context?: WorkerContext): Worker;
  /** Announcements that wake it; without any, it polls at its interval. */
  wakeOn?: readonly WorkTopic[];
}

/** How long until `ms` (a next-due time from a service; null when nothing is due) as a TickResult. */
export function dueIn(ms: number | null): TickResult {
  return ms === null ? false : ms;
}

/**
 * What a pass says about the next one: nothing or `true`, "again after the interval" (there is work
 * in flight); `false`, "nothing to do" (sleep until woken); a number, "the next known work is due in
 * this many ms".
 */
export type TickResult = void | boolean | number;

export interface LoopOptions {
  /**
   * How long a pass with nothing to do sleeps while wake-ups are heard (`listening()`): new work is
   * announced (graphql/listen.ts) and wakes the loop at once, so this is only a backstop. While
   * nothing is heard, idle passes come every `intervalMs` as they would without notifications.
   */
  idleMs?: number;
  listening?: () => boolean;
  /** The shortest sleep before a known due time (default 5 ms), to gather work due close together. */
  minSleepMs?: number;
}

/**
 * Runs `tick` every `intervalMs`, one tick at a time; a failing tick is logged and retried next time.
 * With `options.idleMs`, an idle loop sleeps (see TickResult) and `wake()` cuts the sleep short.
 */
export function startLoop(name: string, intervalMs: number, tick: () => Promise<TickResult>, options: LoopOptions = {}): Worker {
  let stopped = false;
  let running: Promise<void> | null = null;
  let timer: NodeJS.Timeout | undefined;
  let wakeAgain = false;
  const nextDelay = (result: TickResult): number => {
    if (result === undefined || result === true || options.idleMs === undefined) return intervalMs;
    // A loop that hears no announcements (or none right now) must poll for new work at its interval.
    const cap = options.listening === undefined || options.listening() ? options.idleMs : intervalMs;
    if (result === false) return cap;
    return Math.max(options.minSleepMs ?? 5, Math.min(result, cap));
  };
  const loop = () => {
    if (stopped) return;
    timer = undefined;
    wakeAgain = false;
    let result: TickResult;
    running = observeWorkerTick(name, async () => {
      result = await tick();
    })
      .catch((err) => console.warn(`[${name}] ${(err as Error).message}`))
      .finally(() => {
        running = null;
        if (!stopped) timer = setTimeout(loop, wakeAgain ? 0 : nextDelay(result));
      });
  };
  timer = setTimeout(loop, 0);
  return {
    name,
    wake() {
      if (stopped) return;
      if (running) {
        wakeAgain = true;
        return;
      }
      if (timer) clearTimeout(timer);
      timer = setTimeout(loop, 0);
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
