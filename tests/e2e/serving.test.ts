import { afterAll, beforeAll, expect, test } from "vitest";
import { seedUuid } from "../../prisma/seed.ts";
import { openPage } from "../setup/browser.ts";
import { createTokenFromConsole } from "../setup/cli.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { startServer } from "../setup/server.ts";
import { startUpstream, type Upstream } from "../gateway/fixtures.ts";

// The served console with the gateway mounted (npm start), fast probes, and a real model server process.
const session = serverAndBrowser(() =>
  startServer({ env: { TRAINYARD_PROBE_INTERVAL_MS: "200", TRAINYARD_HEALTH_INTERVAL_MS: "500", TRAINYARD_SIMULATOR: "off", TRAINYARD_GATEWAY_REFRESH_MS: "300" } }),
);
let upstream: Upstream;
beforeAll(async () => {
  upstream = await startUpstream({ UPSTREAM_NAME: "real-model" });
});
afterAll(() => upstream?.stop());

const SHOTS = process.env.SCREENSHOT_DIR;

async function graphqlAs(token: string, query: string, variables: Record<string, unknown>) {
  const res = await fetch(`${session.server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  return ((await res.json()) as { data: any }).data;
}

test("deploy with an upstream → healthy serving card, Try it through the gateway, snippets; model page promotes and splits", async () => {
  const token = await createTokenFromConsole(session.server.url, "e2e-serving", ["DEPLOY", "INVOKE", "READ"]);
  const deployed = await graphqlAs(
    token,
    `mutation ($jobId: ID!, $url: String) { deployJob(jobId: $jobId, upstreamUrl: $url) { __typename ... on DeployJobSuccess { deployment { id version } } ... on Error { message } } }`,
    { jobId: seedUuid("sql-v2"), url: upstream.url },
  );
  expect(deployed.deployJob.__typename).toBe("DeployJobSuccess");
  const { id, version } = deployed.deployJob.deployment as { id: string; version: string };

  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/deployments/${id}`);
  // DEPLOYING until the readiness probe passes 3 times; the page follows the rollout by itself.
  await poll(() => page.getByTestId("serving-health").textContent().catch(() => "")).toContain("Healthy");
  const card = page.getByTestId("serving-card");
  expect(await card.getByTestId("upstream-url").textContent()).toBe(upstream.url);
  expect(await card.getByTestId("gateway-url").textContent()).toMatch(new RegExp(`/v1/models/sql-copilot/versions/${version.replace(/\./g, "\\.")}$`));
  expect(await page.getByTestId("lineage").innerText()).toContain("Qwen");
  expect(await page.getByTestId("snippet-curl").textContent()).toContain('-H "Authorization: Bearer $TRAINYARD_TOKEN"');
  expect(await page.getByTestId("snippet-python").textContent()).toContain(`/v1/models/sql-copilot/versions/${version}/v1/chat/completions`);

  // Try it: without a token the gateway refuses; with the invoke token the real model server answers.
  const tryIt = page.getByTestId("try-it");
  await tryIt.getByRole("button", { name: "Send request" }).click();
  await poll(() => page.getByTestId("try-it-status").textContent().catch(() => "")).toBe("HTTP 401");
  await tryIt.getByLabel("API token (invoke scope)").fill(token);
  await tryIt.getByRole("button", { name: "Send request" }).click();
  await poll(() => page.getByTestId("try-it-status").textContent().catch(() => "")).toBe("HTTP 200");
  const response = JSON.parse((await page.getByTestId("try-it-response").textContent())!);
  expect(response).toMatchObject({ upstream: "real-model", method: "POST", path: "/v1/chat/completions", auth: null });
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/serving-deployment.png`, fullPage: true });

  // The model page: the new version is production (newest active); v1.0.0 is simulated.
  await page.goto("/deployments/models/sql-copilot");
  const row = (v: string) => page.locator(`tr[data-version="${v}"]`);
  await poll(() => row(version).getByText("Production", { exact: true }).count()).toBe(1);
  expect(await row("v1.0.0").getByText("Simulated", { exact: true }).count()).toBe(1);
  await row("v1.0.0").getByRole("button", { name: "Promote v1.0.0" }).click();
  await poll(() => row("v1.0.0").getByText("Production", { exact: true }).count()).toBe(1);
  expect(await page.getByTestId("routing-summary").textContent()).toContain("Production: v1.0.0 (promoted)");

  const editor = page.getByTestId("split-editor");
  await editor.getByLabel("Percent of traffic for v1.0.0").fill("90");
  await editor.getByLabel(`Percent of traffic for ${version}`).fill("5");
  await editor.getByRole("button", { name: "Save split" }).click();
  await poll(() => page.getByText("Split percents must sum to 100 (they sum to 95)").count()).toBe(1);
  await editor.getByLabel(`Percent of traffic for ${version}`).fill("10");
  await editor.getByRole("button", { name: "Save split" }).click();
  await poll(() => page.getByTestId("routing-summary").textContent()).toBe(`Traffic split: ${version} 10 %, v1.0.0 90 %.`);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/serving-model.png`, fullPage: true });

  // The deployments table marks production.
  await page.goto("/deployments?q=sql-copilot");
  await poll(() => page.getByRole("table").getByText("Production", { exact: true }).count()).toBe(1);
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/serving-table.png`, fullPage: true });
  expect(problems.filter((p) => !p.includes("401"))).toEqual([]);
});
