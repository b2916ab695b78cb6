import type { MutationSpec } from "../../graphql/audit.ts";
import type { Actor } from "../../graphql/context.ts";
import type { Database, Db } from "../../graphql/db.ts";
import { CliError, EXIT, usageError } from "./cli.ts";

/*
 * Operations open the database directly (DATABASE_URL, or the embedded one in
 * TRAINYARD_DATA_DIR), so they load it only when asked: API commands stay light.
 */

export async function withDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const { loadConfig } = await import("../../graphql/config.ts");
  const { openDatabase } = await import("../../graphql/db.ts");
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Opens the database the server uses (migrating it, so this works before the first start). */
export async function withMigratedDatabase<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  const { applyMigrations } = await import("../../prisma/migrate.ts");
  return withDatabase(async (db) => {
    await applyMigrations(db);
    return fn(db);
  });
}

/** The operator at this host's shell, as the audit trail names them. */
export async function localActor() {
  const { userInfo } = await import("node:os");
  const { systemActor } = await import("../../graphql/context.ts");
  let who = process.env.USER || process.env.LOGNAME || "unknown";
  try {
    who = userInfo().username || who;
  } catch {
    // no passwd entry (containers): keep the environment's name
  }
  return systemActor(`local:${who}`);
}

/**
 * One audited change made at this host, through the same mutation path as the API
 * (runMutation); a service failure with a stable code (validation, conflict, not found)
 * is a refused CLI run.
 */
export async function runLocalMutation<T>(
  audit: MutationSpec,
  work: (tx: Db, actor: Actor) => Promise<T>,
  targetOf?: (result: T) => { targetId?: string },
) {
  const { BaseError } = await import("../../graphql/errors.ts");
  const { runMutation } = await import("../../graphql/audit.ts");
  const { contextFor } = await import("../../graphql/context.ts");
  const actor = await localActor();
  try {
    const result = await withMigratedDatabase((db) => runMutation(contextFor(db, actor), audit, (tx) => work(tx, actor), targetOf));
    return { result, actor };
  } catch (err) {
    if (err instanceof BaseError) throw new CliError(`${err.message} (${err.code})`, EXIT.refused, err.code, err.message);
    throw err;
  }
}

export async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let data = "";
    for await (const chunk of process.stdin) data += chunk;
    return data.split(/\r?\n/)[0] ?? "";
  }
  if (!process.stdin.isTTY) throw usageError("no terminal to ask for the password on: pass it with --password-stdin");
  const ask = async (prompt: string) => {
    const { createInterface } = await import("node:readline");
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const muted = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    muted._writeToOutput = () => {};
    const answer = await new Promise<string>((resolve) => rl.question("", resolve));
    rl.close();
    process.stderr.write("\n");
    return answer;
  };
  const first = await ask("Password: ");
  if ((await ask("Repeat it: ")) !== first) throw usageError("the two passwords differ");
  return first;
}
