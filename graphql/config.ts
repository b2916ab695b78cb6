import path from "node:path";
import { z } from "zod";

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
  HOST: z.string().default("0.0.0.0"),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(100).default(10),
  TRAINYARD_SEED: flag.optional(),
  TRAINYARD_EXECUTOR: flag.optional(),
  TRAINYARD_SIMULATOR: flag.optional(),
  TRAINYARD_PUBLIC_URL: z.string().url().optional(),
});

export interface Config {
  /** Set: a PostgreSQL server. Unset: the embedded PGlite database under dataDir. */
  databaseUrl: string | undefined;
  dataDir: string;
  port: number;
  host: string;
  poolSize: number;
  /** Seed demo data at start (default: on with the embedded database only). */
  seedDemoData: boolean;
  executorEnabled: boolean;
  simulatorEnabled: boolean;
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
    host: e.HOST,
    poolSize: e.DATABASE_POOL_SIZE,
    seedDemoData: e.TRAINYARD_SEED ?? embedded,
    executorEnabled: e.TRAINYARD_EXECUTOR ?? true,
    simulatorEnabled: e.TRAINYARD_SIMULATOR ?? embedded,
  };
}
