import { afterAll, beforeAll, expect, test } from "vitest";
import { seedUuid } from "../../prisma/seed.ts";
import { createTokenFromConsole, runTrainyard } from "../setup/cli.ts";
import { startServer, type TestServer } from "../setup/server.ts";

let server: TestServer;

beforeAll(async () => {
  // Every rollout fails here: the CLI must turn that into a failing CI step.
  server = await startServer({
    env: { TRAINYARD_ROLLOUT_SECONDS: "1", TRAINYARD_ROLLOUT_FAILURE_RATE: "1", TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" },
  });
});
afterAll(() => server?.stop());

test("deploy --wait exits 5 with the reason when the rollout fails", async () => {
  const secret = await createTokenFromConsole(server.url, "ci", ["DEPLOY"]);

  const run = await runTrainyard(server.url, ["deploy", "--job", seedUuid("sql-v2"), "--wait", "--timeout", "60", "--json"], { TRAINYARD_TOKEN: secret });
  expect(run.code, run.stderr).toBe(5);
  expect(JSON.parse(run.stdout)).toMatchObject({ error: { code: "FAILED", exitCode: 5 } });
  expect(run.stderr).toMatch(/^trainyard: rollout of sql-copilot v1\.1\.0 ended FAILED: \S.+\n$/);
});
