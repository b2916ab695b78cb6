import path from "node:path";
import { z } from "zod";
import { servingConfig, servingEnv, type ServingConfig } from "./serving-config.ts";

/** A problem the operator can fix: printed as one line, never as a stack trace. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

const flag = z
  .enum(["on", "off", "true", "false", "1", "0"])
  .transform((v) => v === "on" || v === "true" || v === "1");

const envSchema = z.object({
  DATABASE_URL: z.string().trim().optional(),
  TRAINYARD_DATA_DIR: z.string().trim().min(1).default(".data"),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).optional(),
  TRAINYARD_ADMIN_PASSWORD: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  TRAINYARD_SEED: flag.optional(),
  TRAINYARD_EXECUTOR: flag.optional(),
  TRAINYARD_SIMULATOR: flag.optional(),
  TRAINYARD_EXECUTOR_STEP_MS: z.coerce.number().min(0.1).max(60_000).default(20),
  TRAINYARD_EXECUTOR_TICK_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  TRAINYARD_EXECUTOR_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.1),
  TRAINYARD_EXECUTOR_SLOTS: z.coerce.number().int().min(1).max(64).default(2),
  TRAINYARD_EXECUTOR_STALE_SECONDS: z.coerce.number().min(1).max(86_400).default(30),
  TRAINYARD_TRAINER_TIMEOUT_SECONDS: z.coerce.number().min(1).max(7 * 86_400).default(600),
  TRAINYARD_PUBLIC_URL: z.string().url().optional(),
  TRAINYARD_REQUIRE_READ_TOKEN: flag.optional(),
  TRAINYARD_ROLLOUT: flag.optional(),
  TRAINYARD_ROLLOUT_SECONDS: z.coerce.number().min(0).max(3600).default(5),
  TRAINYARD_ROLLOUT_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0.02),
  ...servingEnv,
  TRAINYARD_METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  TRAINYARD_ENDPOINT_BASE: z.string().url().default("https://inference.trainyard.internal"),
  TRAINYARD_ADMIN_USER: z.string().trim().optional(),
  TRAINYARD_INSECURE_COOKIES: z.string().optional(),
  SESSION_SECRET: z.string().min(1).optional(),
  NODE_ENV: z.string().optional(),
});

export interface Config {
  /** Set: a PostgreSQL server. Unset: the embedded PGlite database under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  gatewayHost: string;
  poolSize: number;
  /** Seed demo data at start (default: on with the embedded database only). */
  seedDemoData: boolean;
  executorEnabled: boolean;
  /** The built-in executor's time scale and behaviour (see docs/decisions/0007-training-executor.md). */
  executor: ExecutorConfig;
  simulatorEnabled: boolean;
  /** Queries over HTTP need a token with the `read` scope (default off: reads are open on a trusted network). */
  requireReadToken: boolean;
  /** The simulated rollout (DEPLOYING → ACTIVE or FAILED) of new deployments. */
  rollout: { enabled: boolean; seconds: number; failureRate: number };
  /** Real serving: readiness probes, the inference gateway (see graphql/serving-config.ts). */
  serving: ServingConfig;
  /** When set, GET /metrics needs `Authorization: Bearer <token>`. */
  metricsToken: string | undefined;
  /** Where people reach the console (links in notifications): TRAINYARD_PUBLIC_URL, else the address it listens on. */
  publicUrl: string;
  /** TRAINYARD_PUBLIC_URL as given (unset: publicUrl follows the listening address). */
  configuredPublicUrl: string | undefined;
  /** Where callers reach the inference gateway: TRAINYARD_GATEWAY_URL, else the console's own `/v1/models`. */
  gatewayUrl: string;
  /** The nominal inference endpoint recorded on each deployment (TRAINYARD_ENDPOINT_BASE). */
  endpointBase: string;
  /** TRAINYARD_ADMIN_PASSWORD / TRAINYARD_ADMIN_USER: that admin account is created or updated at start. */
  admin: { name: string; password: string } | undefined;
  /** Console cookies: `Secure` with NODE_ENV=production unless TRAINYARD_INSECURE_COOKIES=1; SESSION_SECRET signs the toast cookie. */
  cookies: { secure: boolean; secret: string };
}

