import type { ExecutorOptions } from "../../graphql/workers/executor.ts";

/** The built-in executor as tests drive it: 10 ms steps, no simulated failures, ticks given by the test. */
export const executorOptions = (name: string, overrides: Partial<ExecutorOptions> = {}): ExecutorOptions => ({
  name: `builtin:${name}`,
  stepMs: 10,
  tickMs: 1000,
  failureRate: 0,
  slots: 2,
  staleAfterMs: 30_000,
  trainerTimeoutMs: 600_000,
  ...overrides,
});
