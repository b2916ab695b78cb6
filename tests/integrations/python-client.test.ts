import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTokenFromConsole } from "../setup/cli.ts";
import { startServer, type TestServer } from "../setup/server.ts";
import { runPython } from "./python.ts";

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
