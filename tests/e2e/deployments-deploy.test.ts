import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { createTokenFromConsole } from "../setup/cli.ts";
import { seedUuid } from "../../prisma/seed.ts";
import { openPage } from "../setup/browser.ts";
import { signInCookie, startServer } from "../setup/server.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { readTable } from "./tables.ts";

// The executor is off so the seeded jobs keep their states while the test looks at them.
const session = serverAndBrowser(() =>
  startServer({ env: { TRAINYARD_ROLLOUT_SECONDS: "1", TRAINYARD_ROLLOUT_FAILURE_RATE: "0", TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" } }),
);

let token: Promise<string> | undefined;
/** GraphQL over HTTP as a CI pipeline would call it: with an API token (minted once, in the console). */
async function api(query: string) {
  token ??= createTokenFromConsole(session.server.url, "e2e-deploy", ["READ", "DEPLOY"]);
  const response = await fetch(`${session.server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${await token}` },
    body: JSON.stringify({ query }),
  });
  return (await response.json()).data;
}

/** The dashboard's "Deployed models" card: distinct models, and active versions underneath. */
const deployedModels = async (page: Page) => {
  await page.goto("/");
  return {
    models: Number(await page.getByTestId("stat-deployed-models-value").textContent()),
    versions: Number((await page.getByTestId("stat-active-versions").textContent())!.match(/\d+/)![0]),
  };
};

/** The deployments table's rows as "model version status". */
async function deploymentRows(page: Page) {
  return (await readTable(page, "Deployments")).map((r) => `${r["Model Name"]} ${r["Version"]} ${r["Status"]}`);
}

test("deploy flow: Deploy only on completed jobs without a live deployment, then a toast, /deployments, the next version rolling out to Active, and one more active version", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  const before = await deployedModels(page);
  expect(before).toEqual({ models: 3, versions: 3 });

  await page.goto("/training/jobs");
  const jobs = (await readTable(page, "Training jobs")).map((r) => ({ name: r["Name"]!, status: r["Status"]!, actions: r["Actions"]! }));
  expect(jobs.length).toBeGreaterThanOrEqual(10);
  // The API decides (availableActions): a complete job offers Deploy unless it is deployed, and then says where.
  const complete = jobs.filter((j) => j.status === "Complete");
  const deployed = complete.filter((j) => /Deployed v\d+\.\d+\.\d+/.test(j.actions));
  // support-v2, sql-v1 and faq-v1 are active, contracts-v1 is paused (resume it rather than deploy it again).
  expect(deployed.length).toBe(4);
  for (const job of jobs) {
    expect({ job, deploy: job.actions.includes("Deploy") && !job.actions.includes("Deployed") }).toEqual({
      job,
      deploy: job.status === "Complete" && !deployed.includes(job),
    });
  }

  // sql-copilot is at v1.0.0; its second complete job becomes v1.1.0.
  const row = page.locator("tbody tr", { has: page.locator(`a[href="/training/jobs/${seedUuid("sql-v2")}"]`) });
  await row.getByRole("button", { name: "Deploy" }).click();
  await page.waitForURL(/\/deployments$/);
  await poll(() => page.getByText("Deployed sql-copilot v1.1.0").isVisible()).toBe(true);
  expect((await deploymentRows(page))[0]).toMatch(/^sql-copilot v1\.1\.0 (Deploying|Active)$/);
  // The table follows the rollout without a reload.
  await expect.poll(async () => (await deploymentRows(page))[0], { timeout: 15_000 }).toBe("sql-copilot v1.1.0 Active");

  // A second version of a model already live: one more active version, the same number of models.
  expect(await deployedModels(page)).toEqual({ models: before.models, versions: before.versions + 1 });
  // Back on the jobs table, the job now links its deployment instead of offering Deploy.
  await page.goto("/training/jobs");
  await poll(() => row.getByRole("link", { name: /Deployed v1\.1\.0/ }).isVisible()).toBe(true);
  expect(await row.getByRole("button", { name: "Deploy" }).count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test("deploying from the training monitor works the same way", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  // support-v1's deployment was retired, so the job may be deployed again: support-assistant v1.2.0.
  await page.goto(`/training/jobs/${seedUuid("support-v1")}`);
  await page.getByRole("button", { name: "Deploy" }).click();
  await page.waitForURL(/\/deployments$/);
  await poll(() => page.getByText("Deployed support-assistant v1.2.0").isVisible()).toBe(true);
  expect((await deploymentRows(page))[0]).toMatch(/^support-assistant v1\.2\.0/);
  expect(problems).toEqual([]);
  await page.close();
});

test("a job that is already deployed offers no Deploy; a deploy from a page left open before shows the error toast and creates nothing", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  // faq-v1 is live: its monitor names the deployment and offers no Deploy.
  await page.goto(`/training/jobs/${seedUuid("faq-v1")}`);
  await poll(() => page.getByRole("link", { name: /Deployed v1\.0\.0/ }).isVisible()).toBe(true);
  expect(await page.getByRole("button", { name: "Deploy" }).count()).toBe(0);

  // contracts-v1's deployment is paused: retired, the job may be deployed again.
  const paused = await api(`{ deployments(filter: { modelName: "contract-summarizer", status: [PAUSED] }) { nodes { id } } }`);
  const retired = await api(`mutation { retireDeployment(id: "${paused.deployments.nodes[0].id}") { __typename } }`);
  expect(retired.retireDeployment.__typename).toBe("RetireDeploymentSuccess");
  // A page opened while the job was deployable, then someone else deploys it: the server still refuses the second one.
  const monitor = `/training/jobs/${seedUuid("contracts-v1")}`;
  await page.goto(monitor);
  const deployButton = page.getByRole("button", { name: "Deploy" });
  await deployButton.waitFor();
  const deployed = await api(`mutation { deployJob(jobId: "${seedUuid("contracts-v1")}") { __typename } }`);
  expect(deployed.deployJob.__typename).toBe("DeployJobSuccess");
  const before = (await api("{ deployments { totalCount } }")).deployments.totalCount;
  await deployButton.click();
  await poll(() => page.getByText("Deploy failed").isVisible()).toBe(true);
  expect(await page.getByText("This job already has an active deployment").isVisible()).toBe(true);
  expect(new URL(page.url()).pathname).toBe(monitor);
  expect((await api("{ deployments { totalCount } }")).deployments.totalCount).toBe(before);
  // The page it came back to reflects the API: the job is deployed, Deploy is gone.
  await poll(() => page.getByRole("link", { name: /Deployed v1\.\d+\.0/ }).isVisible()).toBe(true);
  expect(await deployButton.count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test("the deploy form only redirects inside the console", async () => {
  const post = async (redirectTo: string) =>
    fetch(`${session.server.url}/deployments?index`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: await signInCookie(session.server.url) },
      body: new URLSearchParams({ intent: "deploy", jobId: seedUuid("sdk-running"), redirectTo }),
    });
  for (const hostile of ["//evil.example/phish", "https://evil.example/", "/\\evil.example"]) {
    const response = await post(hostile);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/training/jobs");
  }
  const local = await post(`/training/jobs/${seedUuid("sdk-running")}`);
  expect(local.headers.get("location")).toBe(`/training/jobs/${seedUuid("sdk-running")}`);
  expect(local.headers.get("set-cookie")).toContain("ty_toast=");
});
