import { expect, test } from "vitest";
import type { Page } from "playwright-core";
import { seedUuid } from "../../prisma/seed.ts";
import { openPage } from "../setup/browser.ts";
import { signInCookie } from "../setup/server.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { startServerWithKnownTraffic } from "./deployments-fixtures.ts";
import { apiClient, finishedJob, uniqueName } from "./fixtures.ts";
import { fieldError, readTable } from "./tables.ts";

/*
 * The defects a new user hit (issue 13), each checked the way they were seen: in Chromium.
 * Every test makes what it needs; the seeded demo data is only read.
 */
const session = serverAndBrowser(startServerWithKnownTraffic);

async function api(query: string) {
  const response = await fetch(`${session.server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  return (await response.json()).data;
}

/** Makes the jobs a test needs (tests/e2e/fixtures.ts), with a token minted in the console. */
const fixtures = apiClient(() => session.server.url, ["READ", "TRAIN"]);

const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

test("on a 390 px phone the navigation folds into a Menu button and tables scroll inside their card", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ["/", "/deployments", "/training/jobs", "/training/new", `/deployments/${seedUuid("deployment:sql-v1")}`, "/models/qwen2.5-coder-7b-instruct"]) {
    await page.goto(path);
    expect({ path, width: await pageWidth(page) }).toEqual({ path, width: 390 });
  }
  await page.goto("/training/jobs");
  const nav = page.getByRole("navigation", { name: "Main" });
  expect(await nav.isVisible()).toBe(false);
  const menu = page.getByRole("button", { name: "Menu" });
  expect(await menu.getAttribute("aria-expanded")).toBe("false");
  await menu.click();
  await poll(() => nav.isVisible()).toBe(true);
  expect(await menu.getAttribute("aria-expanded")).toBe("true");
  await nav.getByRole("link", { name: "Deployments" }).click();
  await page.waitForURL(/\/deployments$/);
  await poll(() => nav.isVisible()).toBe(false);
  // The table is wider than the phone: it scrolls inside its card, the page does not.
  const scroller = page.locator('table[aria-label="Deployments"]').locator("xpath=..");
  expect(await scroller.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
  expect(await pageWidth(page)).toBe(390);

  // On a wide screen the sidebar is there and there is no Menu button.
  await page.setViewportSize({ width: 1440, height: 900 });
  await poll(() => nav.isVisible()).toBe(true);
  expect(await menu.isVisible()).toBe(false);
  expect(problems).toEqual([]);
  await page.close();
});

test("dashboard cards open the list behind their figure; Deployed models counts models and says how many versions", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  const { dashboard } = await api("{ dashboard { activeDeployments activeModels } }");
  await page.goto("/");
  expect(await page.getByTestId("stat-deployed-models").getByText("Deployed models").isVisible()).toBe(true);
  expect(await page.getByTestId("stat-deployed-models-value").textContent()).toBe(String(dashboard.activeModels));
  expect(await page.getByTestId("stat-active-versions").textContent()).toBe(`${dashboard.activeDeployments} active versions`);

  await page.getByTestId("stat-deployed-models-link").click();
  await page.waitForURL(/\/deployments\?status=ACTIVE$/);
  await poll(async () => (await readTable(page, "Deployments")).length).toBe(dashboard.activeDeployments);
  expect(new Set((await readTable(page, "Deployments")).map((r) => r["Status"]))).toEqual(new Set(["Active"]));

  await page.goto("/");
  await page.getByTestId("stat-running-jobs-link").click();
  await page.waitForURL(/\/training\/jobs\?status=RUNNING$/);
  expect(await page.getByLabel("Status").inputValue()).toBe("RUNNING");

  await page.goto("/");
  await page.getByTestId("stat-alerts-link").click();
  await page.waitForURL(/\/alerts/);
  expect(problems).toEqual([]);
  await page.close();
});

test("jobs table: filters apply on change with no Apply button, and after Back the dropdown shows the filter in the URL", async () => {
  // Jobs of its own under one prefix: the seeded jobs keep running (and may fail) while this test looks.
  const prefix = uniqueName("filters");
  await finishedJob(fixtures, `${prefix}-failed`, "FAILED");
  await finishedJob(fixtures, `${prefix}-complete`);
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/training/jobs?q=${prefix}`);
  expect(await page.getByRole("button", { name: "Apply" }).count()).toBe(0);
  const status = page.getByLabel("Status");
  await status.selectOption("FAILED");
  await page.waitForURL(/status=FAILED/);
  await poll(async () => (await readTable(page, "Training jobs")).map((r) => `${r["Name"]} ${r["Status"]}`)).toEqual([`${prefix}-failed Failed`]);
  await status.selectOption("COMPLETE");
  await page.waitForURL(/status=COMPLETE/);
  await poll(async () => (await readTable(page, "Training jobs")).map((r) => `${r["Name"]} ${r["Status"]}`)).toEqual([`${prefix}-complete Complete`]);
  await page.goBack();
  await page.waitForURL(/status=FAILED/);
  await poll(() => status.inputValue()).toBe("FAILED");
  await poll(async () => (await readTable(page, "Training jobs")).map((r) => `${r["Name"]} ${r["Status"]}`)).toEqual([`${prefix}-failed Failed`]);
  await page.goBack();
  await page.waitForURL((url) => url.pathname === "/training/jobs" && url.search === `?q=${prefix}`);
  await poll(() => status.inputValue()).toBe("");
  expect(problems).toEqual([]);
  await page.close();
});

