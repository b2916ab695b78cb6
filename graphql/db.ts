import { mkdir, access, constants } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PrismaPGlite } from "pglite-prisma-adapter";
import { PrismaPg } from "@prisma/adapter-pg";
import pg from "pg";
import { PrismaClient, type Prisma } from "./generated/prisma/client.ts";
import { ConfigError } from "./config.ts";
import { lockDataDir, type DataDirLock } from "./security/data-dir-lock.ts";

export type { PrismaClient };

/**
 * What services take: the client, or a transaction already open. A mutation's
 * work and its audit row commit together, so services must not assume they
 * open the outermost transaction: they go through `inTransaction`.
 */
export type Db = PrismaClient | Prisma.TransactionClient;

/**
 * True for a client that can open transactions. Prisma 7's transaction clients
 * also carry a `$transaction` property, so the test is `$connect`, which only
 * the full client has.
 */
export function isClient(db: Db): db is PrismaClient {
  return typeof (db as PrismaClient).$connect === "function";
}

/** Runs `fn` in a transaction: a new one on the client, or the caller's own when `db` already is one. */
export function inTransaction<T>(
  db: Db,
  fn: (tx: Prisma.TransactionClient) => Promise<T>,
  options?: { maxWait?: number; timeout?: number; isolationLevel?: Prisma.TransactionIsolationLevel },
): Promise<T> {
  return isClient(db) ? db.$transaction(fn, options) : fn(db);
}

/** One connection, held for the duration of a callback: session-level locks hold across its statements. */
export interface SqlConnection {
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs a whole script with the simple query protocol: one implicit transaction. */
  exec(sql: string): Promise<void>;
}

export interface Database {
  prisma: PrismaClient;
  kind: "pglite" | "postgres";
  /** PostgreSQL only: the URL, for a dedicated session such as LISTEN (never logged: it may hold a password). */
  connectionString?: string;
  /** The embedded database only: its one in-process session, for LISTEN (see graphql/listen.ts). */
  pglite?: PGlite;
  /** Where the data lives, for log lines (never includes a password). */
  label: string;
  withConnection<T>(fn: (conn: SqlConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /** Connection pool figures (PostgreSQL only; PGlite is one in-process connection). */
  poolStats?(): { total: number; idle: number; waiting: number; max: number };
}

export interface DatabaseOptions {
  /** postgres:// or postgresql:// URL; unset means the embedded PGlite database. */
  databaseUrl?: string | undefined;
  /** PGlite keeps its files in `<dataDir>/pglite`; "memory://" keeps them in memory. */
  dataDir?: string;
  poolSize?: number;
  /** An existing PGlite instance (tests load one from a migrated snapshot). */
  pglite?: PGlite;
}

/**
 * The only place that knows which database Trainyard talks to. Everything else
 * receives a Database and uses Prisma (or, for migrations, a SqlConnection).
 */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSize ?? 10);
  if (options.pglite) return wrapPglite(options.pglite, "PGlite (in memory)");
  return openPglite(options.dataDir ?? ".data");
}

function describeUrl(raw: string): { url: URL; label: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      "DATABASE_URL is not a valid URL. Expected postgresql://USER:PASSWORD@HOST:PORT/DATABASE, or unset it to use the embedded database.",
    );
  }
  if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
    throw new ConfigError(
      `DATABASE_URL must start with postgresql:// (got ${url.protocol}//). Trainyard supports PostgreSQL 15 or newer, including Neon.`,
    );
  }
  const database = url.pathname.replace(/^\//, "") || "(default database)";
  return { url, label: `PostgreSQL ${url.hostname}:${url.port || 5432}/${database}` };
}

