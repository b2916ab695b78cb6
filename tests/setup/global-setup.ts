import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import pg from "pg";
import type { TestProject } from "vitest/node";
import { openDatabase } from "../../graphql/db.ts";
import { applyMigrations } from "../../prisma/migrate.ts";

/**
 * Builds one migrated template per run; every test file then starts from a
 * copy of it (a PGlite snapshot, or a PostgreSQL `CREATE DATABASE … TEMPLATE`).
 * PGlite is the default; TEST_DATABASE_URL or DATABASE_URL selects a server.
 */

declare module "vitest" {
  export interface ProvidedContext {
    testDatabase: { kind: "pglite"; snapshotPath: string } | { kind: "postgres"; serverUrl: string; template: string };
  }
}

export default async function setup(project: TestProject) {
  const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;
  if (!serverUrl) {
    const pglite = await PGlite.create();
    const db = await openDatabase({ pglite });
    await applyMigrations(db);
    const snapshot = await pglite.dumpDataDir("none");
    await db.close();
    const dir = path.resolve(".tmp");
    await mkdir(dir, { recursive: true });
    const snapshotPath = path.join(dir, `pglite-template-${process.pid}.tar`);
    await writeFile(snapshotPath, Buffer.from(await snapshot.arrayBuffer()));
    project.provide("testDatabase", { kind: "pglite", snapshotPath });
    return;
  }

  const template = `trainyard_test_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template}`);
  await admin.query(`CREATE DATABASE ${template}`);
  const templateUrl = withDatabase(serverUrl, template);
  const db = await openDatabase({ databaseUrl: templateUrl, poolSize: 1 });
  await applyMigrations(db);
  await db.close();
  project.provide("testDatabase", { kind: "postgres", serverUrl, template });
  return async () => {
    // Test databases made from the template are dropped by their files; drop leftovers and the template.
    const { rows } = await admin.query<{ datname: string }>(
      `SELECT datname FROM pg_database WHERE datname LIKE $1`,
      [`trainyard_test_${process.pid}_%`],
    );
    for (const r of rows) await admin.query(`DROP DATABASE IF EXISTS ${r.datname} WITH (FORCE)`).catch(() => {});
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
    await admin.end();
  };
}

export function withDatabase(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}
