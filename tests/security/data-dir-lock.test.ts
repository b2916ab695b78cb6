import { spawn } from "node:child_process";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { SERVER_ENTRY, startServer, type TestServer } from "../setup/server.ts";

/**
 * One process per embedded data directory, with real processes: a second
 * server on the same directory exits at once with one line naming the first,
 * the first keeps its data and serves on; a lock left by a killed process is
 * taken over by the next start.
 */
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const started: TestServer[] = [];
afterAll(async () => {
  for (const s of started) await s.stop({ keepData: true }).catch(() => {});
});

function runSecond(dataDir: string): Promise<{ code: number | null; output: string; ms: number }> {
  const begin = Date.now();
  const env = { ...process.env, PORT: "0", HOST: "127.0.0.1", TRAINYARD_DATA_DIR: dataDir } as NodeJS.ProcessEnv;
  delete env.DATABASE_URL;
  const child = spawn(process.execPath, SERVER_ENTRY, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  return new Promise((resolve) =>
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, output, ms: Date.now() - begin });
    }),
  );
}

test("a second process on the same data directory is refused; a killed owner's lock is taken over", async () => {
  const env = { TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off", TRAINYARD_SEED: "off" };
  const first = await startServer({ databaseUrl: "", env });
  started.push(first);
  const dataDir = first.dataDir;
  const before = await (await fetch(`${first.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ deployments { totalCount } }" }) })).json();

  const second = await runSecond(dataDir);
  expect(second.code).not.toBe(0);
  const lines = second.output.trim().split("\n").filter((l) => !l.startsWith("[trainyard]"));
  expect(lines, second.output).toHaveLength(1);
  expect(lines[0]).toContain(`pid ${first.pid}`);
  // Refused before migrating or listening; what time it takes is the process's own start-up (tsx, imports) on a busy machine.
  console.info(`[data-dir-lock] second process exited with code ${second.code} after ${second.ms} ms: ${lines[0]}`);
  expect(second.output).not.toContain("ready in");

  // The first process serves on, with its data intact.
  const after = await (await fetch(`${first.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ deployments { totalCount } }" }) })).json();
  expect(after).toEqual(before);

  // kill -9 leaves the lock file behind; the next start sees its process is gone and takes it over.
  process.kill(first.pid, "SIGKILL");
  started.splice(started.indexOf(first), 1);
  await new Promise((r) => setTimeout(r, 500));
  const third = await startServer({ databaseUrl: "", dataDir, env });
  started.push(third);
  const again = await (await fetch(`${third.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query: "{ deployments { totalCount } }" }) })).json();
  expect(again).toEqual(before);
  await third.stop({ keepData: true });
  await rm(dataDir, { recursive: true, force: true });
}, 180_000);
