import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { seedUuid } from "../../prisma/seed.ts";
import { startServer, type TestServer } from "../setup/server.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
let server: TestServer;

beforeAll(async () => {
  // Every rollout fails here: the CLI must turn that into a failing CI step.
  server = await startServer({
    env: { TRAINYARD_ROLLOUT_SECONDS: "1", TRAINYARD_ROLLOUT_FAILURE_RATE: "1", TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" },
  });
});
afterAll(() => server?.stop());

function trainyard(args: string[], token: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "cli/trainyard.mjs"), ...args], {
      cwd: ROOT,
      env: { ...process.env, TRAINYARD_URL: server.url, TRAINYARD_TOKEN: token },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

test("deploy --wait exits 5 with the reason when the rollout fails", async () => {
  const res = await fetch(`${server.url}/settings/tokens?_data=routes%2Fsettings.tokens`, {
    method: "POST",
    body: new URLSearchParams([["intent", "create"], ["name", "ci"], ["scopes", "DEPLOY"], ["expiry", "30"]]),
  });
  const { secret } = ((await res.json()) as { created: { secret: string } }).created;

  const run = await trainyard(["deploy", "--job", seedUuid("sql-v2"), "--wait", "--timeout", "60", "--json"], secret);
  expect(run.code, run.stderr).toBe(5);
  expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "FAILED", exitCode: 5 } });
  expect(run.stderr).toMatch(/^trainyard: rollout of sql-copilot v1\.1\.0 ended FAILED: \S.+\n$/);
});
