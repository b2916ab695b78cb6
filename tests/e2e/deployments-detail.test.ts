import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { seedUuid } from "../../prisma/seed.ts";
import { openPage } from "../setup/browser.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { FLEET, startServerWithKnownTraffic } from "./deployments-fixtures.ts";
import { apiClient, deployedJob, deploymentStatus, finishedJob, uniqueName } from "./fixtures.ts";

// FLEET's seeded deployments are only read; tests that pause, resume or roll back make deployments of their own.
const session = serverAndBrowser(startServerWithKnownTraffic);
const api = apiClient(() => session.server.url, ["READ", "TRAIN", "DEPLOY"]);

/** A new model's version deployed through the API and ACTIVE: `deployJob` of a job an external trainer completed. */
async function activeDeployment(model: string): Promise<string> {
  const { id } = await deployedJob(api, await finishedJob(api, model));
  await deploymentStatus(api, id, "ACTIVE");
  return id;
}

const card = (page: Page, id: string) => ({
  value: () => page.getByTestId(`${id}-value`).textContent(),
  text: () => page.getByTestId(id).innerText(),
  color: () => page.getByTestId(`${id}-value`).evaluate((el) => getComputedStyle(el).color),
});

// Tailwind's slate-900, amber-700 and red-700 as the browser computes them.
const NEUTRAL = "rgb(15, 23, 42)";
const AMBER = "rgb(180, 83, 9)";
const RED = "rgb(185, 28, 28)";

async function confirmInDialog(page: Page, button: string, confirm: string) {
  await page.getByRole("button", { name: button, exact: true }).click();
  const dialog = page.getByRole("dialog");
  await dialog.waitFor();
  await dialog.getByRole("button", { name: confirm }).click();
}

