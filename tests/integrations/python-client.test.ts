import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTokenFromConsole } from "../setup/cli.ts";
import { startServer, type TestServer } from "../setup/server.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
/** Debian's interpreter (the one python3-torch installs into); any python3 runs the client. */
export const PYTHON = existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";

export function runPython(args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, args, { cwd: ROOT, env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.once("error", reject);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

let server: TestServer;
let site: string;
beforeAll(async () => {
  server = await startServer({ env: { TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" } });
  site = await mkdtemp(path.join(tmpdir(), "trainyard-py-"));
}, 90_000);
afterAll(async () => {
  await server?.stop();
  if (site) await rm(site, { recursive: true, force: true });
});

test("pip installs clients/python offline, and its unittest suite passes against a running server", async () => {
  const installed = await runPython(["-m", "pip", "install", "--quiet", "--no-index", "--no-build-isolation", "--no-deps", "--target", site, "./clients/python"]);
  expect(installed.code, installed.output).toBe(0);
  expect(existsSync(path.join(site, "trainyard", "client.py"))).toBe(true);
  expect(existsSync(path.join(site, "trainyard", "py.typed"))).toBe(true);

  const token = await createTokenFromConsole(server.url, "py-trainer", ["TRAIN", "READ"]);
  const readToken = await createTokenFromConsole(server.url, "py-reader", ["READ"]);
  const result = await runPython(["-m", "unittest", "discover", "-v", "-s", "clients/python/tests", "-t", "clients/python"], {
    PYTHONPATH: site,
    TRAINYARD_URL: server.url,
    TRAINYARD_TOKEN: token,
    TRAINYARD_READ_TOKEN: readToken,
  });
  expect(result.code, result.output).toBe(0);
  expect(result.output).toMatch(/Ran 5 tests/);
  expect(result.output).not.toMatch(/skipped/);
}, 180_000);
