import { afterAll, beforeAll, expect, test } from "vitest";
import "../../graphql/workers/index.ts";
import { gatewayDroppedEvents, registry } from "../../graphql/observability/registry.ts";
import { startLoop } from "../../graphql/workers/index.ts";
import { createTrainyardYoga } from "../../graphql/yoga.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { serveIntegrations, type LocalServer } from "../setup/http.ts";

const TOKEN = "scrape-secret-0123456789";
let t: TestDatabase;
let http: LocalServer;
let base: string;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 3 });
  await seedDemoData(t.db);
  const yoga = createTrainyardYoga(t.db, { requireReadToken: false });
  http = await serveIntegrations(t.db, {
    metricsToken: TOKEN,
    extend(app) {
      app.use("/graphql", (req, res) => void yoga(req, res));
      app.get("/deployments/:id", (_req, res) => void res.send("ok"));
    },
  });
  base = http.base;
});
afterAll(async () => {
  await http.close();
  await t.drop();
});

const scrape = async (token?: string) => {
  const r = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: r.status, type: r.headers.get("content-type") ?? "", text: await r.text() };
};

/** The value of one sample line, e.g. `name{a="b"} 3`. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | null {
  for (const line of text.split("\n")) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.split(" ").at(-1));
  }
  return null;
}

test("GET /metrics needs the configured token", async () => {
  expect((await scrape()).status).toBe(401);
  expect((await scrape("wrong-token-wrong-token")).status).toBe(401);
  const ok = await scrape(TOKEN);
  expect(ok.status).toBe(200);
  expect(ok.type).toMatch(/^text\/plain; version=0.0.4/);
});

test("HTTP routes, GraphQL operations, jobs, DB pool, workers, gateway and process metrics are exposed", async () => {
  const id = "0b0e1d64-5f6a-4c1e-9a55-0c3f1c7a9d21";
  for (let i = 0; i < 3; i++) await fetch(`${base}/deployments/${id}`);
  for (let i = 0; i < 2; i++) {
    await fetch(`${base}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query: "query JobsForScrape { trainingJobs(first: 1) { totalCount } }" }),
    });
  }
  let calls = 0;
  const worker = startLoop("scrape-test-worker", 10, async () => {
    calls++;
    if (calls === 2) throw new Error("boom (expected by the test)");
  });
  await new Promise((resolve) => setTimeout(resolve, 200));
  await worker.stop();
  gatewayDroppedEvents.inc({ reason: "test" }, 2);

  const { text } = await scrape(TOKEN);
  expect(sample(text, "trainyard_http_request_duration_seconds_count", { method: "GET", route: "/deployments/:id", status: "200" })).toBe(3);
  expect(sample(text, "trainyard_graphql_operation_duration_seconds_count", { operation: "JobsForScrape", type: "query" })).toBe(2);
  const queued = await t.db.prisma.trainingJob.count({ where: { status: "QUEUED" } });
  const running = await t.db.prisma.trainingJob.count({ where: { status: "RUNNING" } });
  expect(sample(text, "trainyard_training_jobs", { status: "queued" })).toBe(queued);
  expect(sample(text, "trainyard_training_jobs", { status: "running" })).toBe(running);
  expect(sample(text, "trainyard_db_pool_connections", { state: "waiting" })).toBe(0);
  expect(sample(text, "trainyard_db_pool_connections", { state: "in_use" })).not.toBeNull();
  expect(sample(text, "trainyard_worker_loop_duration_seconds_count", { worker: "scrape-test-worker" })).toBeGreaterThanOrEqual(2);
  expect(sample(text, "trainyard_worker_loop_errors_total", { worker: "scrape-test-worker" })).toBe(1);
  expect(sample(text, "trainyard_gateway_dropped_events_total", { reason: "test" })).toBe(2);
  expect(text).toMatch(/^# HELP trainyard_ingestion_lag_seconds /m);
  expect(text).toMatch(/^# HELP trainyard_gateway_flush_failures_total /m);
  expect(sample(text, "process_cpu_user_seconds_total")).toBeGreaterThan(0);
  expect(sample(text, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
  // The scrape itself is not timed as a route.
  expect(text).not.toMatch(/route="\/metrics"/);
  expect(registry.getSingleMetric("trainyard_http_request_duration_seconds")).toBeDefined();
});