test("an active deployment shows its stats with colour and text cues, for each window", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/deployments/${FLEET.slow.id}`);
  expect(await page.getByRole("heading", { name: "support-assistant", level: 1 }).isVisible()).toBe(true);
  expect(await page.getByTestId("deployment-version").textContent()).toBe("v1.1.0");
  expect(await page.getByTestId("endpoint-url").textContent()).toBe("https://inference.trainyard.internal/v1/models/support-assistant/v1.1.0");
  expect(await page.getByRole("link", { name: "support-assistant" }).getAttribute("href")).toBe(`/training/jobs/${seedUuid("support-v2")}`);
  expect(await page.getByRole("link", { name: "1 h" }).getAttribute("aria-current")).toBe("page");

  // 900 requests: P50 ≈ 250 ms (amber), P95 ≈ 650 ms (red), 3 % server errors (red), 2 % client errors apart.
  const requests = card(page, "metric-requests");
  const p50 = card(page, "metric-p50");
  const p95 = card(page, "metric-p95");
  const errors = card(page, "metric-error-rate");
  expect(await requests.value()).toBe("900");
  expect(await p50.value()).toMatch(/^2[45]\d ms$/);
  expect(await p50.text()).toContain("Above 200 ms");
  expect(await p50.color()).toBe(AMBER);
  expect(await p95.value()).toMatch(/^6[4-5]\d ms$/);
  expect(await p95.text()).toContain("Above 500 ms");
  expect(await p95.color()).toBe(RED);
  expect(await errors.value()).toBe("3.00 %");
  expect(await errors.text()).toContain("Above 1 %");
  expect(await errors.text()).toContain("client errors (4xx) apart: 2.00 %");
  expect(await errors.color()).toBe(RED);
  expect(await card(page, "metric-p99").value()).toMatch(/ms$/);
  // Two charts drawn: requests and latency percentiles.
  await poll(() => page.locator("figure [data-chart] canvas").count()).toBeGreaterThanOrEqual(2);

  await page.getByRole("link", { name: "24 h" }).click();
  await page.waitForURL(/window=24h/);
  await poll(() => page.getByRole("link", { name: "24 h" }).getAttribute("aria-current")).toBe("page");
  await poll(() => requests.value()).toBe("900");
  expect(await requests.text()).toContain("over the last 24 hours");

  // A healthy deployment: figures in the neutral colour and no warning text.
  await page.goto(`/deployments/${FLEET.fast.id}?window=15m`);
  expect(await card(page, "metric-requests").value()).toBe("600");
  for (const id of ["metric-p50", "metric-p95", "metric-error-rate"]) {
    expect(await card(page, id).text()).not.toMatch(/Above/);
    expect(await card(page, id).color()).toBe(NEUTRAL);
  }
  expect(problems).toEqual([]);
  await page.close();
});

test("a deployment that is not active shows \"Metrics unavailable\" instead of stats", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/deployments/${seedUuid("deployment:contracts-v1")}`);
  expect(await page.locator("[data-status=PAUSED]").first().isVisible()).toBe(true);
  expect(await page.getByTestId("metrics-unavailable").innerText()).toContain("Metrics unavailable");
  expect(await page.getByTestId("metric-requests").count()).toBe(0);
  expect(await page.getByRole("link", { name: "24 h" }).count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test("pause then resume, each confirmed, keeps the endpoint URL", async () => {
  const model = uniqueName("pause-resume");
  const id = await activeDeployment(model);
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/deployments/${id}`);
  const endpoint = await page.getByTestId("endpoint-url").textContent();

  // Cancelling the confirmation changes nothing.
  await page.getByRole("button", { name: "Pause", exact: true }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  expect(await page.locator("h1 ~ [data-status]").getAttribute("data-status")).toBe("ACTIVE");

  await confirmInDialog(page, "Pause", "Pause deployment");
  await poll(() => page.getByText(`Paused ${model} v1.0.0`).isVisible()).toBe(true);
  await poll(() => page.locator("h1 ~ [data-status]").getAttribute("data-status")).toBe("PAUSED");
  expect(await page.getByText("Metrics unavailable").isVisible()).toBe(true);
  expect(await page.getByTestId("endpoint-url").textContent()).toBe(endpoint);

  await confirmInDialog(page, "Resume", "Resume deployment");
  await poll(() => page.getByText(`Resumed ${model} v1.0.0`).isVisible()).toBe(true);
  await poll(() => page.locator("h1 ~ [data-status]").getAttribute("data-status")).toBe("ACTIVE");
  expect(await page.getByTestId("endpoint-url").textContent()).toBe(endpoint);
  // Both steps are in the activity log, newest first.
  const activity = await page.getByRole("list", { name: "Deployment activity" }).innerText();
  expect(activity.indexOf("Resumed")).toBeLessThan(activity.indexOf("Paused"));
  expect(problems).toEqual([]);
  await page.close();
});

test("a transition that is no longer legal (a stale tab) is an error toast, and changes nothing", async () => {
  const id = await activeDeployment(uniqueName("stale-tab"));
  const first = await openPage(session.browser, session.server.url);
  const stale = await openPage(session.browser, session.server.url);
  await first.page.goto(`/deployments/${id}`);
  await stale.page.goto(`/deployments/${id}`);
  await confirmInDialog(first.page, "Pause", "Pause deployment");
  await poll(() => first.page.locator("h1 ~ [data-status]").getAttribute("data-status")).toBe("PAUSED");

  // The stale tab still offers Pause.
  await confirmInDialog(stale.page, "Pause", "Pause deployment");
  await poll(() => stale.page.getByText("Pause failed").isVisible()).toBe(true);
  expect(await stale.page.getByText("Only an active deployment can be paused; this one is paused").isVisible()).toBe(true);
  expect(await stale.page.locator("h1 ~ [data-status]").getAttribute("data-status")).toBe("PAUSED");
  expect(await stale.page.getByRole("button", { name: "Resume", exact: true }).isVisible()).toBe(true);
  expect([...first.problems, ...stale.problems]).toEqual([]);
  await first.page.close();
  await stale.page.close();
});

test("rollback makes the earlier version active and retires the current one, in the history", async () => {
  // A model of its own as the seed has support-assistant: v1.0.0 retired, v1.1.0 active.
  const model = uniqueName("rollback");
  const v1 = await activeDeployment(model);
  const v2 = await activeDeployment(model);
  const retired = (await api(`mutation ($id: ID!) { retireDeployment(id: $id) { __typename } }`, { id: v1 })).retireDeployment;
  expect(retired.__typename).toBe("RetireDeploymentSuccess");
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/deployments/${v2}`);
  const history = page.getByRole("table", { name: "Version history" });
  const earlier = history.locator("tr[data-version='v1.0.0']");
  expect(await earlier.locator("[data-status]").getAttribute("data-status")).toBe("RETIRED");
  await earlier.getByRole("button", { name: "Roll back" }).click();
  const dialog = page.getByRole("dialog", { name: `Roll back ${model} to v1.0.0?` });
  await dialog.waitFor();
  expect(await dialog.innerText()).toContain("v1.1.0 is retired");
  await dialog.getByRole("button", { name: "Roll back to v1.0.0" }).click();

  await page.waitForURL(new RegExp(`/deployments/${v1}`));
  await poll(() => page.getByText(`Rolled back ${model} to v1.0.0`).isVisible()).toBe(true);
  await poll(() => page.getByTestId("deployment-version").textContent()).toBe("v1.0.0");
  expect(await page.locator("h1 ~ [data-status]").getAttribute("data-status")).toBe("ACTIVE");
  const after = page.getByRole("table", { name: "Version history" });
  expect(await after.locator("tr[data-version='v1.1.0'] [data-status]").getAttribute("data-status")).toBe("RETIRED");
  expect(await after.locator("tr[data-version='v1.0.0'] [data-status]").getAttribute("data-status")).toBe("ACTIVE");
  expect(await page.getByRole("list", { name: "Deployment activity" }).innerText()).toContain("Rolled back from v1.1.0");
  expect(problems).toEqual([]);
  await page.close();
});

test("an unknown deployment is a 404 page", async () => {
  const { page } = await openPage(session.browser, session.server.url);
  for (const id of ["00000000-0000-4000-8000-000000000000", "not-a-deployment"]) {
    const response = await page.goto(`/deployments/${id}`);
    expect(response?.status()).toBe(404);
    expect(await page.getByRole("heading", { name: "Page not found" }).isVisible()).toBe(true);
    expect(await page.getByText("Deployment not found").isVisible()).toBe(true);
  }
  await page.close();
});
