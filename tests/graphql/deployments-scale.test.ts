import { afterAll, beforeAll, expect, test } from "vitest";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";

// The /deployments table's query, at 10,000 deployments: sorting, filtering and
// paging must happen in the database, so each page stays quick.
const N = 10_000;
const MODELS = 400;

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  const template = seedUuid("sql-v2");
  // One job per deployment (a job has at most one live deployment), 25 versions per model name.
  await t.db.prisma.$executeRawUnsafe(`
    INSERT INTO "TrainingJob" (id, "modelName", status, "baseModelId", "datasetId", epochs, "learningRate", "batchSize", "loraRank",
      "warmupSteps", seed, "totalSteps", "currentStep", "createdBy", "createdAt")
    SELECT md5('scale-job-' || i)::uuid, 'scale-model-' || (i % ${MODELS}), 'COMPLETE', "baseModelId", "datasetId", epochs, "learningRate",
      "batchSize", "loraRank", "warmupSteps", seed, "totalSteps", "totalSteps", 'scale', now()
    FROM "TrainingJob", generate_series(0, ${N - 1}) AS i WHERE id = '${template}'::uuid`);
  await t.db.prisma.$executeRawUnsafe(`
    INSERT INTO "Deployment" (id, "jobId", "modelName", version, "versionMinor", status, "endpointUrl", "deployedBy", "createdAt", "updatedAt")
    SELECT md5('scale-deployment-' || i)::uuid, md5('scale-job-' || i)::uuid, 'scale-model-' || (i % ${MODELS}), 'v1.' || (i / ${MODELS}) || '.0', i / ${MODELS},
      (ARRAY['ACTIVE','PAUSED','RETIRED','FAILED','ACTIVE']::"DeploymentStatus"[])[1 + i % 5],
      'https://inference.example/scale-model-' || (i % ${MODELS}) || '/v1.' || (i / ${MODELS}) || '.0', 'scale',
      now() - (i || ' minutes')::interval, now()
    FROM generate_series(0, ${N - 1}) AS i`);
}, 120_000);
afterAll(() => t.drop());

const PAGE = `query ($filter: DeploymentFilter, $sort: DeploymentSort, $offset: Int) {
  deployments(filter: $filter, sort: $sort, first: 25, offset: $offset) {
    totalCount
    nodes { id modelName version status createdAt metrics(window: LAST_HOUR) { requestsPerSecond p95LatencyMs errorRate } }
  }
}`;

async function timed(variables: Record<string, unknown>) {
  const started = performance.now();
  const data = await query(t.db, PAGE, variables);
  return { page: data.deployments, ms: performance.now() - started };
}

test("every table view of 10,000 deployments is one quick page, sorted and filtered by the database", async () => {
  const timings: Record<string, number> = {};
  const views: Array<[string, Record<string, unknown>]> = [
    ["newest first", { sort: { field: "DEPLOYED", direction: "DESC" } }],
    ["model name, last page", { sort: { field: "MODEL_NAME", direction: "ASC" }, offset: N + 5 - 25 }],
    ["busiest first", { sort: { field: "REQUESTS_PER_SECOND", direction: "DESC" } }],
    ["slowest first", { sort: { field: "P95_LATENCY", direction: "DESC" } }],
    ["text filter", { filter: { modelName: "MODEL-12" }, sort: { field: "DEPLOYED", direction: "DESC" } }],
    ["status filter", { filter: { status: ["PAUSED"] }, sort: { field: "MODEL_NAME", direction: "DESC" } }],
  ];
  const results: Record<string, { totalCount: number; nodes: Array<{ modelName: string; status: string; createdAt: string }> }> = {};
  for (const [name, variables] of views) {
    const { page, ms } = await timed(variables);
    results[name] = page;
    timings[name] = Math.round(ms);
  }
  console.info(`[deployments-scale] ms per page at ${N} deployments:`, timings);

  expect(results["newest first"]!.totalCount).toBe(N + 5);
  const newest = results["newest first"]!.nodes.map((n) => n.createdAt);
  expect(newest).toEqual([...newest].sort().reverse());
  const lastPage = results["model name, last page"]!.nodes.map((n) => n.modelName);
  expect(lastPage).toEqual([...lastPage].sort());
  expect(lastPage.slice(-3)).toEqual(["sql-copilot", "support-assistant", "support-assistant"]);
  // scale-model-12, -120 … -129: 11 names × 25 versions.
  expect(results["text filter"]!.totalCount).toBe(11 * 25);
  expect(results["text filter"]!.nodes.every((n) => n.modelName.includes("model-12"))).toBe(true);
  expect(results["status filter"]!.totalCount).toBe(N / 5 + 1);
  expect(results["status filter"]!.nodes.every((n) => n.status === "PAUSED")).toBe(true);
  for (const [name, ms] of Object.entries(timings)) expect(ms, name).toBeLessThan(2_000);
}, 60_000);
