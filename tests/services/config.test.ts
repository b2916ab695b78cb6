import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { ConfigError, listeningAt, loadConfig } from "../../graphql/config.ts";
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

test("every environment variable the product reads is parsed here: URLs, endpoint base, cookies, admin", () => {
  const d = loadConfig({});
  expect(d).toMatchObject({
    publicUrl: "http://localhost:3000",
    gatewayUrl: "http://localhost:3000",
    endpointBase: "https://inference.trainyard.internal",
    admin: undefined,
    cookies: { secure: false, secret: "trainyard-toast-cookie" },
  });
  const c = loadConfig({
    PORT: "8123",
    TRAINYARD_PUBLIC_URL: "https://console.example.com/",
    TRAINYARD_ENDPOINT_BASE: "https://models.example.com/",
    TRAINYARD_ADMIN_PASSWORD: "a-long-password",
    TRAINYARD_ADMIN_USER: " ops ",
    SESSION_SECRET: "s3cret",
    NODE_ENV: "production",
  });
  expect(c).toMatchObject({
    publicUrl: "https://console.example.com",
    gatewayUrl: "https://console.example.com",
    endpointBase: "https://models.example.com",
    admin: { name: "ops", password: "a-long-password" },
    cookies: { secure: true, secret: "s3cret" },
  });
  expect(loadConfig({ NODE_ENV: "production", TRAINYARD_INSECURE_COOKIES: "1" }).cookies.secure).toBe(false);
  expect(loadConfig({ TRAINYARD_GATEWAY_URL: "https://gw.example.com" }).gatewayUrl).toBe("https://gw.example.com");
  expect(() => loadConfig({ TRAINYARD_ENDPOINT_BASE: "not a url" })).toThrow(/TRAINYARD_ENDPOINT_BASE/);
});

test("once the server listens, unset URLs follow the bound address; configured ones stay", () => {
  expect(listeningAt(loadConfig({ PORT: "0" }), "http://localhost:41234")).toMatchObject({
    publicUrl: "http://localhost:41234",
    gatewayUrl: "http://localhost:41234",
  });
  const pinned = listeningAt(loadConfig({ TRAINYARD_PUBLIC_URL: "https://c.example.com", TRAINYARD_GATEWAY_URL: "https://g.example.com" }), "http://localhost:1");
  expect(pinned).toMatchObject({ publicUrl: "https://c.example.com", gatewayUrl: "https://g.example.com" });
});

test("nothing outside graphql/config.ts reads process.env in graphql/ and app/server/", async () => {
  const { readdir, readFile } = await import("node:fs/promises");
  const offenders: string[] = [];
  for (const dir of ["graphql", "app/server"]) {
    for (const entry of await readdir(dir, { recursive: true })) {
      const file = path.join(dir, String(entry));
      if (!/\.tsx?$/.test(file) || file.includes("generated") || file === path.join("graphql", "config.ts")) continue;
      if (/process\.env|loadConfig\(/.test(await readFile(file, "utf8"))) offenders.push(file);
    }
  }
  expect(offenders).toEqual([]);
});
