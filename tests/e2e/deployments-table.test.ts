import { afterAll, beforeAll, describe, expect, test } from "vitest";
import type { Page } from "playwright-core";
import { openPage } from "../setup/browser.ts";
import { startServer, type TestServer } from "../setup/server.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { startServerWithKnownTraffic } from "./deployments-fixtures.ts";
import { readTable } from "./tables.ts";

const session = serverAndBrowser(startServerWithKnownTraffic);

type Row = { name: string; version: string; status: string; rps: string; p95: string; errorRate: string; deployed: string };

async function rows(page: Page): Promise<Row[]> {
  return (await readTable(page, "Deployments")).map((r) => ({
    name: r["Model Name"]!,
    version: r["Version"]!,
    status: r["Status"]!,
    rps: r["Req/sec"]!,
    p95: r["P95 Latency"]!,
    errorRate: r["Error Rate"]!,
    deployed: r["Deployed@datetime"]!,
  }));
}

const label = (r: Row) => `${r.name} ${r.version}`;
/** The three deployments with known traffic, in the order they appear on the page. */
const known = (all: Row[]) => all.map(label).filter((l) => ["support-assistant v1.1.0", "faq-embedder v1.0.0", "sql-copilot v1.0.0"].includes(l));

async function sortBy(page: Page, header: string, expected: RegExp) {
  await page.getByRole("columnheader", { name: new RegExp(header) }).getByRole("button").click();
  await page.waitForURL(expected);
}

async function ariaSort(page: Page, header: string) {
  return page.getByRole("columnheader", { name: new RegExp(header) }).getAttribute("aria-sort");
}

test("sorts by model name, Req/sec, P95 latency and deployed date, in both directions", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto("/deployments");
  // Default: newest first.
  let all = await rows(page);
  expect(all).toHaveLength(5);
  expect(all.map((r) => r.deployed)).toEqual(all.map((r) => r.deployed).sort().reverse());
  expect(await ariaSort(page, "Deployed")).toBe("descending");

  await sortBy(page, "Deployed", /sort=deployed\.asc/);
  await poll(async () => (await rows(page)).map((r) => r.deployed)).toEqual(all.map((r) => r.deployed).sort());
  expect(await ariaSort(page, "Deployed")).toBe("ascending");

  await sortBy(page, "Model Name", /sort=model\.asc/);
  const names = ["contract-summarizer", "faq-embedder", "sql-copilot", "support-assistant", "support-assistant"];
  await poll(async () => (await rows(page)).map((r) => r.name)).toEqual(names);
  expect(await ariaSort(page, "Model Name")).toBe("ascending");
  await sortBy(page, "Model Name", /sort=model\.desc/);
  await poll(async () => (await rows(page)).map((r) => r.name)).toEqual([...names].reverse());
  expect(await ariaSort(page, "Model Name")).toBe("descending");

  // Busiest first, then quietest first (900, 600 and 300 requests in the last hour).
  await sortBy(page, "Req/sec", /sort=rps\.desc/);
  await poll(async () => known(await rows(page))).toEqual(["support-assistant v1.1.0", "faq-embedder v1.0.0", "sql-copilot v1.0.0"]);
  all = await rows(page);
  expect(all[0]!.rps).toBe("0.25");
  await sortBy(page, "Req/sec", /sort=rps\.asc/);
  await poll(async () => known(await rows(page))).toEqual(["sql-copilot v1.0.0", "faq-embedder v1.0.0", "support-assistant v1.1.0"]);
  // Paused and retired versions serve nothing: their "0" sorts as the lowest figure, before any traffic.
  const rates = (await rows(page)).map((r) => r.rps);
  expect(rates.filter((r) => r === "0").length).toBeGreaterThan(0);
  expect(rates.map(Number)).toEqual([...rates.map(Number)].sort((a, b) => a - b));

  // Slowest first: P95 ≈ 650 ms, ≈ 390 ms, ≈ 98 ms.
  await sortBy(page, "P95 Latency", /sort=p95\.desc/);
  await poll(async () => known(await rows(page))).toEqual(["support-assistant v1.1.0", "sql-copilot v1.0.0", "faq-embedder v1.0.0"]);
  all = await rows(page);
  expect(all[0]!.p95).toMatch(/^6\d\d ms \(Above 500 ms\)$/);
  await sortBy(page, "P95 Latency", /sort=p95\.asc/);
  await poll(async () => known(await rows(page))).toEqual(["faq-embedder v1.0.0", "sql-copilot v1.0.0", "support-assistant v1.1.0"]);
  expect(await ariaSort(page, "P95 Latency")).toBe("ascending");

  // The URL alone reproduces the view.
  await page.goto("/deployments?sort=p95.desc");
  expect(known(await rows(page))[0]).toBe("support-assistant v1.1.0");
  expect(problems).toEqual([]);
  await page.close();
});

