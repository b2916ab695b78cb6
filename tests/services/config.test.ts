import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { ConfigError, loadConfig } from "../../graphql/config.ts";
import { openDatabase } from "../../graphql/db.ts";

test("a malformed DATABASE_URL is a one-line ConfigError that says what to do", async () => {
  await expect(openDatabase({ databaseUrl: "not a url" })).rejects.toThrow(ConfigError);
  await expect(openDatabase({ databaseUrl: "not a url" })).rejects.toThrow(/DATABASE_URL is not a valid URL/);
  await expect(openDatabase({ databaseUrl: "mysql://localhost/x" })).rejects.toThrow(/must start with postgresql:\/\//);
});

test("an unreachable database is a ConfigError naming the server", async () => {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  const err = await openDatabase({ databaseUrl: "postgresql://nobody@127.0.0.1:1/trainyard" }).catch((e) => e);
  expect(err).toBeInstanceOf(ConfigError);
  expect(err.message).toMatch(/Cannot connect to PostgreSQL 127\.0\.0\.1:1\/trainyard/);
  expect(err.message.split("\n")).toHaveLength(1);
});

test("a data directory that cannot be written is a ConfigError", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "trainyard-ro-"));
  try {
    // A regular file where the data directory should be: mkdir fails for root too.
    const { writeFile } = await import("node:fs/promises");
    await writeFile(path.join(dir, "blocked"), "");
    await chmod(dir, 0o500);
    const err = await openDatabase({ dataDir: path.join(dir, "blocked") }).catch((e) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).toMatch(/Cannot write the data directory .*TRAINYARD_DATA_DIR/);
  } finally {
    await chmod(dir, 0o700);
    await rm(dir, { recursive: true, force: true });
  }
});

test("configuration: defaults for the embedded database, and invalid values rejected", () => {
  const c = loadConfig({});
  expect(c).toMatchObject({ databaseUrl: undefined, port: 3000, seedDemoData: true, simulatorEnabled: true, executorEnabled: true });
  expect(c.dataDir).toBe(path.resolve(".data"));
  const server = loadConfig({ DATABASE_URL: "postgresql://x@y/z" });
  expect(server).toMatchObject({ seedDemoData: false, simulatorEnabled: false });
  expect(() => loadConfig({ PORT: "eighty" })).toThrow(/Invalid environment variable PORT/);
  expect(() => loadConfig({ TRAINYARD_SEED: "maybe" })).toThrow(ConfigError);
});

test("without an admin password the console listens on loopback only, unless HOST says otherwise", () => {
  expect(loadConfig({})).toMatchObject({ host: "127.0.0.1", gatewayHost: "0.0.0.0" });
  expect(loadConfig({ TRAINYARD_ADMIN_PASSWORD: "a-long-password" })).toMatchObject({ host: "0.0.0.0" });
  expect(loadConfig({ HOST: "0.0.0.0" })).toMatchObject({ host: "0.0.0.0", gatewayHost: "0.0.0.0" });
  expect(loadConfig({ HOST: "10.0.0.5", TRAINYARD_ADMIN_PASSWORD: "a-long-password" })).toMatchObject({ host: "10.0.0.5", gatewayHost: "10.0.0.5" });
});
