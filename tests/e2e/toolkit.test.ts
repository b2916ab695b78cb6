import { expect, test } from "vitest";
import { openPage } from "../setup/browser.ts";
import { createTokenFromConsole } from "../setup/cli.ts";
import { signInCookie, startServer } from "../setup/server.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";
import { fieldError, readTable } from "./tables.ts";

/*
 * The list-page toolkit (issue 13): the page-size picker every table has, the one filter bar, and a
 * Conform form that shows the server's answer per field. Each test creates the rows it needs.
 */
const session = serverAndBrowser(() => startServer({ env: { TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" } }));

test("the page-size picker changes the row count and the URL, and keeps the size across pages", async () => {
  for (let i = 1; i <= 12; i++) await createTokenFromConsole(session.server.url, `page-size-${String(i).padStart(2, "0")}`, ["READ"]);
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto("/settings/tokens");
  const total = Number((await page.getByText(/^Showing 1–\d+ of \d+$/).textContent())!.split(" of ")[1]);
  expect(total).toBeGreaterThanOrEqual(12);

  const picker = page.getByLabel("Rows per page");
  expect(await picker.inputValue()).toBe("25");
  expect((await readTable(page, "API tokens")).length).toBe(Math.min(25, total));
  await picker.selectOption("10");
  await page.waitForURL(/size=10/);
  await poll(async () => (await readTable(page, "API tokens")).length).toBe(10);
  expect(await page.getByText(`Showing 1–10 of ${total}`).isVisible()).toBe(true);

  await page.getByRole("button", { name: "Next page" }).click();
  await page.waitForURL(/page=2/);
  expect(new URL(page.url()).searchParams.get("size")).toBe("10");
  await poll(async () => (await readTable(page, "API tokens")).length).toBe(Math.min(10, total - 10));
  // A new size starts again at page 1.
  await picker.selectOption("50");
  await page.waitForURL((url) => url.searchParams.get("size") === "50" && !url.searchParams.has("page"));
  await poll(async () => (await readTable(page, "API tokens")).length).toBe(Math.min(50, total));
  expect(problems).toEqual([]);
  await page.close();
});

test("the filter bar applies as you type, keeps the page size, and Clear filters keeps it too", async () => {
  const { page, problems } = await openPage(session.browser, session.server.url);
  await page.goto("/models?size=10");
  const bar = page.getByRole("search", { name: "Filter models" });
  expect(await bar.getByRole("button").count()).toBe(0);
  const everything = (await readTable(page, "Base models")).length;
  await bar.getByLabel("Search").pressSequentially("llama", { delay: 30 });
  await page.waitForURL(/q=llama/);
  await poll(async () => (await readTable(page, "Base models")).every((r) => /llama/i.test(`${r["Model"]} ${r["Family"]}`))).toBe(true);
  expect(new URL(page.url()).searchParams.get("size")).toBe("10");
  const filtered = (await readTable(page, "Base models")).length;
  expect(filtered).toBeGreaterThan(0);

  await bar.getByRole("link", { name: "Clear filters" }).click();
  await page.waitForURL((url) => !url.searchParams.has("q"));
  expect(new URL(page.url()).searchParams.get("size")).toBe("10");
  await poll(async () => (await readTable(page, "Base models")).length).toBe(everything);
  await poll(() => bar.getByLabel("Search").inputValue()).toBe("");
  expect(problems).toEqual([]);
  await page.close();
});

test("the token form shows the server's refusal next to each field (without JavaScript too)", async () => {
  // Without JavaScript the browser's check never runs: what shows is the server's Conform reply.
  const context = await session.browser.newContext({ baseURL: session.server.url, javaScriptEnabled: false });
  const [name, value] = (await signInCookie(session.server.url)).split("=", 2) as [string, string];
  await context.addCookies([{ name, value, url: session.server.url, httpOnly: true, sameSite: "Lax" }]);
  const page = await context.newPage();
  await page.goto("/settings/tokens");
  await page.getByLabel("Name", { exact: true }).fill("   ");
  await page.getByRole("checkbox", { name: /^deploy / }).uncheck();
  await page.getByRole("button", { name: "Create token" }).click();
  await page.waitForLoadState();
  expect(await fieldError(page, "Name")).toBe("Give the token a name, e.g. the pipeline that will use it");
  expect(await page.getByText("Choose at least one scope").isVisible()).toBe(true);
  await context.close();

  // With JavaScript the same schema answers in the browser, as the user leaves the field.
  const { page: live, problems } = await openPage(session.browser, session.server.url);
  await live.goto("/settings/tokens");
  await live.getByLabel("Name", { exact: true }).fill("x".repeat(81));
  await live.getByLabel("Name", { exact: true }).evaluate((el) => el.removeAttribute("maxlength"));
  await live.getByLabel("Name", { exact: true }).fill("x".repeat(81));
  await live.getByLabel("Name", { exact: true }).blur();
  await poll(() => fieldError(live, "Name")).toBe("Keep the name under 80 characters");
  await live.getByLabel("Name", { exact: true }).fill("ci-pipeline");
  await poll(() => fieldError(live, "Name")).toBe(null);
  expect(problems).toEqual([]);
  await live.close();
});
