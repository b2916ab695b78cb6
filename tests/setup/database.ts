import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import { afterAll, beforeAll, inject } from "vitest";
import { openDatabase, type Database } from "../../graphql/db.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { withDatabase } from "./global-setup.ts";

export interface TestDatabase {
  db: Database;
  /** A postgres:// URL for a server process to use, or undefined on PGlite. */
  url: string | undefined;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own for the calling test file. */
export async function createTestDatabase(options: { poolSize?: number } = {}): Promise<TestDatabase> {
  const target = inject("testDatabase");
  if (target.kind === "pglite") {
    const snapshot = new Blob([await readFile(target.snapshotPath)]);
    const pglite = await PGlite.create({ loadDataDir: snapshot });
    const db = await openDatabase({ pglite });
    return { db, url: undefined, drop: () => db.close() };
  }
  // The process id keeps names unique across the run; global setup removes leftovers by its own pid prefix.
  const name = `trainyard_test_${target.template.split("_").pop()}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: target.serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} TEMPLATE ${target.template}`);
  } finally {
    await admin.end();
  }
  const url = withDatabase(target.serverUrl, name);
  const db = await openDatabase({ databaseUrl: url, poolSize: options.poolSize ?? 20 });
  return {
    db,
    url,
    async drop() {
      await db.close();
      const c = new pg.Client({ connectionString: target.serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).finally(() => c.end());
    },
  };
}

/**
 * The calling test file's own database, migrated and seeded with the demo data before its tests and dropped
 * after them (registers beforeAll/afterAll). Its `db` and `url` are there once the tests run.
 */
export function useSeededDatabase(options: { poolSize?: number } = {}): TestDatabase {
  let current: TestDatabase | undefined;
  beforeAll(async () => {
    current = await createTestDatabase(options);
    await seedDemoData(current.db);
  }, 120_000);
  afterAll(() => current?.drop());
  const ready = () => {
    if (!current) throw new Error("the seeded test database is made in beforeAll: use it inside tests and hooks");
    return current;
  };
  return {
    get db() {
      return ready().db;
    },
    get url() {
      return ready().url;
    },
    drop: () => ready().drop(),
  };
}
