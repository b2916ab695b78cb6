import type { Browser } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import { launchBrowser } from "./browser.ts";
import type { TestServer } from "./server.ts";

/** Pages load, hydrate and redirect at their own pace on a busy CI machine: wait up to 10 s. */
export const poll = <T>(fn: () => Promise<T> | T) => expect.poll(fn, { timeout: 10_000, interval: 100 });

/**
 * One server (from `start`) and one browser for the whole test file, started side by side before its
 * tests and stopped after them. Read `server`/`browser` inside tests: they are set once beforeAll ran.
 */
export function serverAndBrowser(start: () => Promise<TestServer>): { server: TestServer; browser: Browser } {
  const session = {} as { server: TestServer; browser: Browser };
  let closeBrowser: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    [session.server, { browser: session.browser, close: closeBrowser }] = await Promise.all([start(), launchBrowser()]);
  });
  afterAll(async () => {
    await closeBrowser?.();
    await session.server?.stop();
  });
  return session;
}
