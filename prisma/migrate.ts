import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Database, SqlConnection } from "../graphql/db.ts";

/**
 * Applies prisma/migrations/* the way `prisma migrate deploy` does, keeping its
 * `_prisma_migrations` bookkeeping so both stay interchangeable. Works on PGlite
 * and PostgreSQL alike. See docs/decisions/0002-migrations.md.
 */

// Resolved through the project root, so it is the same from prisma/migrate.ts and from the compiled build/server.mjs.
export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "prisma", "migrations");

/** The advisory lock key Prisma's migrate uses, so a concurrent `prisma migrate deploy` waits too. */
const PRISMA_MIGRATE_LOCK = 72707369;

export class MigrationError extends Error {
  override name = "MigrationError";
}

interface MigrationRow {
  id: string;
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
  logs: string | null;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    }),
  );
}

const CREATE_BOOKKEEPING = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

export interface MigrateResult {
  applied: string[];
  alreadyApplied: number;
  warnings: string[];
}

export async function applyMigrations(
  db: Database,
  options: { dir?: string; log?: (line: string) => void } = {},
): Promise<MigrateResult> {
  const migrations = await readMigrations(options.dir);
  const log = options.log ?? (() => {});
  return db.withConnection(async (conn) => {
    await conn.query(`SELECT pg_advisory_lock(${PRISMA_MIGRATE_LOCK})`);
    try {
      return await applyLocked(conn, migrations, log);
    } finally {
      await conn.query(`SELECT pg_advisory_unlock(${PRISMA_MIGRATE_LOCK})`);
    }
  });
}

async function applyLocked(conn: SqlConnection, migrations: Migration[], log: (line: string) => void) {
  await conn.exec(CREATE_BOOKKEEPING);
  const rows = await conn.query<MigrationRow>(
    `SELECT id, migration_name, checksum, finished_at, rolled_back_at, logs FROM "_prisma_migrations" ORDER BY started_at`,
  );
  const failed = rows.find((r) => r.finished_at === null && r.rolled_back_at === null);
  if (failed) {
    throw new MigrationError(
      `Migration ${failed.migration_name} failed earlier and the database refuses further migrations (like Prisma's P3009). ` +
        `Its error: ${firstLine(failed.logs)}. Fix the cause, then run \`trainyard migrate --resolve-rolled-back ${failed.migration_name}\` and migrate again.`,
    );
  }
  const applied = new Map(rows.filter((r) => r.finished_at && !r.rolled_back_at).map((r) => [r.migration_name, r]));
  const warnings: string[] = [];
  for (const m of migrations) {
    const row = applied.get(m.name);
    if (row && row.checksum !== m.checksum) {
      warnings.push(`Migration ${m.name} was modified after it was applied (checksum differs).`);
    }
  }
  const known = new Set(migrations.map((m) => m.name));
  for (const name of applied.keys()) {
    if (!known.has(name)) warnings.push(`Migration ${name} is applied in the database but missing from prisma/migrations.`);
  }

  const done: string[] = [];
  for (const m of migrations) {
    if (applied.has(m.name)) continue;
    const id = randomUUID();
    await conn.query(
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count) VALUES ($1, $2, $3, now(), 0)`,
      [id, m.checksum, m.name],
    );
    try {
      // The whole file in one simple-protocol query runs as one implicit
      // transaction: a failure leaves no half-applied schema behind.
      await conn.exec(m.sql);
    } catch (err) {
      const message = (err as Error).message;
      await conn.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, message]);
      throw new MigrationError(
        `Migration ${m.name} failed: ${firstLine(message)}. Nothing of it was applied; the database refuses further migrations until you fix it and run \`trainyard migrate --resolve-rolled-back ${m.name}\`.`,
      );
    }
    await conn.query(`UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`, [id]);
    log(`applied migration ${m.name}`);
    done.push(m.name);
  }
  return { applied: done, alreadyApplied: applied.size, warnings };
}

/** Marks a failed migration as rolled back, like `prisma migrate resolve --rolled-back`. */
export async function resolveRolledBack(db: Database, name: string): Promise<boolean> {
  return db.withConnection(async (conn) => {
    const rows = await conn.query(
      `UPDATE "_prisma_migrations" SET rolled_back_at = now() WHERE migration_name = $1 AND finished_at IS NULL AND rolled_back_at IS NULL RETURNING id`,
      [name],
    );
    return rows.length > 0;
  });
}

function firstLine(text: string | null): string {
  return (text ?? "unknown error").split("\n")[0]!.trim();
}
