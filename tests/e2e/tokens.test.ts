import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect, test } from "vitest";
import { launchBrowser, openPage } from "../setup/browser.ts";
import { startServer, type TestServer } from "../setup/server.ts";

const PASSWORD = "correct horse battery staple";
let server: TestServer;
let browser: Browser;
let closeBrowser: () => Promise<void>;

beforeAll(async () => {
  server = await startServer({ env: { TRAINYARD_ADMIN_USER: "ops-lead", TRAINYARD_ADMIN_PASSWORD: PASSWORD, TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" } });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

const dashboardCount = (token: string) =>
  fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: "{ dashboard { runningJobs } }" }),
  });

test("the console asks for sign-in, then creates, shows once, lists and revokes a token", async () => {
  const { page, problems } = await openPage(browser, server.url, { as: null });
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: server.url });

  await page.goto("/settings/tokens");
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.getByLabel("Name").fill("ops-lead");
  await page.getByLabel("Password").fill("wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.getByRole("alert").textContent()).toBe("That name and password do not match an account.");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect.poll(() => page.getByRole("heading", { name: "API tokens" }).isVisible(), { timeout: 10_000 }).toBe(true);
  expect(new URL(page.url()).pathname).toBe("/settings/tokens");

  // Validation is per field and nothing is created.
  await page.getByRole("button", { name: "Create token" }).click();
  await expect.poll(() => page.getByText("Give the token a name").isVisible()).toBe(true);

  await page.getByLabel("Name").fill("github-actions-deploy");
  await page.getByRole("button", { name: "Create token" }).click();
  const secretBox = page.getByTestId("token-secret");
  await secretBox.waitFor();
  const secret = (await secretBox.textContent())!.trim();
  expect(secret).toMatch(/^ty_[A-Za-z0-9_-]{43}$/);
  await page.getByRole("button", { name: "Copy" }).click();
  await expect.poll(() => page.getByRole("button", { name: "Copied" }).isVisible()).toBe(true);
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
  expect((await dashboardCount(secret)).status).toBe(200);

  // Shown once: a reload lists the token by name and prefix, never the secret.
  await page.reload();
  const table = page.getByRole("table", { name: "API tokens" });
  const row = table.getByRole("row").filter({ hasText: "github-actions-deploy" });
  await expect.poll(() => row.textContent()).toContain(secret.slice(0, 11));
  expect(await page.content()).not.toContain(secret);
  expect(await row.textContent()).toContain("deploy");
  await expect.poll(() => row.textContent()).toMatch(/Active/);

  await row.getByRole("button", { name: "Revoke" }).click();
  const dialog = page.getByRole("dialog");
  await expect.poll(() => dialog.textContent()).toContain("This cannot be undone");
  await dialog.getByRole("button", { name: "Revoke token" }).click();
  await expect.poll(() => row.textContent()).toMatch(/Revoked/);
  const refused = await dashboardCount(secret);
  expect(refused.status).toBe(401);

  // The activity page shows both changes, made by the signed-in person.
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Activity" }).click();
  const trail = page.getByRole("table", { name: "Audit trail" });
  await expect.poll(() => trail.getByRole("row").filter({ hasText: "revokeApiToken" }).textContent()).toMatch(/ops-lead.*ApiToken.*github-actions-deploy.*Succeeded/);
  expect(await trail.getByRole("row").filter({ hasText: "createApiToken" }).textContent()).toMatch(/ops-lead.*Succeeded/);
  // The wrong password (401) is answered with that status on purpose; the browser logs it. The empty form
  // never reaches the server: the browser checks it with the same schema first (Conform).
  expect(problems.filter((p) => !/status of 401/.test(p))).toEqual([]);
  expect(problems).toHaveLength(1);

  // Signing out from the navigation ends the session: the console asks for the password again.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect.poll(() => new URL(page.url()).pathname).toBe("/login");
  await page.goto("/settings/tokens");
  expect(new URL(page.url()).pathname).toBe("/login");
  expect(await page.getByRole("heading", { name: "Sign in to Trainyard" }).isVisible()).toBe(true);
  // Signed out there is nothing to navigate to: the sign-in page shows no navigation.
  expect(await page.getByRole("navigation", { name: "Main" }).count()).toBe(0);
  await page.close();
});

test("the activity page filters refused attempts; form posts from another site are refused", async () => {
  // A refused API call, as a script with no token would make it.
  await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `mutation { retireDeployment(id: "00000000-0000-4000-8000-000000000000") { __typename } }` }),
  });
  const { page, problems } = await openPage(browser, server.url, { as: null });
  await page.goto("/login?redirectTo=/activity");
  await page.getByLabel("Name").fill("ops-lead");
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  // Sign-in runs scrypt (tens of ms, more on a loaded machine): wait like the other page loads do.
  await expect.poll(() => page.getByRole("heading", { name: "Activity" }).isVisible(), { timeout: 10_000 }).toBe(true);
  await page.getByLabel("Outcome").selectOption("REFUSED");
  await expect.poll(() => new URL(page.url()).searchParams.get("outcome")).toBe("REFUSED");
  const rows = page.getByRole("table", { name: "Audit trail" }).getByRole("row");
  // The URL changes before the filtered rows replace the unfiltered ones: wait for the filtered table.
  await expect.poll(() => rows.filter({ hasText: "Succeeded" }).count(), { timeout: 15_000 }).toBe(0);
  await expect.poll(() => rows.filter({ hasText: "retireDeployment" }).first().textContent()).toMatch(/anonymous.*Refused.*UNAUTHENTICATED/);

  const cookies = await page.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const form = new URLSearchParams([["intent", "create"], ["name", "forged"], ["scopes", "ADMIN"], ["expiry", "30"]]);
  const forged = await fetch(`${server.url}/settings/tokens`, { method: "POST", headers: { cookie, origin: "https://evil.example" }, body: form, redirect: "manual" });
  expect(forged.status).toBe(403);
  const forgedFetch = await fetch(`${server.url}/settings/tokens`, { method: "POST", headers: { cookie, "sec-fetch-site": "cross-site" }, body: form, redirect: "manual" });
  expect(forgedFetch.status).toBe(403);
  const signedOut = await fetch(`${server.url}/settings/tokens?_data=routes%2Fsettings.tokens`, { method: "POST", body: form, redirect: "manual" });
  expect(signedOut.headers.get("x-remix-redirect") ?? signedOut.headers.get("location")).toMatch(/^\/login/);
  await page.reload();
  expect(await page.getByRole("table", { name: "Audit trail" }).textContent()).not.toContain("forged");
  expect(problems).toEqual([]);
  await page.close();
});