test("filters by model name as you type and by status, with a way back from an empty result", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto("/deployments");
  const filter = page.getByPlaceholder("Filter by model name…");
  await filter.pressSequentially("SUPPORT", { delay: 40 });
  await page.waitForURL(/q=SUPPORT/);
  await poll(async () => (await rows(page)).map(label).sort()).toEqual(["support-assistant v1.0.0", "support-assistant v1.1.0"]);
  await poll(() => filter.evaluate((el) => el === document.activeElement)).toBe(true);

  await page.getByLabel("Status").selectOption("RETIRED");
  await page.waitForURL(/status=RETIRED/);
  await poll(async () => (await rows(page)).map(label)).toEqual(["support-assistant v1.0.0"]);
  expect(await page.getByText("Showing 1–1 of 1").isVisible()).toBe(true);

  await filter.fill("no-such-model");
  await page.waitForURL(/q=no-such-model/);
  await poll(() => page.getByText("No deployments found").isVisible()).toBe(true);
  // Clear filters is a link (it works without JavaScript); the empty state and the bar both offer it.
  await page.getByRole("link", { name: "Clear filters", exact: true }).first().click();
  await poll(async () => (await rows(page)).length).toBe(5);
  expect(new URL(page.url()).search).toBe("");
  expect(await filter.inputValue()).toBe("");
  expect(await page.getByLabel("Status").inputValue()).toBe("");

  // Status alone, from a link.
  await page.goto("/deployments?status=PAUSED");
  expect((await rows(page)).map(label)).toEqual(["contract-summarizer v1.0.0"]);
  expect(problems).toEqual([]);
  await page.close();
});

test("every row's model name opens its deployment in the app, and a modified click is left to the browser", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto("/deployments?sort=model.asc");
  const links = page.locator('table[aria-label="Deployments"] tbody tr td:first-child a');
  await poll(() => links.count()).toBe(5);
  // Not the first row (a `<Link>`): the others are row links, followed by the table's handler.
  const link = links.nth(2);
  const href = (await link.getAttribute("href"))!;
  expect(href).toMatch(/^\/deployments\/[0-9a-f-]{36}$/);
  // A document load would drop this mark; a navigation in the app keeps it.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await link.click();
  await page.waitForURL((url) => url.pathname === href);
  await poll(() => page.getByRole("heading", { level: 1 }).textContent()).toBe("sql-copilot");
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

  // Ctrl+click is the browser's (a new tab): this page stays where it is.
  await page.goBack();
  await page.waitForURL(/\/deployments\?sort=model\.asc$/);
  const opened = page.context().waitForEvent("page");
  await links.nth(2).click({ modifiers: ["Control"] });
  const tab = await opened;
  await tab.waitForLoadState();
  expect(new URL(tab.url()).pathname).toBe(href);
  expect(new URL(page.url()).pathname).toBe("/deployments");
  await tab.close();
  expect(problems).toEqual([]);
  await page.close();
});

test("status badges carry an icon and text, with WCAG AA contrast", async () => {
  const { page } = await openPage(session.browser, session.server.url);
  await page.goto("/deployments");
  const badges = await page.locator("table [data-status]").evaluateAll((els) => {
    const rgb = (c: string) => c.match(/\d+(\.\d+)?/g)!.slice(0, 3).map(Number);
    const luminance = (c: number[]) => {
      const [r, g, b] = c.map((v) => (v / 255 <= 0.03928 ? v / 255 / 12.92 : ((v / 255 + 0.055) / 1.055) ** 2.4));
      return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    };
    return els.map((el) => {
      const style = getComputedStyle(el);
      const [a, b] = [luminance(rgb(style.color)), luminance(rgb(style.backgroundColor))];
      return {
        status: el.getAttribute("data-status"),
        text: el.textContent!.trim(),
        icon: el.querySelector("svg") !== null,
        contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05),
      };
    });
  });
  expect(new Set(badges.map((b) => b.status))).toEqual(new Set(["ACTIVE", "PAUSED", "RETIRED"]));
  for (const badge of badges) {
    expect(badge.icon).toBe(true);
    expect(badge.text).toBe(badge.status!.charAt(0) + badge.status!.slice(1).toLowerCase());
    expect(badge.contrast, badge.status!).toBeGreaterThanOrEqual(4.5);
  }
  await page.close();
});

describe("a fresh installation without deployments", () => {
  let empty: TestServer;
  beforeAll(async () => {
    empty = await startServer({ env: { TRAINYARD_SEED: "off", TRAINYARD_SIMULATOR: "off" } });
  });
  afterAll(() => empty?.stop());

  test("guides the user to training instead of showing an empty table", async () => {
    const { page, problems } = await openPage(session.browser, empty.url);
    await page.goto("/deployments");
    expect(await page.getByRole("heading", { name: "No deployments yet" }).isVisible()).toBe(true);
    expect(await page.locator('table[aria-label="Deployments"]').count()).toBe(0);
    await page.getByRole("link", { name: "Go to training jobs" }).click();
    await page.waitForURL(/\/training\/jobs$/);
    expect(problems).toEqual([]);
    await page.close();
  });
});