export interface ExecutorConfig {
  /** Wall-clock milliseconds per simulated optimiser step. */
  stepMs: number;
  tickMs: number;
  /** Fraction of jobs the simulation fails with a realistic error, 0 to 1. */
  failureRate: number;
  /** Jobs one process runs at once. */
  slots: number;
  /** A built-in job whose heartbeat is older than this was left by a dead process: resume it. */
  staleAfterMs: number;
  /** An external trainer silent for this long is presumed dead: its job is marked FAILED. */
  trainerTimeoutMs: number;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(
      `Invalid environment variable ${issue.path.join(".")}: ${issue.message}. See the configuration table in README.md.`,
    );
  }
  const e = parsed.data;
  const databaseUrl = e.DATABASE_URL === "" ? undefined : e.DATABASE_URL;
  const embedded = databaseUrl === undefined;
  return {
    databaseUrl,
    dataDir: path.resolve(e.TRAINYARD_DATA_DIR),
    port: e.PORT,
    // Secure by default: without an admin password configured for an automated install, listen on loopback only
    // unless HOST says otherwise; every page needs a signed-in account either way.
    host: e.HOST ?? (e.TRAINYARD_ADMIN_PASSWORD ? "0.0.0.0" : "127.0.0.1"),
    // `trainyard gateway` serves no console (every call needs an invoke token): all interfaces by default.
    gatewayHost: e.HOST ?? "0.0.0.0",
    poolSize: e.DATABASE_POOL_SIZE,
    seedDemoData: e.TRAINYARD_SEED ?? embedded,
    executorEnabled: e.TRAINYARD_EXECUTOR ?? true,
    executor: {
      stepMs: e.TRAINYARD_EXECUTOR_STEP_MS,
      tickMs: e.TRAINYARD_EXECUTOR_TICK_MS,
      failureRate: e.TRAINYARD_EXECUTOR_FAILURE_RATE,
      slots: e.TRAINYARD_EXECUTOR_SLOTS,
      staleAfterMs: e.TRAINYARD_EXECUTOR_STALE_SECONDS * 1000,
      trainerTimeoutMs: e.TRAINYARD_TRAINER_TIMEOUT_SECONDS * 1000,
    },
    simulatorEnabled: e.TRAINYARD_SIMULATOR ?? embedded,
    requireReadToken: e.TRAINYARD_REQUIRE_READ_TOKEN ?? false,
    rollout: { enabled: e.TRAINYARD_ROLLOUT ?? true, seconds: e.TRAINYARD_ROLLOUT_SECONDS, failureRate: e.TRAINYARD_ROLLOUT_FAILURE_RATE },
    serving: servingConfig(e),
    metricsToken: e.TRAINYARD_METRICS_TOKEN || undefined,
    configuredPublicUrl: e.TRAINYARD_PUBLIC_URL,
    ...urls({ publicUrl: e.TRAINYARD_PUBLIC_URL, gatewayUrl: e.TRAINYARD_GATEWAY_URL }, `http://localhost:${e.PORT}`),
    endpointBase: e.TRAINYARD_ENDPOINT_BASE.replace(/\/+$/, ""),
    admin: e.TRAINYARD_ADMIN_PASSWORD ? { name: e.TRAINYARD_ADMIN_USER || "admin", password: e.TRAINYARD_ADMIN_PASSWORD } : undefined,
    cookies: {
      secure: e.NODE_ENV === "production" && e.TRAINYARD_INSECURE_COOKIES !== "1",
      secret: e.SESSION_SECRET ?? "trainyard-toast-cookie",
    },
  };
}

function urls(explicit: { publicUrl: string | undefined; gatewayUrl: string | undefined }, listening: string) {
  const publicUrl = (explicit.publicUrl ?? listening).replace(/\/+$/, "");
  return { publicUrl, gatewayUrl: (explicit.gatewayUrl ?? publicUrl).replace(/\/+$/, "") };
}

/**
 * The configuration once the server listens: URLs that TRAINYARD_PUBLIC_URL / TRAINYARD_GATEWAY_URL leave
 * unset follow the address actually bound (PORT=0 picks a free port).
 */
export function listeningAt(config: Config, url: string): Config {
  return { ...config, ...urls({ publicUrl: config.configuredPublicUrl, gatewayUrl: config.serving.gateway.publicUrl }, url) };
}

let processWide: Config | undefined;

/**
 * This process's configuration, parsed from the environment once. Entry points (cli/server.ts, the CLI)
 * pass theirs explicitly; this is for callers that have no context to carry it (tests, the Remix cookie
 * storage). Nothing in resolvers or services reads the environment.
 */
export function processConfig(): Config {
  return (processWide ??= loadConfig());
}