async function openPostgres(databaseUrl: string, poolSize: number): Promise<Database> {
  const { label } = describeUrl(databaseUrl);
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, connectionTimeoutMillis: 5_000 });
  // A client that loses its server (idle or checked out, e.g. 57P01 when PostgreSQL is killed) must not
  // crash the process: the pool drops it and opens a fresh one on the next query.
  pool.on("error", (err) => console.warn(`[db] idle connection error: ${err.message}`));
  pool.on("connect", (client) => client.on("error", (err) => console.warn(`[db] connection error: ${err.message}`)));
  try {
    await pool.query("SELECT 1");
  } catch (err) {
    await pool.end().catch(() => {});
    throw new ConfigError(`Cannot connect to ${label}: ${describePgError(err)}. Check DATABASE_URL and that the server is running.`);
  }
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool, { statementNameGenerator: preparedStatementName as (q: { sql: string }) => string }) });
  return {
    prisma,
    kind: "postgres",
    connectionString: databaseUrl,
    label,
    poolStats: () => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: poolSize }),
    async withConnection(fn) {
      const client = await pool.connect();
      try {
        return await fn({
          async query(sql, params) {
            return (await client.query(sql, params as unknown[] | undefined)).rows;
          },
          async exec(sql) {
            await client.query(sql);
          },
        });
      } finally {
        client.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

/**
 * Statements that start with `PREPARED` (a comment naming them) are prepared once per connection and
 * executed by name: PostgreSQL parses them once and, after a few executions, reuses a plan. Every other
 * statement stays unnamed (planned for its parameters each time), and the names are capped, so a
 * connection never accumulates prepared statements (ADR 0048).
 */
export const PREPARED = (label: string) => `/* trainyard:prepared ${label} */`;
const PREPARED_PATTERN = /^\s*\/\* trainyard:prepared ([a-z0-9-]+) \*\//;
/** Names marked statements (at most `max` distinct texts per process; the rest stay unnamed). */
export function statementNamer(max = 32): (query: { sql: string }) => string | undefined {
  const names = new Map<string, string>();
  return (query) => {
    const known = names.get(query.sql);
    if (known) return known;
    const label = PREPARED_PATTERN.exec(query.sql)?.[1];
    if (!label || names.size >= max) return undefined;
    // A name per text: pg refuses a name reused for another text ("Prepared statements must be unique").
    let hash = 0x811c9dc5;
    for (let i = 0; i < query.sql.length; i++) hash = Math.imul(hash ^ query.sql.charCodeAt(i), 0x01000193);
    const name = `trainyard_${label}_${(hash >>> 0).toString(16)}`;
    names.set(query.sql, name);
    return name;
  };
}
const preparedStatementName = statementNamer();

function describePgError(err: unknown): string {
  const e = err as { code?: string; message?: string; errors?: Array<{ message?: string }> };
  const detail = e.message || e.errors?.[0]?.message || String(err);
  return e.code ? `${detail} (${e.code})` : detail;
}

async function openPglite(dataDir: string): Promise<Database> {
  if (dataDir === "memory://") return wrapPglite(await PGlite.create(), "PGlite (in memory)");
  const dir = path.resolve(dataDir, "pglite");
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new ConfigError(
      `Cannot write the data directory ${dir} (${code}). Set TRAINYARD_DATA_DIR to a folder this user can write.`,
    );
  }
  const lock = lockDataDir(path.resolve(dataDir));
  let pglite: PGlite;
  try {
    pglite = await PGlite.create(dir);
  } catch (err) {
    lock.release();
    throw new ConfigError(
      `Cannot open the embedded database in ${dir}: ${(err as Error).message}. Is another Trainyard process using it? Only one process may open a PGlite directory; use DATABASE_URL to run several.`,
    );
  }
  return wrapPglite(pglite, `PGlite ${dir}`, lock);
}

function wrapPglite(pglite: PGlite, label: string, lock?: DataDirLock): Database {
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(pglite) });
  const conn: SqlConnection = {
    async query(sql, params) {
      return (await pglite.query(sql, params as unknown[] | undefined)).rows as never[];
    },
    async exec(sql) {
      await pglite.exec(sql);
    },
  };
  return {
    prisma,
    kind: "pglite",
    pglite,
    label,
    // In-process PGlite is a single session: every caller shares it.
    withConnection: (fn) => fn(conn),
    async close() {
      await prisma.$disconnect();
      if (!pglite.closed) await pglite.close();
      lock?.release();
    },
  };
}
