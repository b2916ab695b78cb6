import { createHash } from "node:crypto";
import { cp, mkdtemp, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { applyMigrations, MIGRATIONS_DIR, MigrationError, readMigrations, resolveRolledBack } from "../../prisma/migrate.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

const rows = () =>
  t.db.prisma.$queryRawUnsafe<Array<{ migration_name: string; checksum: string; finished_at: Date | null; rolled_back_at: Date | null; logs: string | null; applied_steps_count: number }>>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at, logs, applied_steps_count FROM "_prisma_migrations" ORDER BY started_at`,
  );

describe("applying migrations", () => {
  test("keeps Prisma's bookkeeping: one finished row per migration, checksum = sha256 of migration.sql", async () => {
    const migrations = await readMigrations();
    const applied = await rows();
    expect(applied.map((r) => r.migration_name)).toEqual(migrations.map((m) => m.name));
    for (const m of migrations) {
      const sql = await readFile(path.join(MIGRATIONS_DIR, m.name, "migration.sql"));
      const row = applied.find((r) => r.migration_name === m.name)!;
      expect(row.checksum).toBe(createHash("sha256").update(sql).digest("hex"));
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.applied_steps_count).toBe(1);
    }
  });

  test("is idempotent: a second run applies nothing", async () => {
    const result = await applyMigrations(t.db);
    expect(result.applied).toEqual([]);
    expect(result.warnings).toEqual([]);
  });

  test("a failing migration changes nothing, is recorded, and blocks later runs until resolved", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "trainyard-migrations-"));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const bad = path.join(dir, "29990101000000_bad");
      await mkdir(bad);
      await writeFile(path.join(bad, "migration.sql"), `CREATE TABLE "HalfApplied" ("id" INTEGER);\nSELECT 1 / 0;\n`);

      await expect(applyMigrations(t.db, { dir })).rejects.toThrow(/29990101000000_bad failed: division by zero/);
      const tables = await t.db.prisma.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM information_schema.tables WHERE table_name = 'HalfApplied'`);
      expect(tables).toEqual([]);
      const failed = (await rows()).find((r) => r.migration_name === "29990101000000_bad")!;
      expect(failed).toMatchObject({ finished_at: null, rolled_back_at: null });
      expect(failed.logs).toMatch(/division by zero/);

      const refused = applyMigrations(t.db, { dir });
      await expect(refused).rejects.toBeInstanceOf(MigrationError);
      await expect(applyMigrations(t.db, { dir })).rejects.toThrow(/refuses further migrations/);

      expect(await resolveRolledBack(t.db, "29990101000000_bad")).toBe(true);
      await writeFile(path.join(bad, "migration.sql"), `CREATE TABLE "HalfApplied" ("id" INTEGER);\n`);
      const fixed = await applyMigrations(t.db, { dir });
      expect(fixed.applied).toEqual(["29990101000000_bad"]);
    } finally {
      await t.db.prisma.$executeRawUnsafe(`DROP TABLE IF EXISTS "HalfApplied"`);
      await t.db.prisma.$executeRawUnsafe(`DELETE FROM "_prisma_migrations" WHERE migration_name = '29990101000000_bad'`);
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("warns when an applied migration was edited afterwards", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "trainyard-migrations-"));
    try {
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
      const [first] = await readMigrations(dir);
      await writeFile(path.join(dir, first!.name, "migration.sql"), `${first!.sql}\n-- edited\n`);
      const result = await applyMigrations(t.db, { dir });
      expect(result.warnings).toEqual([`Migration ${first!.name} was modified after it was applied (checksum differs).`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("constraints that settle races live in the database", () => {
  beforeAll(() => seedDemoData(t.db));

  test("at most one live deployment per job (partial unique index)", async () => {
    const live = await t.db.prisma.deployment.findFirstOrThrow({ where: { status: "ACTIVE" } });
    await expect(
      t.db.prisma.deployment.create({
        data: { jobId: live.jobId, modelName: live.modelName, version: "v1.99.0", versionMinor: 99, endpointUrl: "https://x/1", deployedBy: "test", status: "DEPLOYING" },
      }),
    ).rejects.toThrow(/Unique constraint failed/);
    // A retired deployment of the same job does not count as live.
    const created = await t.db.prisma.deployment.create({
      data: { jobId: live.jobId, modelName: live.modelName, version: "v1.98.0", versionMinor: 98, endpointUrl: "https://x/2", deployedBy: "test", status: "RETIRED" },
    });
    await t.db.prisma.deployment.delete({ where: { id: created.id } });
  });

  test("(model name, version) is unique", async () => {
    const existing = await t.db.prisma.deployment.findFirstOrThrow({ where: { status: "RETIRED" } });
    await expect(
      t.db.prisma.deployment.create({
        data: { jobId: existing.jobId, modelName: existing.modelName, version: existing.version, versionMinor: 50, endpointUrl: "https://x/3", deployedBy: "test", status: "RETIRED" },
      }),
    ).rejects.toThrow(/Unique constraint failed/);
  });

  test("a job with deployments cannot be deleted (onDelete: Restrict)", async () => {
    await expect(t.db.prisma.trainingJob.delete({ where: { id: seedUuid("support-v2") } })).rejects.toThrow(/Foreign key constraint|violates RESTRICT|foreign key/i);
    expect(await t.db.prisma.trainingJob.count({ where: { id: seedUuid("support-v2") } })).toBe(1);
  });
});
