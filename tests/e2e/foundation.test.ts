import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, openPage } from "../setup/browser.ts";
import { startServer } from "../setup/server.ts";

let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let closeBrowser: () => Promise<void>;

// Background work off, so the seeded figures stay exactly as seeded while the test reads them.
const QUIET = { TRAINYARD_EXECUTOR: "off", TRAINYARD_TRAINER_TIMEOUT_SECONDS: "86400", TRAINYARD_SIMULATOR: "off", TRAINYARD_ROLLOUT: "off" };

beforeAll(async () => {
  server = await startServer({ env: QUIET });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

test("the start says how to sign in to the console", () => {
  expect(server.output()).toMatch(/sign in at http:\/\/localhost:\d+\/login as "admin" with TRAINYARD_ADMIN_PASSWORD/);
});

test("the dashboard shows the seeded fleet from the dashboard query", async () => {
  const { page, problems } = await openPage(browser, server.url);
  const response = await page.goto("/");
  expect(response?.status()).toBe(200);
  await expect.poll(() => page.getByRole("heading", { name: "Dashboard" }).isVisible()).toBe(true);
  expect(await page.getByTestId("stat-deployed-models-value").textContent()).toBe("3");
  expect(await page.getByTestId("stat-running-jobs-value").textContent()).toBe("1");
  expect(await page.getByTestId("stat-completed-jobs-value").textContent()).toBe("6");
  // Navigation names every part of the product.
  for (const name of ["Dashboard", "Models", "Training", "Deployments", "API playground"]) {
    await expect.poll(() => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).count()).toBe(1);
  }
  expect(problems).toEqual([]);
  await page.close();
});

test("an unknown page is a 404 with the app's not-found page", async () => {
  const { page } = await openPage(browser, server.url);
  const response = await page.goto("/no-such-page");
  expect(response?.status()).toBe(404);
  await expect.poll(() => page.getByRole("heading", { name: "Page not found" }).isVisible()).toBe(true);
  await page.getByRole("link", { name: "Back to the dashboard" }).click();
  await expect.poll(() => page.getByRole("heading", { name: "Dashboard" }).isVisible()).toBe(true);
  await page.close();
});

test("the GraphQL playground works offline, with cacheable assets, and runs a query", async () => {
  const { page, problems } = await openPage(browser, server.url);
  const response = await page.goto("/graphql");
  expect(response?.status()).toBe(200);
  const html = await response!.text();
  expect(html.length).toBeLessThan(200_000);
  const scriptUrl = html.match(/src="(\/graphiql-assets\/graphiql\.[0-9a-f]+\.js)"/)?.[1];
  expect(scriptUrl).toBeDefined();
  const asset = await fetch(`${server.url}${scriptUrl}`);
  expect(asset.headers.get("cache-control")).toContain("immutable");
  await page.locator(".graphiql-container").first().waitFor({ timeout: 20_000 });
  await page.locator(".graphiql-execute-button").click();
  await expect.poll(() => page.locator(".result-window").textContent(), { timeout: 15_000 }).toContain("activeDeployments");
  expect(problems.filter((p) => p.startsWith("external request"))).toEqual([]);
  await page.close();
});

test("GraphQL over HTTP: a syntax error or unknown field is a GraphQL error, never a 500", async () => {
  const post = (query: string) =>
    fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
  const syntax = await post("{ dashboard ");
  expect(syntax.status).toBeLessThan(500);
  expect((await syntax.json()).errors[0].message).toMatch(/Syntax Error/);
  const unknown = await post("{ dashboard { nope } }");
  expect(unknown.status).toBeLessThan(500);
  expect((await unknown.json()).errors[0].message).toMatch(/Cannot query field "nope"/);
  const ok = await post("{ baseModels(first: 1) { totalCount } }");
  expect(ok.status).toBe(200);
  expect((await ok.json()).data.baseModels.totalCount).toBeGreaterThanOrEqual(12);
});

test("stopping and starting again keeps all data", async () => {
  const mark = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: "{ dashboard { activeDeployments completedJobs } trainingJobs { totalCount } }" }),
  }).then((r) => r.json());
  if (process.env.TEST_DATABASE_URL || process.env.DATABASE_URL) return; // the server-database case keeps data by definition; PGlite is what is at stake
  const dataDir = server.dataDir;
  await server.stop({ keepData: true });
  const again = await startServer({ dataDir, env: QUIET });
  try {
    expect(again.output()).toContain("demo data already present");
    const after = await fetch(`${again.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "{ dashboard { activeDeployments completedJobs } trainingJobs { totalCount } }" }),
    }).then((r) => r.json());
    expect(after).toEqual(mark);
  } finally {
    await again.stop();
    const { rm } = await import("node:fs/promises");
    await rm(dataDir, { recursive: true, force: true });
    server = undefined as never;
  }
});
