import { afterAll, beforeAll, expect, test } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, openPage } from "../setup/browser.ts";
import { startServer } from "../setup/server.ts";
import { apiClient, finishedJob, uniqueName } from "./fixtures.ts";
import { fieldError, readTable } from "./tables.ts";

let server: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
let closeBrowser: () => Promise<void>;
const api = apiClient(() => server.url);

beforeAll(async () => {
  // A fast, reliable executor: 20 ms per step, no simulated failures, room for the seed's jobs and ours.
  server = await startServer({
    env: {
      TRAINYARD_EXECUTOR_STEP_MS: "20",
      TRAINYARD_EXECUTOR_TICK_MS: "250",
      TRAINYARD_EXECUTOR_FAILURE_RATE: "0",
      TRAINYARD_EXECUTOR_SLOTS: "4",
      TRAINYARD_SIMULATOR: "off",
    },
  });
  ({ browser, close: closeBrowser } = await launchBrowser());
});
afterAll(async () => {
  await closeBrowser?.();
  await server?.stop();
});

test("from the catalog: configure a job, watch it train live, see it complete with a Deploy button", { timeout: 120_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.goto("/models/mistral-7b-instruct-v0.3");
  await page.getByRole("link", { name: "Fine-tune" }).click();
  await page.waitForURL(/\/training\/new\?baseModel=mistral-7b-instruct-v0\.3/);
  expect(await page.getByLabel("Base model").inputValue()).toBe("mistral-7b-instruct-v0.3");

  // A bad submission keeps what was typed and says what is wrong, field by field.
  await page.getByLabel("Dataset").selectOption("contract-clauses");
  await page.getByLabel("Epochs").fill("1");
  await page.getByLabel("Model name").fill("Contract Summarizer!");
  await page.getByRole("button", { name: "Start training" }).click();
  await expect.poll(() => fieldError(page, "Model name")).toMatch(/lowercase letters/);
  expect(await page.getByLabel("Epochs").inputValue()).toBe("1");
  expect(await page.getByLabel("Model name").inputValue()).toBe("Contract Summarizer!");
  expect(page.url()).toContain("/training/new");

  // The estimate follows the configuration: 3,905 rows at batch 16, 1 epoch.
  await page.getByLabel("Batch size").fill("16");
  await page.getByLabel("Batch size").blur();
  await expect.poll(() => page.getByTestId("estimate-steps").textContent()).toBe("245");
  expect(await page.getByTestId("estimate-duration").textContent()).toMatch(/about \d+s/);

  await page.getByLabel("Model name").fill("contract-summarizer-e2e");
  await page.getByRole("button", { name: "Start training" }).click();
  await page.waitForURL(/\/training\/jobs\/[0-9a-f-]{36}$/);
  await expect.poll(() => page.getByText("Training job contract-summarizer-e2e queued").isVisible()).toBe(true);
  expect(await page.getByRole("heading", { name: "contract-summarizer-e2e" }).isVisible()).toBe(true);

  // From here the page must update by itself: a full reload would clear this marker.
  await page.evaluate(() => ((window as unknown as { marker: string }).marker = "same document"));
  const seen = new Set<string>();
  const steps = new Set<string>();
  await expect
    .poll(
      async () => {
        const status = (await page.getByTestId("job-status").textContent())?.trim() ?? "";
        seen.add(status);
        steps.add((await page.getByTestId("job-step").textContent()) ?? "");
        return status;
      },
      { timeout: 90_000, interval: 250 },
    )
    .toBe("Complete");
  expect(seen.has("Running")).toBe(true);
  expect(steps.size).toBeGreaterThan(1);
  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe("same document");

  expect(await page.getByTestId("job-step").textContent()).toBe("Step 245 of 245");
  await expect.poll(() => page.getByRole("button", { name: "Deploy" }).isVisible()).toBe(true);
  await expect.poll(() => page.locator("[data-testid=loss-chart] [data-chart] canvas").count()).toBe(1);
  expect(await page.locator("[data-testid=loss-chart] [data-chart]").getAttribute("data-lines")).toBe("Train loss | Eval loss");
  expect(await page.getByTestId("event-log").textContent()).toMatch(/Simulated training complete: synthetic final train loss/);
  expect(await page.getByTestId("live-indicator").count()).toBe(0);

  // The jobs table shows it too, found by name, with its Deploy action.
  await page.goto("/training/jobs?q=contract-summarizer-e2e");
  const row = page.getByRole("row").filter({ hasText: "contract-summarizer-e2e" });
  expect(await row.count()).toBe(1);
  expect(await row.getByText("Complete").isVisible()).toBe(true);
  expect(await row.getByRole("button", { name: "Deploy" }).isVisible()).toBe(true);
  expect(problems).toEqual([]);
  await page.close();
});

