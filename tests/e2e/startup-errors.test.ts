import { spawnSync } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect, test } from "vitest";
import { SERVER_ENTRY } from "../setup/server.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/** Starts the real server entry point and returns how it ended. */
function start(env: Record<string, string>) {
  const result = spawnSync(process.execPath, SERVER_ENTRY, {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", TRAINYARD_SEED: "off", ...env } as NodeJS.ProcessEnv,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stderr: result.stderr.trim() };
}

test.each([
  ["a malformed DATABASE_URL", { DATABASE_URL: "postgres//oops" }, /^trainyard: DATABASE_URL is not a valid URL\./],
  ["an unreachable database", { DATABASE_URL: "postgresql://nobody@127.0.0.1:1/trainyard" }, /^trainyard: Cannot connect to PostgreSQL 127\.0\.0\.1:1\/trainyard: .*Check DATABASE_URL/],
  ["an invalid PORT", { PORT: "http" }, /^trainyard: Invalid environment variable PORT/],
])("%s stops the server with one clear line, not a stack trace", (_name, env, message) => {
  const { status, stderr } = start(env);
  expect(status).toBe(1);
  expect(stderr).toMatch(message);
  expect(stderr.split("\n")).toHaveLength(1);
});

test("a data directory that cannot be written stops the server with one clear line", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "trainyard-blocked-"));
  try {
    await writeFile(path.join(dir, "not-a-dir"), "");
    const { status, stderr } = start({ TRAINYARD_DATA_DIR: path.join(dir, "not-a-dir") });
    expect(status).toBe(1);
    expect(stderr).toMatch(/^trainyard: Cannot write the data directory .* Set TRAINYARD_DATA_DIR/);
    expect(stderr.split("\n")).toHaveLength(1);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a fresh start on every interface with no admin prints a one-time setup link, and nobody can mint a token without signing in", async () => {
  const { spawn } = await import("node:child_process");
  const dir = await mkdtemp(path.join(tmpdir(), "trainyard-open-"));
  const child = spawn(process.execPath, SERVER_ENTRY, {
    cwd: ROOT,
    env: { ...process.env, PORT: "0", HOST: "0.0.0.0", TRAINYARD_SEED: "off", TRAINYARD_DATA_DIR: dir, TRAINYARD_ADMIN_PASSWORD: "", DATABASE_URL: "" } as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  try {
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toMatch(/ready in/);
    const link = /no console admin yet: open (http:\/\/localhost:\d+\/setup\?token=[A-Za-z0-9_-]+) to create one/.exec(output)?.[1];
    expect(link, output).toBeDefined();
    const base = new URL(link!).origin.replace("localhost", "127.0.0.1");
    // The attack from issue 9: a token form posted by anyone who reaches the port.
    const forged = await fetch(`${base}/settings/tokens`, {
      method: "POST",
      body: new URLSearchParams({ intent: "create", name: "x", expiry: "90", scopes: "ADMIN" }),
      redirect: "manual",
    });
    expect(forged.status).toBe(302);
    expect(forged.headers.get("location")).toMatch(/^\/login/);
    expect(await forged.text()).not.toContain("ty_");
  } finally {
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
    await rm(dir, { recursive: true, force: true });
  }
}, 90_000);
