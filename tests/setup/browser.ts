import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";
import { signInCookie, TEST_ADMIN } from "./server.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Debian's Chromium, headless. End-to-end tests fail (never skip) when it is
 * missing: `.ci/run` installs it with apt.
 */
export async function launchBrowser(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}. Install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH).`);
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // Playwright gives every launch a fresh, temporary profile of its own.
  return { browser, close: () => browser.close() };
}

/**
 * A page that records what a user would call broken: console errors, uncaught
 * exceptions, and requests that leave the machine (the console must work offline).
 * It is signed in to the console as the test admin (or `as`), unless `as` is null.
 */
export async function openPage(
  browser: Browser,
  baseUrl: string,
  options: { as?: { name: string; password: string } | null } = {},
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ baseURL: baseUrl, viewport: { width: 1440, height: 900 } });
  const account = options.as === undefined ? TEST_ADMIN : options.as;
  if (account) {
    const [name, value] = (await signInCookie(baseUrl, account)).split("=", 2) as [string, string];
    await page.context().addCookies([{ name, value, url: baseUrl, httpOnly: true, sameSite: "Lax" }]);
  }
  const problems: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("request", (r) => {
    const url = new URL(r.url());
    if (!["127.0.0.1", "localhost"].includes(url.hostname) && !["data:", "blob:"].includes(url.protocol)) {
      problems.push(`external request: ${r.url()}`);
    }
  });
  return { page, problems };
}