test("the jobs table filters by status in the database, and cancels a running job from its row", { timeout: 60_000 }, async () => {
  // Jobs of its own, ended by an external trainer through the API: one FAILED and two COMPLETE under one name prefix.
  const prefix = uniqueName("filter");
  const failed = `${prefix}-failed`;
  await finishedJob(api, failed, "FAILED");
  for (const name of [`${prefix}-b`, `${prefix}-a`]) await finishedJob(api, name);

  const { page, problems } = await openPage(browser, server.url);
  await page.goto(`/training/jobs?q=${prefix}`);
  await page.getByLabel("Status").selectOption("FAILED");
  await page.waitForURL(/status=FAILED/);
  await expect.poll(async () => (await readTable(page, "Training jobs")).map((r) => r["Name"])).toEqual([failed]);
  const failedRow = page.getByRole("row").filter({ hasText: failed });
  expect(await failedRow.getByRole("button", { name: "Retry" }).isVisible()).toBe(true);

  // Sorting by name is done by the server and kept in the URL with the filter.
  await page.getByLabel("Status").selectOption("COMPLETE");
  await page.waitForURL(/status=COMPLETE/);
  await page.getByRole("columnheader", { name: /Name/ }).getByRole("button").click();
  await page.waitForURL(/sort=name\.asc/);
  expect(page.url()).toContain("status=COMPLETE");
  expect(page.url()).toContain(`q=${prefix}`);
  await expect.poll(async () => (await readTable(page, "Training jobs")).map((r) => `${r["Name"]} ${r["Status"]}`)).toEqual([`${prefix}-a Complete`, `${prefix}-b Complete`]);
  expect(await page.getByRole("columnheader", { name: /Name/ }).getAttribute("aria-sort")).toBe("ascending");

  // A long job (78,100 steps) that is still running when we cancel it.
  await page.goto("/training/new?baseModel=whisper-large-v3");
  await page.getByLabel("Dataset").selectOption("call-transcripts-en");
  await page.getByLabel("Model name").fill("cancel-me");
  await page.getByLabel("Epochs").fill("20");
  await page.getByLabel("Batch size").fill("1");
  await page.getByRole("button", { name: "Start training" }).click();
  await page.waitForURL(/\/training\/jobs\/[0-9a-f-]{36}$/);

  await page.goto("/training/jobs?q=cancel-me");
  const row = page.getByRole("row").filter({ hasText: "cancel-me" });
  // Cancel asks first, in the console's own dialog (no window.confirm).
  await row.getByRole("button", { name: "Cancel" }).click();
  const confirm = page.getByRole("dialog", { name: 'Cancel training job "cancel-me"?' });
  await confirm.waitFor();
  await confirm.getByRole("button", { name: "Cancel the job" }).click();
  await expect.poll(() => page.getByText("Cancelled cancel-me").isVisible()).toBe(true);
  await expect.poll(() => row.getByText("Cancelled").isVisible()).toBe(true);
  expect(await row.getByRole("button", { name: "Retry" }).isVisible()).toBe(true);
  expect(page.url()).toContain("q=cancel-me");

  // Retry queues a copy linked to the original and opens its monitor.
  const originalUrl = await row.getByRole("link", { name: "cancel-me" }).getAttribute("href");
  await row.getByRole("button", { name: "Retry" }).click();
  await page.waitForURL((url) => /\/training\/jobs\/[0-9a-f-]{36}$/.test(url.pathname) && url.pathname !== originalUrl);
  await expect.poll(() => page.getByText("Retrying cancel-me").isVisible()).toBe(true);
  expect(await page.getByRole("link", { name: /job [0-9a-f]{8} \(cancelled\)/ }).getAttribute("href")).toBe(originalUrl);
  expect(problems).toEqual([]);
  await page.close();
});

test("the model catalog searches, filters and sorts on the server, with the view in the URL", { timeout: 60_000 }, async () => {
  const { page, problems } = await openPage(browser, server.url);
  await page.goto("/models");
  const names = () => page.locator("tbody tr td:first-child a").allTextContents();
  await page.getByLabel("Task").selectOption("CODE_GENERATION");
  await page.waitForURL(/task=CODE_GENERATION/);
  await expect.poll(names).toEqual(["DeepSeek-Coder 6.7B Instruct", "Qwen2.5-Coder 7B Instruct", "StarCoder2 15B"]);

  // Sizes sort largest first, then toggle.
  await page.getByRole("columnheader", { name: /Parameters/ }).getByRole("button").click();
  await page.waitForURL(/sort=parameters\.desc/);
  await expect.poll(names).toEqual(["StarCoder2 15B", "Qwen2.5-Coder 7B Instruct", "DeepSeek-Coder 6.7B Instruct"]);
  await page.getByRole("columnheader", { name: /Parameters/ }).getByRole("button").click();
  await page.waitForURL(/sort=parameters\.asc/);
  await expect.poll(names).toEqual(["DeepSeek-Coder 6.7B Instruct", "Qwen2.5-Coder 7B Instruct", "StarCoder2 15B"]);
  expect(page.url()).toContain("task=CODE_GENERATION");

  // The URL alone reproduces the view.
  await page.goto("/models?q=llama&license=Llama%203.2%20Community&sort=name.desc");
  await expect.poll(names).toEqual(["Llama 3.2 3B Instruct", "Llama 3.2 1B Instruct"]);
  expect(await page.getByLabel("Search").inputValue()).toBe("llama");

  await page.goto("/models?q=no-such-model");
  expect(await page.getByText("No models match these filters").isVisible()).toBe(true);

  // A model page lists its fine-tunes and opens the form pre-filled.
  await page.goto("/models/qwen2.5-coder-7b-instruct");
  const fineTunes = page.getByRole("list", { name: "Training jobs" });
  expect(await fineTunes.getByRole("link", { name: "sql-copilot" }).count()).toBe(2);
  // Which of them serves, and the actions the API offers on each (Deploy only where nothing is live).
  expect(await fineTunes.getByRole("link", { name: /^Deployed v\d/ }).count()).toBe(1);
  expect(await fineTunes.getByRole("button", { name: "Deploy" }).count()).toBe(1);
  await page.getByRole("link", { name: "Fine-tune" }).click();
  await page.waitForURL(/\/training\/new\?baseModel=qwen2\.5-coder-7b-instruct/);
  expect(await page.getByLabel("Base model").inputValue()).toBe("qwen2.5-coder-7b-instruct");
  expect(await page.getByLabel("Dataset").inputValue()).toBe("internal-sdk-completions");
  expect(problems).toEqual([]);
  await page.close();
});