test("new-job form: numeric fields are number inputs, the estimate follows a refused submit, and a skip link reaches the form", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto("/training/new?baseModel=mistral-7b-instruct-v0.3");
  for (const label of ["Epochs", "Learning rate", "Batch size", "LoRA rank", "Warm-up steps", "Seed"]) {
    expect({ label, type: await page.getByLabel(label, { exact: true }).getAttribute("type") }).toEqual({ label, type: "number" });
  }
  // The first Tab lands on the skip link; following it, the first field is a few Tabs away, not eight.
  await page.keyboard.press("Tab");
  const skip = page.getByRole("link", { name: "Skip to content" });
  await poll(() => skip.evaluate((el) => el === document.activeElement)).toBe(true);
  await page.keyboard.press("Enter");
  let tabs = 0;
  const onField = () => page.evaluate(() => ["SELECT", "INPUT"].includes(document.activeElement?.tagName ?? ""));
  while (!(await onField()) && tabs < 4) {
    await page.keyboard.press("Tab");
    tabs++;
  }
  expect(await onField()).toBe(true);

  await page.getByLabel("Dataset").selectOption("contract-clauses");
  await page.getByLabel("Batch size").fill("8");
  await page.getByLabel("Model name").fill("Not A Slug!");
  await page.getByRole("button", { name: "Start training" }).click();
  await poll(() => fieldError(page, "Model name")).toMatch(/lowercase letters/);
  expect(await page.getByLabel("Batch size").inputValue()).toBe("8");
  const { trainingEstimate } = await api(`{ trainingEstimate(datasetId: "contract-clauses", batchSize: 8, epochs: 3) { totalSteps } }`);
  await poll(() => page.getByTestId("estimate-steps").textContent()).toBe(trainingEstimate.totalSteps.toLocaleString("en-US"));
  expect(problems).toEqual([]);
  await page.close();
});

test("a failed job names its trainer, its charts end where it died, and learning-rate ticks are all different", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  const { trainingJob } = await api(`{ trainingJob(id: "${seedUuid("support-oom")}") { status currentStep totalSteps } }`);
  expect(trainingJob.status).toBe("FAILED");
  await page.goto(`/training/jobs/${seedUuid("support-oom")}`);
  const trainer = page.locator("dt", { hasText: /^Trainer$/ }).locator("xpath=following-sibling::dd[1]");
  expect(await trainer.textContent()).toBe("simulated trainer demo-gpu-01");

  const ticks = (card: string, axis: "x" | "y") =>
    // The labels each draw of the canvas chart printed on that axis (see app/components/charts/plot.tsx).
    page.getByTestId(card).locator("[data-chart]").evaluate((el, a) => (el as HTMLElement).dataset[`${a}Ticks`]?.split("|").filter(Boolean) ?? [], axis);
  await poll(async () => (await ticks("loss-chart", "x")).length).toBeGreaterThan(1);
  const lastStepTick = Number((await ticks("loss-chart", "x")).at(-1));
  expect(lastStepTick).toBeLessThanOrEqual(trainingJob.currentStep);
  expect(lastStepTick).toBeLessThan(trainingJob.totalSteps);
  await poll(async () => (await ticks("learning-rate-chart", "y")).length).toBeGreaterThan(2);
  const lr = await ticks("learning-rate-chart", "y");
  expect(new Set(lr).size).toBe(lr.length);
  expect(problems).toEqual([]);
  await page.close();
});

test("deployment charts are drawn in the server's HTML (first paint), then become interactive without warnings", async () => {
  const id = seedUuid("deployment:sql-v1");
  const cookie = await signInCookie(session.server.url);
  const html = await (await fetch(`${session.server.url}/deployments/${id}`, { headers: { cookie } })).text();
  const figures = html.split("<figure").slice(1);
  expect(figures.length).toBe(2);
  // Each figure holds its data as lines already (the interactive chart needs the browser to measure its box).
  for (const f of figures) expect(f.split("</figure>")[0]).toMatch(/data-testid="chart-preview"[\s\S]*<polyline points="[\d., ]{20,}/);

  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/deployments/${id}`);
  await poll(() => page.locator("figure [data-chart] canvas").count()).toBe(2);
  // The canvas is drawn before React's next commit takes the preview away: wait for that commit.
  await poll(() => page.getByTestId("chart-preview").count()).toBe(0);
  expect(problems).toEqual([]);
  await page.close();
});

test("the toast after a deploy does not cover the page's Deploy button", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  const monitor = `/training/jobs/${await finishedJob(fixtures, uniqueName("toast"))}`;
  await page.goto(monitor);
  await page.getByRole("button", { name: "Deploy" }).click();
  await page.waitForURL(/\/deployments$/);
  const toast = page.locator("[data-sonner-toast]").first();
  await poll(() => toast.isVisible()).toBe(true);
  const button = await page.getByRole("link", { name: "Deploy a trained model" }).boundingBox();
  const box = await toast.boundingBox();
  const overlap = !(box!.x > button!.x + button!.width || box!.x + box!.width < button!.x || box!.y > button!.y + button!.height || box!.y + box!.height < button!.y);
  expect(overlap).toBe(false);
  expect(problems).toEqual([]);
  await page.close();
});
