import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { startServer } from "../setup/server.ts";

/**
 * Two Trainyard processes on one PostgreSQL, both running the training executor and the rollout worker,
 * both taking API traffic: no job is run twice, no deployment is created twice for a job or activated twice,
 * no version is handed out twice, no event is counted twice (each batch is sent to one process and retried
 * on the other with the same idempotency key). The suite runs it for 40 s; `TRAINYARD_SOAK_SECONDS=600`
 * is the 10-minute soak (see docs/operations.md). PostgreSQL only: the embedded database allows one process.
 */
const onPostgres = inject("testDatabase").kind === "postgres";
const SECONDS = Number(process.env.TRAINYARD_SOAK_SECONDS ?? 40);
const MODELS = ["soak-a", "soak-b", "soak-c"];

const ENV = {
  TRAINYARD_SIMULATOR: "off",
  TRAINYARD_EXECUTOR: "on",
  TRAINYARD_EXECUTOR_STEP_MS: "20",
  TRAINYARD_EXECUTOR_TICK_MS: "200",
  TRAINYARD_EXECUTOR_FAILURE_RATE: "0",
  TRAINYARD_EXECUTOR_SLOTS: "4",
  TRAINYARD_EXECUTOR_STALE_SECONDS: "30",
  TRAINYARD_ROLLOUT: "on",
  TRAINYARD_ROLLOUT_SECONDS: "1",
  TRAINYARD_ROLLOUT_FAILURE_RATE: "0",
  DATABASE_POOL_SIZE: "5",
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!onPostgres)("two processes on one PostgreSQL", () => {
  let database: TestDatabase;
  let servers: Array<Awaited<ReturnType<typeof startServer>>> = [];
  let token = "";

  beforeAll(async () => {
    database = await createTestDatabase({ poolSize: 2 });
    // The first process seeds the catalog; the second starts on the seeded database, as a second replica would.
    servers.push(await startServer({ databaseUrl: database.url!, env: { ...ENV, TRAINYARD_SEED: "on" } }));
    servers.push(await startServer({ databaseUrl: database.url!, env: { ...ENV, TRAINYARD_SEED: "off" } }));
    token = (await createApiToken(database.db.prisma, { input: { name: "soak", scopes: ["read", "train", "deploy", "ingest"] }, actor: "test" })).secret;
  }, 180_000);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await database?.drop();
  }, 60_000);

  async function gql(server: number, query: string, variables: Record<string, unknown> = {}): Promise<any> {
    const res = await fetch(`${servers[server]!.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(20_000),
    });
    const body = (await res.json()) as { data?: any; errors?: Array<{ message: string }> };
    if (res.status !== 200 || body.errors?.length) throw new Error(`server ${server}: HTTP ${res.status} ${JSON.stringify(body.errors ?? body).slice(0, 400)}`);
    return body.data;
  }

  it(`runs every job once, deploys and activates once, counts every event once (${SECONDS} s)`, async () => {
    const jobs: string[] = [];
    const deployedJobs = new Set<string>();
    const deployOutcomes: string[] = [];
    const acknowledged = new Map<string, number>();
    const duplicatesSeen: boolean[] = [];
    const failures: string[] = [];
    const until = Date.now() + SECONDS * 1000;

    const creator = async () => {
      for (let i = 0; Date.now() < until; i++) {
        const data = await gql(
          i % 2,
          `mutation ($input: CreateTrainingJobInput!) { createTrainingJob(input: $input) {
            __typename ... on CreateTrainingJobSuccess { job { id } } ... on Error { message } } }`,
          { input: { baseModelId: "llama-3.2-1b-instruct", datasetId: "contract-clauses", modelName: MODELS[i % MODELS.length], epochs: 1, batchSize: 16, warmupSteps: 10 } },
        );
        if (data.createTrainingJob.__typename !== "CreateTrainingJobSuccess") failures.push(`create: ${JSON.stringify(data.createTrainingJob)}`);
        else jobs.push(data.createTrainingJob.job.id);
        await sleep(1200);
      }
    };

    // Every completed job is deployed through both processes at once: the database lets exactly one through.
    const deployer = async () => {
      while (Date.now() < until) {
        const data = await gql(0, `{ trainingJobs(filter: { status: COMPLETE }, first: 100) { nodes { id } } }`);
        for (const { id } of data.trainingJobs.nodes as Array<{ id: string }>) {
          if (deployedJobs.has(id) || !jobs.includes(id)) continue;
          deployedJobs.add(id);
          const both = await Promise.all(
            [0, 1].map((s) =>
              gql(s, `mutation ($id: ID!) { deployJob(jobId: $id) { __typename } }`, { id }).then((d) => d.deployJob.__typename as string),
            ),
          );
          deployOutcomes.push(both.sort().join("+"));
        }
        await sleep(500);
      }
    };

    // Each batch goes to one process and is retried on the other with its key, as a retrying client would.
    const ingester = async () => {
      for (let i = 0; Date.now() < until; i++) {
        const data = await gql(i % 2, `{ deployments(filter: { status: [ACTIVE] }, first: 10) { nodes { id } } }`);
        const nodes = data.deployments.nodes as Array<{ id: string }>;
        if (nodes.length === 0) {
          await sleep(500);
          continue;
        }
        const id = nodes[i % nodes.length]!.id;
        const key = randomUUID();
        const events = Array.from({ length: 20 }, (_, j) => ({ timestamp: new Date().toISOString(), latencyMs: 10 + j, outcome: "OK" }));
        const send = (server: number) =>
          gql(
            server,
            `mutation ($d: ID!, $e: [InferenceEventInput!]!, $k: String) { recordInferenceEvents(deploymentId: $d, events: $e, idempotencyKey: $k) {
              __typename ... on RecordInferenceEventsSuccess { acceptedCount duplicate } ... on Error { message } } }`,
            { d: id, e: events, k: key },
          ).then((d) => d.recordInferenceEvents);
        const first = await send(i % 2);
        const retry = await send((i + 1) % 2);
        if (first.__typename !== "RecordInferenceEventsSuccess" || retry.__typename !== "RecordInferenceEventsSuccess") {
          failures.push(`ingest: ${JSON.stringify([first, retry])}`);
          continue;
        }
        duplicatesSeen.push(first.duplicate === false && retry.duplicate === true);
        acknowledged.set(id, (acknowledged.get(id) ?? 0) + events.length);
        await sleep(150);
      }
    };

    await Promise.all([creator(), deployer(), ingester()]);

    // Let the last jobs finish (both executors keep running) and check what the database holds.
    await expect
      .poll(async () => (await database.db.prisma.trainingJob.count({ where: { id: { in: jobs }, status: { not: "COMPLETE" } } })), {
        timeout: 90_000,
        interval: 500,
      })
      .toBe(0);

    expect(failures).toEqual([]);
    expect(jobs.length).toBeGreaterThanOrEqual(Math.floor(SECONDS / 3));
    const prisma = database.db.prisma;

    // No job run twice: one claim per job, by one of the two executors, and both executors took work.
    const claims = await prisma.trainingEvent.groupBy({ by: ["jobId"], where: { jobId: { in: jobs }, message: { startsWith: "Claimed by" } }, _count: true });
    expect(claims.map((c) => c._count).filter((n) => n !== 1)).toEqual([]);
    expect(claims).toHaveLength(jobs.length);
    const claimers = await prisma.trainingJob.findMany({ where: { id: { in: jobs } }, select: { claimedBy: true }, distinct: ["claimedBy"] });
    expect(claimers.length).toBe(2);

    // One deployment per job; each concurrent pair of deployJob calls let exactly one through.
    expect(deployOutcomes.length).toBeGreaterThan(0);
    expect(deployOutcomes.filter((o) => o !== "DeployJobSuccess+DuplicateDeploymentError")).toEqual([]);
    const perJob = await prisma.deployment.groupBy({ by: ["jobId"], where: { jobId: { in: jobs } }, _count: true });
    expect(perJob.filter((d) => d._count !== 1)).toEqual([]);
    const versions = await prisma.deployment.groupBy({ by: ["modelName", "version"], where: { modelName: { in: MODELS } }, _count: true });
    expect(versions.filter((v) => v._count !== 1)).toEqual([]);

    // No deployment activated twice.
    await expect.poll(() => prisma.deployment.count({ where: { modelName: { in: MODELS }, status: "DEPLOYING" } }), { timeout: 30_000 }).toBe(0);
    const activations = await prisma.deploymentEvent.groupBy({ by: ["deploymentId"], where: { action: "ACTIVATE", deployment: { modelName: { in: MODELS } } }, _count: true });
    expect(activations.filter((a) => a._count !== 1)).toEqual([]);
    expect(activations.length).toBe(perJob.length);

    // No event counted twice: what is stored per deployment is what was acknowledged, once.
    expect(duplicatesSeen.length).toBeGreaterThan(0);
    expect(duplicatesSeen.every(Boolean)).toBe(true);
    for (const [id, n] of acknowledged) {
      const rows = await prisma.$queryRaw<Array<{ n: number }>>`
        SELECT COALESCE(sum("requestCount"), 0)::int AS n FROM "InferenceRollup" WHERE "deploymentId" = ${id}::uuid AND resolution = 'MINUTE'`;
      expect({ id, stored: rows[0]!.n }).toEqual({ id, stored: n });
    }
    console.info(
      `[two-processes] ${SECONDS} s: ${jobs.length} jobs, ${perJob.length} deployments, ${[...acknowledged.values()].reduce((a, b) => a + b, 0)} events in ${duplicatesSeen.length} batches (each retried on the other process)`,
    );
  }, (SECONDS + 200) * 1000);
});
