import { expect, test } from "vitest";
import { seedUuid } from "../../prisma/seed.ts";
import { openPage } from "../setup/browser.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { FLEET, startServerWithKnownTraffic } from "../e2e/deployments-fixtures.ts";
import type { Page } from "playwright-core";

/** Lines on the page's drawn charts (a canvas chart has no DOM per line: each chart box says how many it draws). */
const drawnLines = (page: Page) =>
  page.$$eval("[data-chart]", (boxes) => boxes.filter((b) => b.querySelector("canvas")).reduce((n, b) => n + Number((b as HTMLElement).dataset.lineCount), 0));

/**
 * The alerts console and the comparison pages in Chromium, on the demo data with
 * known traffic: support-assistant v1.1.0 breaks all three default rules
 * (P50 ≈ 250 ms, P95 ≈ 650 ms, 3 % errors); faq-embedder and sql-copilot break none.
 */
const session = serverAndBrowser(startServerWithKnownTraffic);

async function gqlHttp(query: string, variables: Record<string, unknown> = {}) {
  const res = await fetch(`${session.server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query, variables }) });
  return ((await res.json()) as { data: any }).data;
}

test("the evaluator fires the default rules; the dashboard card links to /alerts, which lists them firing first", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  // The server's own evaluator (a background worker) fires them within a tick or two. On PostgreSQL the
  // traffic is written after the server started, so the rules were first evaluated without it and are
  // due again 15 s later: wait for that evaluation.
  await expect
    .poll(async () => (await gqlHttp(`{ alerts(state: FIRING) { totalCount } }`)).alerts.totalCount, { timeout: 45_000, interval: 250 })
    .toBe(3);
  await page.goto("/");
  expect(await page.getByTestId("stat-alerts-value").textContent()).toBe("3");
  await page.getByTestId("stat-alerts-link").click();
  await poll(() => new URL(page.url()).pathname + new URL(page.url()).search).toBe("/alerts?state=FIRING");
  const rows = page.getByRole("row").filter({ hasText: "support-assistant" });
  await poll(() => rows.count()).toBe(3);
  const text = await page.getByRole("table").innerText();
  expect(text).toContain("P50 latency > 200 ms over 15 min");
  expect(text).toContain("P95 latency > 500 ms over 15 min");
  expect(text).toContain("Error rate > 1.00 % over 15 min");
  expect(text).toContain("3.00 %");
  expect(text).not.toContain("faq-embedder");
  // Filter by another model: nothing fires there.
  await page.goto("/alerts?model=faq-embedder");
  expect(await page.getByText("No alerts found").isVisible()).toBe(true);
  expect(problems).toEqual([]);
});

test("the deployment page lists its rules with their state and saves an inline edit", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/deployments/${FLEET.slow.id}`);
  const rules = page.getByTestId("alert-rule");
  await poll(() => rules.count()).toBe(3);
  const p95 = page.locator('[data-testid="alert-rule"][data-metric="P95_LATENCY"]');
  await poll(() => p95.innerText()).toContain("Firing");
  expect(await page.getByTestId("alert-history").innerText()).toContain("Firing");
  await p95.getByLabel("Threshold (ms)").fill("2000");
  await p95.getByRole("button", { name: "Save" }).click();
  await poll(() => page.getByText("Rule saved").isVisible()).toBe(true);
  // Saved in the database; the evaluator re-checks the changed rule at its next tick and resolves it.
  await poll(async () => {
    const data = await gqlHttp(`query ($id: ID!) { deployment(id: $id) { alertRules { metric threshold state } } }`, { id: FLEET.slow.id });
    return data.deployment.alertRules.find((r: any) => r.metric === "P95_LATENCY");
  }).toEqual({ metric: "P95_LATENCY", threshold: 2000, state: "OK" });
  expect(problems).toEqual([]);
});

test("two versions side by side over one window: the numbers of each and overlaid charts", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto(`/compare/versions?ids=${FLEET.slow.id},${FLEET.fast.id}&window=LAST_15_MINUTES`);
  await page.getByTestId("compare-versions-table").waitFor();
  expect(await page.getByTestId("cmp-requestCount-0").textContent()).toBe("900");
  expect(await page.getByTestId("cmp-requestCount-1").textContent()).toBe("600");
  expect(await page.getByTestId("cmp-errorRate-0").textContent()).toBe("3.00 %");
  expect(await page.getByTestId("cmp-errorRate-1").textContent()).toBe("0.50 %");
  expect(await page.getByTestId("cmp-p95-0").textContent()).toMatch(/^6[4-5]\d ms$/);
  // Same window: the API's figures for each version agree with the page.
  const api = await gqlHttp(`query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) { p50LatencyMs } } }`, { id: FLEET.fast.id });
  expect(await page.getByTestId("cmp-p50-1").textContent()).toBe(`${Math.round(api.deployment.metrics.p50LatencyMs)} ms`);
  // Each chart draws one series per version (two for latency: P95 and P50), each with its 15 one-minute buckets.
  await poll(() => drawnLines(page)).toBe(2 + 4 + 2);
  expect(await page.getByTestId("compare-rate-chart").getAttribute("data-series")).toBe("r0:15,r1:15");
  expect(problems).toEqual([]);
});

