import { randomUUID } from "node:crypto";
import { rm } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { openDatabase } from "../../graphql/db.ts";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { startServer } from "../setup/server.ts";

/**
 * `kill -9` of the Trainyard server while a deployment is rolling out, a training job is running and
 * ingestion is in flight, twice, then a restart on the same data (the embedded directory, or the same
 * PostgreSQL database): nothing stays DEPLOYING or RUNNING beyond the documented timeouts (the rollout
 * deadline is stored; a job whose heartbeat stopped is resumed after TRAINYARD_EXECUTOR_STALE_SECONDS),
 * nothing is half-written, and every acknowledged event is stored exactly once (unacknowledged batches are
 * retried on the new process with their idempotency key).
 */
const onPostgres = inject("testDatabase").kind === "postgres";
const KILLS = 2;

const ENV = {
  TRAINYARD_SIMULATOR: "off",
  TRAINYARD_EXECUTOR: "on",
  TRAINYARD_EXECUTOR_STEP_MS: "40",
  TRAINYARD_EXECUTOR_TICK_MS: "200",
  TRAINYARD_EXECUTOR_FAILURE_RATE: "0",
  TRAINYARD_EXECUTOR_SLOTS: "4",
  TRAINYARD_EXECUTOR_STALE_SECONDS: "2",
  TRAINYARD_ROLLOUT: "on",
  TRAINYARD_ROLLOUT_SECONDS: "6",
  TRAINYARD_ROLLOUT_FAILURE_RATE: "0",
};

