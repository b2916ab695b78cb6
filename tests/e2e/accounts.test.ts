import { expect, test } from "vitest";
import { openPage } from "../setup/browser.ts";
import { startServer, type TestServer } from "../setup/server.ts";
import { poll, serverAndBrowser } from "../setup/session.ts";

/** A fresh install with no admin: the one-time setup link, used in the browser, then signing out and in again. */
const session = serverAndBrowser(() =>
  startServer({ env: { TRAINYARD_ADMIN_PASSWORD: "", TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off", TRAINYARD_ROLLOUT: "off" } }) as Promise<TestServer>,
);

const FOUNDER = { name: "founder", password: "a-strong-first-password" };

test("the setup link printed at first start creates the first admin once; then the console signs people in and out", async () => {
  const link = /no console admin yet: open http:\/\/localhost:\d+(\/setup\?token=[A-Za-z0-9_-]+)/.exec(session.server.output())?.[1];
  expect(link, session.server.output()).toBeDefined();
  const { page, problems } = await openPage(session.browser, session.server.url, { as: null });

  // Nothing but the sign-in page before an account exists.
  await page.goto("/deployments");
  expect(new URL(page.url()).pathname).toBe("/login");

  await page.goto(link!);
  await poll(() => page.getByRole("heading", { name: "Create the first admin" }).isVisible()).toBe(true);
  await page.getByLabel("Name").fill(FOUNDER.name);
  await page.getByLabel("Password (at least 12 characters)").fill(FOUNDER.password);
  await page.getByLabel("Repeat the password").fill(FOUNDER.password);
  await page.getByRole("button", { name: "Create admin and sign in" }).click();
  await poll(() => page.getByRole("heading", { name: "Dashboard" }).isVisible()).toBe(true);
  await poll(() => page.getByRole("link", { name: FOUNDER.name }).isVisible()).toBe(true);

  // The link is dead now.
  const again = await page.request.get(link!, { maxRedirects: 0 });
  expect(again.status()).toBe(404);

  // Sign out from the navigation; the console asks for the account again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await poll(() => new URL(page.url()).pathname).toBe("/login");
  await page.goto("/training/jobs");
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.getByLabel("Name").fill(FOUNDER.name);
  await page.getByLabel("Password").fill(FOUNDER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await poll(() => page.getByRole("heading", { name: "Training jobs" }).isVisible()).toBe(true);
  expect(new URL(page.url()).pathname).toBe("/training/jobs");
  expect(problems).toEqual([]);
  await page.close();
});
