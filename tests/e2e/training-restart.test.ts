import { rm } from "node:fs/promises";
import { expect, test } from "vitest";
import { signInCookie, startServer } from "../setup/server.ts";

const ENV = {
  TRAINYARD_EXECUTOR_STEP_MS: "50",
  TRAINYARD_EXECUTOR_TICK_MS: "250",
  TRAINYARD_EXECUTOR_FAILURE_RATE: "0",
  TRAINYARD_EXECUTOR_SLOTS: "4",
  TRAINYARD_EXECUTOR_STALE_SECONDS: "2",
  TRAINYARD_SIMULATOR: "off",
};

async function read(url: string, id: string) {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: `query ($id: ID!) { trainingJob(id: $id) { status currentStep claimedBy events { level message } } }`, variables: { id } }),
  });
  return ((await res.json()) as { data: { trainingJob: { status: string; currentStep: number; claimedBy: string; events: Array<{ level: string; message: string }> } } }).data
    .trainingJob;
}

// Restarting on the same data is what is at stake for the embedded database; a server database keeps data by definition
// (and the harness gives every server start a fresh one).
test.skipIf(Boolean(process.env.TEST_DATABASE_URL || process.env.DATABASE_URL))(
  "a job running when the process stops is resumed after a restart and completes",
  { timeout: 120_000 },
  async () => {
    const first = await startServer({ env: ENV });
    const dataDir = first.dataDir;
    let second: Awaited<ReturnType<typeof startServer>> | undefined;
    try {
      const form = new URLSearchParams({
        baseModelId: "llama-3.2-1b-instruct",
        datasetId: "contract-clauses",
        modelName: "survives-restart",
        epochs: "1",
        learningRate: "0.0002",
        batchSize: "16",
        loraRank: "8",
        warmupSteps: "10",
        seed: "7",
      });
      const created = await fetch(`${first.url}/training/new`, { method: "POST", headers: { cookie: await signInCookie(first.url) }, body: form, redirect: "manual" });
      expect(created.status).toBe(302);
      const id = created.headers.get("location")!.split("/").pop()!;

      await expect.poll(async () => (await read(first.url, id)).currentStep, { timeout: 30_000, interval: 200 }).toBeGreaterThan(20);
      const lastSeen = (await read(first.url, id)).currentStep;
      await first.stop({ keepData: true });

      second = await startServer({ dataDir, env: ENV });
      await expect.poll(async () => (await read(second!.url, id)).status, { timeout: 60_000, interval: 500 }).toBe("COMPLETE");
      const done = await read(second.url, id);
      expect(done.currentStep).toBe(245);
      // The new process took the job over where the old one left it, not from the start.
      const resumed = done.events.map((e) => /resumed from step (\d+) by simulated trainer/.exec(e.message)).find(Boolean);
      expect(resumed).toBeTruthy();
      expect(Number(resumed![1])).toBeGreaterThanOrEqual(lastSeen);
      expect(Number(resumed![1])).toBeLessThan(245);
      expect(done.events.filter((e) => e.message.startsWith("Claimed by"))).toHaveLength(1);
    } finally {
      await second?.stop();
      await first.stop().catch(() => {});
      await rm(dataDir, { recursive: true, force: true });
    }
  },
);
