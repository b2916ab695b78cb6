import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { openPage } from "../setup/browser.ts";
import { signInCookie, startServer } from "../setup/server.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { apiClient, deployedJob, finishedJob, uniqueName } from "./fixtures.ts";
import { readTable } from "./tables.ts";

// Each test makes the jobs it deploys (tests/e2e/fixtures.ts): the seeded demo rows are only read.
const session = serverAndBrowser(() =>
  startServer({ env: { TRAINYARD_ROLLOUT_SECONDS: "1", TRAINYARD_ROLLOUT_FAILURE_RATE: "0", TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" } }),
);
/** GraphQL over HTTP as a CI pipeline would call it: with an API token (minted once, in the console). */
const api = apiClient(() => session.server.url, ["READ", "TRAIN", "DEPLOY"]);

/** The dashboard's "Deployed models" card: distinct models, and active versions underneath. */
const deployedModels = async (page: Page) => {
  await page.goto("/");
  return {
    models: Number(await page.getByTestId("stat-deployed-models-value").textContent()),
    versions: Number((await page.getByTestId("stat-active-versions").textContent())!.match(/\d+/)![0]),
  };
};

/** The deployments table's rows of `modelName`, as "version status". */
async function deploymentRows(page: Page, modelName: string) {
  return (await readTable(page, "Deployments")).filter((r) => r["Model Name"] === modelName).map((r) => `${r["Version"]} ${r["Status"]}`);
}

const statusOf = async (id: string) => (await api(`query ($id: ID!) { deployment(id: $id) { status } }`, { id })).deployment.status;

test("deploy flow: Deploy only on completed jobs without a live deployment, then a toast, /deployments, the next version rolling out to Active, and one more active version", async () => {
  // A model of its own, live at v1.0.0, with a second complete job.
  const model = uniqueName("deploy-flow");
  const first = await finishedJob(api, model);
  const second = await finishedJob(api, model);
  const live = await deployedJob(api, first);
  expect(live.version).toBe("v1.0.0");
  await expect.poll(() => statusOf(live.id), { timeout: 15_000 }).toBe("ACTIVE");

  const { page, problems } = await openPage(session.browser, session.server.url);
  const before = await deployedModels(page);

  // The API decides (availableActions): a complete job offers Deploy unless it is deployed, and then says where.
  await page.goto("/training/jobs");
  const jobs = (await readTable(page, "Training jobs")).map((r) => ({ name: r["Name"]!, status: r["Status"]!, actions: r["Actions"]! }));
  expect(jobs.length).toBeGreaterThanOrEqual(2);
  for (const job of jobs) {
    const deployed = /Deployed v\d+\.\d+\.\d+/.test(job.actions);
    expect({ job, deploy: job.actions.includes("Deploy") && !deployed }).toEqual({ job, deploy: job.status === "Complete" && !deployed });
  }
  await page.goto(`/training/jobs?q=${model}`);
  const ours = (await readTable(page, "Training jobs")).map((r) => `${r["Name"]} ${r["Status"]} ${r["Actions"]}`);
  expect(ours).toHaveLength(2);
  expect(ours.filter((r) => r.includes("Deployed v1.0.0"))).toHaveLength(1);

  // Its second complete job becomes v1.1.0.
  const row = page.locator("tbody tr", { has: page.locator(`a[href="/training/jobs/${second}"]`) });
  await row.getByRole("button", { name: "Deploy" }).click();
  await page.waitForURL(/\/deployments$/);
  await poll(() => page.getByText(`Deployed ${model} v1.1.0`).isVisible()).toBe(true);
  expect(await deploymentRows(page, model)).toContainEqual(expect.stringMatching(/^v1\.1\.0 (Deploying|Active)$/));
  // The table follows the rollout without a reload.
  await expect.poll(() => deploymentRows(page, model), { timeout: 15_000 }).toEqual(["v1.1.0 Active", "v1.0.0 Active"]);

  // A second version of a model already live: one more active version, the same number of models.
  expect(await deployedModels(page)).toEqual({ models: before.models, versions: before.versions + 1 });
  // Back on the jobs table, the job now links its deployment instead of offering Deploy.
  await page.goto(`/training/jobs?q=${model}`);
  await poll(() => row.getByRole("link", { name: /Deployed v1\.1\.0/ }).isVisible()).toBe(true);
  expect(await row.getByRole("button", { name: "Deploy" }).count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test("deploying from the training monitor works the same way", async () => {
  const model = uniqueName("from-monitor");
  const job = await finishedJob(api, model);
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/training/jobs/${job}`);
  await page.getByRole("button", { name: "Deploy" }).click();
  await page.waitForURL(/\/deployments$/);
  await poll(() => page.getByText(`Deployed ${model} v1.0.0`).isVisible()).toBe(true);
  expect(await deploymentRows(page, model)).toEqual([expect.stringMatching(/^v1\.0\.0 (Deploying|Active)$/)]);
  expect(problems).toEqual([]);
  await page.close();
});

test("a job that is already deployed offers no Deploy; a deploy from a page left open before shows the error toast and creates nothing", async () => {
  const model = uniqueName("deploy-twice");
  const live = await finishedJob(api, model);
  await deployedJob(api, live);
  const { page, problems } = await openPage(session.browser, session.server.url);
  // A live job's monitor names the deployment and offers no Deploy.
  await page.goto(`/training/jobs/${live}`);
  await poll(() => page.getByRole("link", { name: /Deployed v1\.0\.0/ }).isVisible()).toBe(true);
  expect(await page.getByRole("button", { name: "Deploy" }).count()).toBe(0);

  // A page opened while the job was deployable, then someone else deploys it: the server still refuses the second one.
  const job = await finishedJob(api, model);
  const monitor = `/training/jobs/${job}`;
  await page.goto(monitor);
  const deployButton = page.getByRole("button", { name: "Deploy" });
  await deployButton.waitFor();
  expect((await deployedJob(api, job)).version).toBe("v1.1.0");
  const before = (await api("{ deployments { totalCount } }")).deployments.totalCount;
  await deployButton.click();
  await poll(() => page.getByText("Deploy failed").isVisible()).toBe(true);
  expect(await page.getByText("This job already has an active deployment").isVisible()).toBe(true);
  expect(new URL(page.url()).pathname).toBe(monitor);
  expect((await api("{ deployments { totalCount } }")).deployments.totalCount).toBe(before);
  // The page it came back to reflects the API: the job is deployed, Deploy is gone.
  await poll(() => page.getByRole("link", { name: /Deployed v1\.1\.0/ }).isVisible()).toBe(true);
  expect(await deployButton.count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test("the deploy form only redirects inside the console", async () => {
  // A job that cannot be deployed: the redirect is all this test looks at.
  const jobId = await finishedJob(api, uniqueName("redirect"), "FAILED");
  const post = async (redirectTo: string) =>
    fetch(`${session.server.url}/deployments?index`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", cookie: await signInCookie(session.server.url) },
      body: new URLSearchParams({ intent: "deploy", jobId, redirectTo }),
    });
  for (const hostile of ["//evil.example/phish", "https://evil.example/", "/\\evil.example"]) {
    const response = await post(hostile);
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/training/jobs");
  }
  const local = await post(`/training/jobs/${jobId}`);
  expect(local.headers.get("location")).toBe(`/training/jobs/${jobId}`);
  expect(local.headers.get("set-cookie")).toContain("ty_toast=");
});