type Server = Awaited<ReturnType<typeof startServer>>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("kill -9 of the Trainyard server mid-deploy, mid-ingestion and mid-training", () => {
  let database: TestDatabase | undefined;
  let dataDir = "";
  let server: Server;
  let token = "";

  const start = () =>
    startServer(onPostgres ? { databaseUrl: database!.url!, env: ENV } : { dataDir, env: ENV, databaseUrl: "" });

  beforeAll(async () => {
    if (onPostgres) {
      database = await createTestDatabase({ poolSize: 1 });
      server = await start();
      token = (await createApiToken(database.db.prisma, { input: { name: "kill", scopes: ["read", "train", "deploy", "ingest"] }, actor: "test" })).secret;
      return;
    }
    // The embedded directory admits one process: seed it, stop, mint the token directly, start again.
    const first = await startServer({ env: { ...ENV, TRAINYARD_EXECUTOR: "off" }, databaseUrl: "" });
    dataDir = first.dataDir;
    await first.stop({ keepData: true });
    const db = await openDatabase({ dataDir });
    try {
      token = (await createApiToken(db.prisma, { input: { name: "kill", scopes: ["read", "train", "deploy", "ingest"] }, actor: "test" })).secret;
    } finally {
      await db.close();
    }
    server = await start();
  }, 180_000);

  afterAll(async () => {
    await server?.stop({ keepData: true }).catch(() => {});
    await database?.drop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function gql(query: string, variables: Record<string, unknown> = {}): Promise<any> {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json()) as { data?: any; errors?: Array<{ message: string }> };
    if (res.status !== 200 || body.errors?.length) throw new Error(`HTTP ${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 300)}`);
    return body.data;
  }

  const job = async (id: string) =>
    (
      await gql(`query ($id: ID!) { trainingJob(id: $id) { id status currentStep totalSteps artifact { sha256 sizeBytes } events { message } } }`, { id })
    ).trainingJob as { id: string; status: string; currentStep: number; totalSteps: number; artifact: { sha256: string; sizeBytes: number } | null; events: Array<{ message: string }> };

  async function createJob(): Promise<string> {
    const data = await gql(
      `mutation ($input: CreateTrainingJobInput!) { createTrainingJob(input: $input) { __typename ... on CreateTrainingJobSuccess { job { id } } ... on Error { message } } }`,
      { input: { baseModelId: "llama-3.2-1b-instruct", datasetId: "contract-clauses", modelName: "survives-kill", epochs: 1, batchSize: 16, warmupSteps: 10 } },
    );
    expect(data.createTrainingJob.__typename).toBe("CreateTrainingJobSuccess");
    return data.createTrainingJob.job.id;
  }

  const settle = { timeout: 90_000, interval: 250 };

  it(`${KILLS} kills, restarts on the same data: rollouts finish, jobs resume, events counted once`, async () => {
    const active = await gql(`{ deployments(filter: { status: [ACTIVE] }, first: 1) { nodes { id } } }`);
    const ingestTarget = active.deployments.nodes[0].id as string;
    const before = (await gql(`query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_HOUR) { requestCount } } }`, { id: ingestTarget })).deployment
      .metrics.requestCount as number;

    let acknowledged = 0;
    let retried = 0;
    let stop = false;
    const writer = async () => {
      while (!stop) {
        const key = randomUUID();
        const events = Array.from({ length: 10 }, (_, i) => ({ timestamp: new Date().toISOString(), latencyMs: 5 + i, outcome: "OK" }));
        for (let attempt = 0; ; attempt++) {
          try {
            const d = await gql(
              `mutation ($d: ID!, $e: [InferenceEventInput!]!, $k: String) { recordInferenceEvents(deploymentId: $d, events: $e, idempotencyKey: $k) {
                __typename ... on RecordInferenceEventsSuccess { acceptedCount } } }`,
              { d: ingestTarget, e: events, k: key },
            );
            expect(d.recordInferenceEvents.__typename).toBe("RecordInferenceEventsSuccess");
            acknowledged += events.length;
            if (attempt > 0) retried++;
            break;
          } catch (err) {
            if ((err as Error).name === "AssertionError") throw err;
            await sleep(200); // the server is down or restarting: retry the same batch with the same key
          }
        }
      }
    };
    const writers = [writer(), writer()];

    const jobs: string[] = [];
    const deployments: string[] = [];
    let next = await createJob();
    jobs.push(next);
    for (let round = 0; round < KILLS; round++) {
      // A completed job is deployed (the rollout takes 6 s) and a fresh job is started: kill while both are mid-way.
      await expect.poll(async () => (await job(next)).status, settle).toBe("COMPLETE");
      const deployed = await gql(`mutation ($id: ID!) { deployJob(jobId: $id) { __typename ... on DeployJobSuccess { deployment { id status } } } }`, { id: next });
      expect(deployed.deployJob.deployment.status).toBe("DEPLOYING");
      deployments.push(deployed.deployJob.deployment.id);
      next = await createJob();
      jobs.push(next);
      await expect.poll(async () => (await job(next)).currentStep, settle).toBeGreaterThan(10);

      process.kill(server.pid, "SIGKILL");
      await server.stop({ keepData: true });
      server = await start();
      expect(server.output()).not.toMatch(/another Trainyard process/i);
    }
    await expect.poll(async () => (await job(next)).status, settle).toBe("COMPLETE");
    stop = true;
    await Promise.all(writers);

    // Nothing stuck: the rollouts interrupted by a kill finished on the next process.
    for (const id of deployments) {
      await expect
        .poll(async () => (await gql(`query ($id: ID!) { deployment(id: $id) { status } }`, { id })).deployment.status, settle)
        .toBe("ACTIVE");
      const d = (await gql(`query ($id: ID!) { deployment(id: $id) { events { action toStatus } } }`, { id })).deployment;
      expect(d.events.filter((e: { action: string }) => e.action === "ACTIVATE")).toHaveLength(1);
    }
    // Jobs interrupted mid-run were resumed where they stopped (not restarted) and finished whole, with their artifact.
    for (const id of jobs) {
      const j = await job(id);
      expect(j.status).toBe("COMPLETE");
      expect(j.currentStep).toBe(j.totalSteps);
      expect(j.artifact?.sha256).toMatch(/^[0-9a-f]{64}$/);
    }
    for (const id of jobs.slice(1)) {
      expect((await job(id)).events.some((e) => /resumed from step \d+/.test(e.message))).toBe(true);
    }
    const stuck = await gql(`{ deployments(filter: { status: [DEPLOYING], modelName: "survives-kill" }) { totalCount }
      trainingJobs(filter: { status: [QUEUED, RUNNING], search: "survives-kill" }) { totalCount } }`);
    expect([stuck.deployments.totalCount, stuck.trainingJobs.totalCount]).toEqual([0, 0]);

    // Every acknowledged event stored once, including batches retried across a kill.
    const after = (await gql(`query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_HOUR) { requestCount } } }`, { id: ingestTarget })).deployment
      .metrics.requestCount as number;
    expect(acknowledged).toBeGreaterThan(0);
    expect(after - before).toBe(acknowledged);
    console.info(`[server-kill] ${KILLS} kills: ${jobs.length} jobs resumed/completed, ${deployments.length} rollouts finished, ${acknowledged} events (${retried} batches retried across a kill)`);
  }, 300_000);
});
