import { z } from "zod";

/** Environment variables of real serving (probes and the inference gateway); merged into config.ts's schema. */
export const servingEnv = {
  TRAINYARD_ROLLOUT_TIMEOUT_SECONDS: z.coerce.number().min(1).max(86_400).default(600),
  TRAINYARD_PROBE_INTERVAL_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  TRAINYARD_HEALTH_INTERVAL_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  TRAINYARD_PROBE_TIMEOUT_MS: z.coerce.number().int().min(50).max(60_000).default(2000),
  TRAINYARD_GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  TRAINYARD_GATEWAY_URL: z.string().url().optional(),
  TRAINYARD_GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1).max(1024 ** 3).default(10 * 1024 * 1024),
  TRAINYARD_GATEWAY_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(60_000),
  TRAINYARD_GATEWAY_FLUSH_MS: z.coerce.number().int().min(50).max(60_000).default(1000),
  TRAINYARD_GATEWAY_REFRESH_MS: z.coerce.number().int().min(50).max(2000).default(1000),
  TRAINYARD_GATEWAY_MAX_UNFLUSHED: z.coerce.number().int().min(1).max(1_000_000).default(3600),
} as const;

export interface ServingConfig {
  /** DEPLOYING with an upstream → FAILED when not healthy within this. */
  rolloutTimeoutMs: number;
  /** How often a DEPLOYING upstream is probed. */
  probeIntervalMs: number;
  /** How often an ACTIVE upstream is probed. */
  healthIntervalMs: number;
  probeTimeoutMs: number;
  gateway: {
    port: number;
    /** The URL callers use (shown in snippets); default: the web server's own /v1/models. */
    publicUrl: string | undefined;
    bodyLimitBytes: number;
    upstreamTimeoutMs: number;
    flushIntervalMs: number;
    refreshIntervalMs: number;
    /** Unflushed per-second aggregates kept while the database is unreachable; older ones are dropped and counted. */
    maxUnflushedBatches: number;
  };
}

type ServingEnv = z.infer<z.ZodObject<typeof servingEnv>>;

export function servingConfig(e: ServingEnv): ServingConfig {
  return {
    rolloutTimeoutMs: e.TRAINYARD_ROLLOUT_TIMEOUT_SECONDS * 1000,
    probeIntervalMs: e.TRAINYARD_PROBE_INTERVAL_MS,
    healthIntervalMs: e.TRAINYARD_HEALTH_INTERVAL_MS,
    probeTimeoutMs: e.TRAINYARD_PROBE_TIMEOUT_MS,
    gateway: {
      port: e.TRAINYARD_GATEWAY_PORT,
      publicUrl: e.TRAINYARD_GATEWAY_URL,
      bodyLimitBytes: e.TRAINYARD_GATEWAY_BODY_LIMIT_BYTES,
      upstreamTimeoutMs: e.TRAINYARD_GATEWAY_TIMEOUT_MS,
      flushIntervalMs: e.TRAINYARD_GATEWAY_FLUSH_MS,
      refreshIntervalMs: e.TRAINYARD_GATEWAY_REFRESH_MS,
      maxUnflushedBatches: e.TRAINYARD_GATEWAY_MAX_UNFLUSHED,
    },
  };
}
