import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { seedUuid } from "../../prisma/seed.ts";
import { openPage } from "../setup/browser.ts";
import { signInCookie, startServer } from "../setup/server.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";

// The executor is off so the seeded jobs keep their states while the test looks at them.
const session = serverAndBrowser(() =>
  startServer({ env: { TRAINYARD_ROLLOUT_SECONDS: "1", TRAINYARD_ROLLOUT_FAILURE_RATE: "0", TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" } }),
);

async function api(query: string) {
  const response = await fetch(`${session.server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return (await response.json()).data;
}

const deployedModels = async (page: Page) => {
  await page.goto("/");
  return Number(await page.getByTestId("stat-deployed-models-value").textContent());
};

/** The deployments table's rows as "model version status". */
async function deploymentRows(page: Page) {
  return page.locator('table[aria-label="Deployments"] tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll("td")].slice(0, 3).map((td) => td.textContent!.trim()).join(" ")),
  );
}

test("deploy flow: Deploy only on completed jobs, then a toast, /deployments, the next version rolling out to Active, and one more deployed model", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  const before = await deployedModels(page);
  expect(before).toBe(3);

  await page.goto("/training/jobs");
  const jobs = await page.locator("tbody tr").evaluateAll((trs) =>
    trs.map((tr) => ({
      status: tr.querySelector("[data-status]")?.getAttribute("data-status"),
      deploy: [...tr.querySelectorAll("button")].some((b) => b.textContent!.trim() === "Deploy"),
    })),
  );
  expect(jobs.length).toBeGreaterThanOrEqual(10);
  expect(jobs.filter((j) => j.deploy).length).toBe(6);
  for (const job of jobs) expect(job.deploy).toBe(job.status === "COMPLETE");

  // sql-copilot is at v1.0.0; its second complete job becomes v1.1.0.
  const row = page.locator("tbody tr", { has: page.locator(`a[href="/training/jobs/${seedUuid("sql-v2")}"]`) });
  await row.getByRole("button", { name: "Deploy" }).click();
  await page.waitForURL(/\/deployments$/);
  await poll(() => page.getByText("Deployed sql-copilot v1.1.0").isVisible()).toBe(true);
  expect((await deploymentRows(page))[0]).toMatch(/^sql-copilot v1\.1\.0 (Deploying|Active)$/);
  // The table follows the rollout without a reload.
  await expect.poll(async () => (await deploymentRows(page))[0], { timeout: 15_000 }).toBe("sql-copilot v1.1.0 Active");

  expect(await deployedModels(page)).toBe(before + 1);
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

test("a duplicate deploy shows the error toast, stays on the page and creates nothing", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  const before = (await api("{ deployments { totalCount } }")).deployments.totalCount;
  const monitor = `/training/jobs/${seedUuid("faq-v1")}`;
  await page.goto(monitor);
  await page.getByRole("button", { name: "Deploy" }).click();
  await poll(() => page.getByText("Deploy failed").isVisible()).toBe(true);
  expect(await page.getByText("This job already has an active deployment").isVisible()).toBe(true);
  expect(new URL(page.url()).pathname).toBe(monitor);
  expect((await api("{ deployments { totalCount } }")).deployments.totalCount).toBe(before);

  // The same from the jobs table: back to the table, still nothing new.
  await page.goto("/training/jobs");
  await page.locator("tbody tr", { has: page.locator(`a[href="${monitor}"]`) }).getByRole("button", { name: "Deploy" }).click();
  await poll(() => page.getByText("This job already has an active deployment").isVisible()).toBe(true);
  expect(new URL(page.url()).pathname).toBe("/training/jobs");
  expect((await api("{ deployments { totalCount } }")).deployments.totalCount).toBe(before);
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