test("jobs selected in the jobs table open side by side: curves overlaid, differing hyper-parameters highlighted", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto("/training/jobs");
  const pick = async (id: string) => page.locator(`input[data-testid="compare-select"][value="${id}"]`).check();
  const a = seedUuid("support-v1");
  const b = seedUuid("support-v2");
  await pick(a);
  await pick(b);
  await page.getByRole("button", { name: /Compare selected \(2\)/ }).click();
  await poll(() => new URL(page.url()).pathname).toBe("/compare/jobs");
  await page.getByTestId("compare-hyperparameters").waitFor();
  // support-v1: lr 2e-4, LoRA 16; support-v2: lr 1.5e-4, LoRA 32; same base model, dataset, epochs, batch size.
  expect(await page.getByTestId("hp-learningRate").getAttribute("data-differs")).toBe("true");
  expect(await page.getByTestId("hp-loraRank").getAttribute("data-differs")).toBe("true");
  expect(await page.getByTestId("hp-batchSize").getAttribute("data-differs")).toBe("false");
  expect(await page.getByTestId("hp-baseModel").getAttribute("data-differs")).toBe("false");
  const lr = await page.getByTestId("hp-learningRate").innerText();
  expect(lr).toContain("0.0002");
  expect(lr).toContain("0.00015");
  const jobs = await gqlHttp(`query ($a: ID!, $b: ID!) { a: trainingJob(id: $a) { trainLoss curve(maxPoints: 300) { step } } b: trainingJob(id: $b) { trainLoss curve(maxPoints: 300) { step evalLoss } } }`, { a, b });
  expect(await page.getByTestId("result-trainLoss").innerText()).toContain(String(+jobs.a.trainLoss.toFixed(4)));
  expect(await page.getByTestId("result-trainLoss").innerText()).toContain(String(+jobs.b.trainLoss.toFixed(4)));
  // Two train curves and two eval curves, each with every point of its run.
  const series = await page.getByTestId("compare-loss-chart").getAttribute("data-series");
  expect(series).toContain(`t0:${jobs.a.curve.length}`);
  expect(series).toContain(`t1:${jobs.b.curve.length}`);
  expect(series).toContain(`e1:${jobs.b.curve.filter((p: any) => p.evalLoss !== null).length}`);
  await poll(() => drawnLines(page)).toBe(4);
  // Fewer than two ids explain what to do.
  await page.goto(`/compare/jobs?ids=${a}`);
  expect(await page.getByTestId("compare-problem").textContent()).toContain("Choose 2 to 4 training jobs");
  expect(problems).toEqual([]);
});

test("adding a rule: the browser refuses an error rate over 100 %, the API's message shows next to the field, a valid rule is added and toasted", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  const rulesOf = async () => (await gqlHttp(`query ($id: ID!) { deployment(id: $id) { alertRules { metric threshold } } }`, { id: FLEET.fast.id })).deployment.alertRules;
  const before = await rulesOf();
  const toasterCode: string[] = [];
  page.on("request", (r) => void (/\/build\/.*toaster-sonner-[^/]*\.js$/.test(r.url()) && toasterCode.push(r.url())));
  await page.goto(`/deployments/${FLEET.fast.id}`);
  await poll(() => page.getByTestId("alert-rule").count()).toBe(before.length);
  // The page is drawn without the toast library: it is fetched with the first toast (ADR 0045).
  expect(toasterCode).toEqual([]);
  await page.getByText("Add a rule").click();
  const form = page.locator("form#new-rule");
  await form.getByLabel("Metric").selectOption("ERROR_RATE");
  const threshold = form.getByLabel("Threshold (%)");
  await threshold.fill("150");
  await form.getByRole("button", { name: "Add rule" }).click();
  // The input's own constraint (at most 100 %) stops the submit: nothing is sent, nothing is added.
  expect(await threshold.evaluate((el) => (el as HTMLInputElement).validity.rangeOverflow)).toBe(true);
  await new Promise((r) => setTimeout(r, 300));
  expect(await rulesOf()).toEqual(before);
  // Around the browser's check, the action's schema refuses it and its message stands next to the field.
  await threshold.evaluate((el) => el.removeAttribute("max"));
  await form.getByRole("button", { name: "Add rule" }).click();
  await poll(() => form.getByRole("alert").textContent()).toBe("Threshold: an error rate is a fraction between 0 and 1 (0.01 = 1 %)");
  expect(await threshold.getAttribute("aria-invalid")).toBe("true");
  await poll(() => page.getByText("Could not save the rule").isVisible()).toBe(true);
  expect(toasterCode).toHaveLength(1);
  expect(await rulesOf()).toEqual(before);
  await threshold.fill("50");
  await form.getByRole("button", { name: "Add rule" }).click();
  await poll(() => page.getByText("Rule added").isVisible()).toBe(true);
  await poll(() => page.getByTestId("alert-rule").count()).toBe(before.length + 1);
  expect((await rulesOf()).filter((r: { metric: string; threshold: number }) => r.metric === "ERROR_RATE" && r.threshold === 0.5)).toHaveLength(1);
  // The form starts over (P50 latency, in ms) and shows no error.
  expect(await form.getByLabel("Metric").inputValue()).toBe("P50_LATENCY");
  expect(await form.getByLabel("Threshold (ms)").inputValue()).toBe("");
  expect(await form.getByRole("alert").count()).toBe(0);
  expect(problems).toEqual([]);
});
