import { afterAll, beforeAll, expect, test } from "vitest";
import { execute, parse } from "graphql";
import { consoleActor, contextFor } from "../../graphql/context.ts";
import { executeOperation } from "../../graphql/execute.ts";
import { schema } from "../../graphql/schema.ts";
import { recordInferenceEvents, refreshDeploymentStats } from "../../graphql/services/metrics.ts";
import { promoteDeployment } from "../../graphql/services/serving.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { eventsAt, gaussian, rng } from "../services/metrics-fixtures.ts";
import { createCompleteJob } from "../setup/jobs.ts";

/**
 * The deployments list reads a page, its total and what its rows show in one statement (ADR 0046). A selection
 * with a relation (`job { id }`) takes the Prisma path instead: both must give the same rows, order, totals and
 * figures for every filter and sort, and the one-statement path must stay one statement.
 */
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  const random = rng(46);
  const made: Array<{ id: string; jobId: string }> = [];
  // Names LIKE treats specially, trainers of every kind, an older version promoted, traffic on some, a simulator cursor.
  const names = ["page_a%1", "pageXa-1", "page_a%1", "PAGE-b", "page-c", "page-c", "page-c", "page-idle"];
  const versions = new Map<string, number>();
  for (const [i, name] of names.entries()) {
    const minor = versions.get(name) ?? 0;
    versions.set(name, minor + 1);
    const job = await createCompleteJob(t.db.prisma, name.toLowerCase().replace(/[^a-z0-9-]/g, "-"));
    const d = await t.db.prisma.deployment.create({
      data: {
        jobId: job.id,
        modelName: name,
        version: `v1.${minor}.0`,
        versionMinor: minor,
        status: "ACTIVE",
        endpointUrl: `https://inference.test/${i}/${name}`,
        deployedBy: "test",
      },
    });
    made.push(d);
  }
  const claims = ["builtin:demo-gpu-01", "trainer:gpu-7", null, "builtin:demo-gpu-02", "trainer:a100", null, "builtin:x", "trainer:y"];
  for (const [i, d] of made.entries()) await t.db.prisma.trainingJob.update({ where: { id: d.jobId }, data: { claimedBy: claims[i] } });
  for (const [i, d] of made.entries()) {
    if (i === 7) continue;
    const median = 50 + 90 * i;
    const latencies = Array.from({ length: 60 + 40 * i }, () => Math.exp(Math.log(median) + 0.4 * gaussian(random)));
    await recordInferenceEvents(t.db.prisma, d.id, eventsAt(latencies, new Date(Date.now() - 20 * 60_000), 15 * 60_000, random, i === 2 ? "SERVER_ERROR" : "OK"));
  }
  for (const i of [3, 7]) await t.db.prisma.deployment.update({ where: { id: made[i]!.id }, data: { status: "PAUSED" } });
  await refreshDeploymentStats(t.db.prisma, made.map((d) => d.id));
  // page-c: the oldest version is production, by promotion.
  await promoteDeployment(t.db.prisma, { id: made[4]!.id, actor: "test" });
  await t.db.prisma.simulatorCursor.create({ data: { deploymentId: made[1]!.id, fedUntil: new Date() } });
}, 120_000);
afterAll(() => t.drop());

const ROW = `__typename id modelName version status endpointUrl deployedBy createdAt updatedAt activatedAt retiredAt failureReason
  upstreamUrl healthPath public healthy lastProbeAt lastProbeError trainer simulatedTraffic isProduction simulated gatewayUrl availableActions
  metrics(window: $window) { requestCount requestsPerSecond p50LatencyMs p95LatencyMs errorRate }`;
const page = (relation: string) => `query ($filter: DeploymentFilter, $sort: DeploymentSort, $first: Int, $offset: Int, $window: MetricsWindow!) {
  deployments(filter: $filter, sort: $sort, first: $first, offset: $offset) { totalCount nodes { ${ROW} ${relation} } }
  everything: deployments(first: 0) { totalCount }
}`;
const ONE_STATEMENT = page("");
const PRISMA_PATH = page("job { id }");

const VIEWS: Array<[string, Record<string, unknown>]> = [
  ["default order", {}],
  ["newest first, name filter", { filter: { modelName: "page" }, sort: { field: "DEPLOYED", direction: "DESC" } }],
  ["name filter with LIKE's characters", { filter: { modelName: "_a%" }, sort: { field: "MODEL_NAME" } }],
  ["name filter, upper case, padded", { filter: { modelName: "  PAGE-C " }, sort: { field: "MODEL_NAME", direction: "DESC" } }],
  ["status filter", { filter: { status: ["PAUSED"] }, sort: { field: "STATUS" } }],
  ["status and name", { filter: { status: ["ACTIVE", "PAUSED"], modelName: "page" }, sort: { field: "STATUS", direction: "DESC" } }],
  ["simulated trainer", { filter: { trainer: "SIMULATED", modelName: "page" }, sort: { field: "MODEL_NAME" } }],
  ["real trainer", { filter: { trainer: "REAL" }, sort: { field: "DEPLOYED", direction: "ASC" } }],
  ["slowest first", { filter: { modelName: "page" }, sort: { field: "P95_LATENCY", direction: "DESC" } }],
  ["fastest first, 24 hours", { filter: { modelName: "page" }, sort: { field: "P95_LATENCY", direction: "ASC", window: "LAST_24_HOURS" } }],
  ["idle first by requests", { filter: { modelName: "page" }, sort: { field: "REQUESTS_PER_SECOND", direction: "ASC" } }],
  ["errors first", { sort: { field: "ERROR_RATE", direction: "DESC" } }],
  ["second page", { filter: { modelName: "page" }, sort: { field: "DEPLOYED", direction: "DESC" }, first: 3, offset: 3 }],
  ["past the end", { filter: { modelName: "page" }, first: 5, offset: 50 }],
  ["nothing matches", { filter: { modelName: "no-such-model" } }],
  ["empty page size", { filter: { modelName: "page" }, first: 0 }],
];

test.each(VIEWS)("%s: the one-statement page equals Prisma's", async (_name, view) => {
  const variables = { first: 10, window: "LAST_HOUR", ...view };
  const fast = await query(t.db, ONE_STATEMENT, variables);
  const slow = await query(t.db, PRISMA_PATH, variables);
  expect(slow.deployments.nodes.every((n: { job: { id: string } | null }) => n.job?.id)).toBe(true);
  const withoutJob = slow.deployments.nodes.map(({ job: _job, ...rest }: Record<string, unknown>) => rest);
  expect(fast.deployments.nodes).toEqual(withoutJob);
  expect(fast.deployments.totalCount).toBe(slow.deployments.totalCount);
  expect(fast.everything.totalCount).toBe(slow.everything.totalCount);
});

// Metric sorts read the stats column's index: the rows with a figure, then those without one (or the other way round).
// Every page boundary, including the one between the two parts, must give Prisma's order: ties (error rate 0) by id.
const METRIC_SORTS = ["P95_LATENCY", "REQUESTS_PER_SECOND", "ERROR_RATE"].flatMap((field) =>
  ["DESC", "ASC"].map((direction) => [`${field} ${direction}`, { field, direction }] as const),
);
test.each(METRIC_SORTS)("%s: pages of 3 at every offset walk Prisma's order", async (_name, sort) => {
  for (const filter of [{}, { modelName: "page" }, { modelName: "page", status: ["ACTIVE"] }]) {
    const whole = (await query(t.db, PRISMA_PATH, { filter, sort, first: 100, window: "LAST_HOUR" })).deployments;
    const ids = whole.nodes.map((n: { id: string }) => n.id);
    expect(ids.length).toBeGreaterThan(5);
    const walked: string[] = [];
    for (let offset = 0; offset < ids.length + 3; offset += 3) {
      const part = (await query(t.db, ONE_STATEMENT, { filter, sort, first: 3, offset, window: "LAST_HOUR" })).deployments;
      walked.push(...part.nodes.map((n: { id: string }) => n.id));
      if (part.nodes.length) expect(part.totalCount).toBe(whole.totalCount);
    }
    expect(walked).toEqual(ids);
  }
});

test("the views see what was set up: LIKE's characters are plain text, trainers, promotion, simulator and figures", async () => {
  const names = async (view: Record<string, unknown>) =>
    (await query(t.db, ONE_STATEMENT, { first: 20, window: "LAST_HOUR", ...view })).deployments as { totalCount: number; nodes: Array<Record<string, any>> };
  // What is typed is matched as text: _ and % are not wildcards.
  const like = await names({ filter: { modelName: "_a%" }, sort: { field: "MODEL_NAME" } });
  expect(like.nodes.map((n) => n.modelName)).toEqual(["page_a%1", "page_a%1"]);
  expect((await names({ filter: { modelName: "a\\" } })).totalCount).toBe(0);
  const c = await names({ filter: { modelName: "page-c" }, sort: { field: "DEPLOYED", direction: "ASC" } });
  expect(c.totalCount).toBe(3);
  expect(c.nodes.map((n) => [n.version, n.isProduction])).toEqual([["v1.0.0", true], ["v1.1.0", false], ["v1.2.0", false]]);
  expect(c.nodes.map((n) => n.trainer)).toEqual(["REAL", null, "SIMULATED"]);
  const slowest = await names({ filter: { modelName: "page" }, sort: { field: "P95_LATENCY", direction: "DESC" } });
  const p95s = slowest.nodes.map((n) => n.metrics.p95LatencyMs);
  expect(p95s.at(-1)).toBeNull();
  expect(p95s.slice(0, -1)).toEqual([...p95s.slice(0, -1)].sort((a, b) => b - a));
  expect(slowest.nodes.filter((n) => n.simulatedTraffic).map((n) => n.modelName)).toEqual(["pageXa-1"]);
  expect(slowest.nodes.find((n) => n.modelName === "page-idle")!.metrics).toMatchObject({ requestCount: 0, requestsPerSecond: 0, errorRate: null });
});

test("a page with its totals, trainers, production flags and figures is one statement, whatever the filter", async () => {
  const statements: string[] = [];
  const prisma = t.db.prisma.$extends({
    query: {
      $allOperations: ({ operation, model, args, query: next }) => {
        statements.push(model ? `${model}.${operation}` : operation);
        return next(args);
      },
    },
  });
  // Interpreted by graphql-js and compiled by graphql-jit (ADR 0052): the same statements either way.
  const run = async (source: string, variables: Record<string, unknown>) => {
    const counted: string[][] = [];
    for (const executor of [execute, (args: Parameters<typeof execute>[0]) => executeOperation(args, 0)]) {
      statements.length = 0;
      const result = await executor({ schema, document: parse(source), variableValues: variables, contextValue: { ...contextFor(t.db, consoleActor), prisma } });
      expect(result.errors).toBeUndefined();
      counted.push([...statements]);
    }
    expect(counted[1]).toEqual(counted[0]);
    return counted[0]!;
  };
  const filtered = { filter: { modelName: "page" }, sort: { field: "P95_LATENCY", direction: "DESC" }, first: 10, window: "LAST_HOUR" };
  // The page statement carries the kept status counts for `everything` (ADR 0051).
  expect(await run(ONE_STATEMENT, filtered)).toEqual(["$queryRaw"]);
  // Without `everything`: the page alone, total included.
  const alone = `query ($filter: DeploymentFilter, $sort: DeploymentSort, $first: Int, $window: MetricsWindow!) {
    deployments(filter: $filter, sort: $sort, first: $first) { totalCount nodes { ${ROW} } } }`;
  expect(await run(alone, filtered)).toEqual(["$queryRaw"]);
  // A status-only filter's total comes from the kept counts, which the page statement carries.
  expect(await run(alone, { ...filtered, filter: { status: ["ACTIVE"] } })).toEqual(["$queryRaw"]);
  expect(await run(ONE_STATEMENT, { ...filtered, filter: {} })).toEqual(["$queryRaw"]);
  // An empty page has no row to carry them: the counts are read apart.
  expect(await run(ONE_STATEMENT, { ...filtered, filter: {}, offset: 500 })).toEqual(["$queryRaw", "$queryRaw"]);
  // The Prisma path: the rows, their count, the relation and each loader's read.
  expect((await run(PRISMA_PATH, filtered)).length).toBeGreaterThanOrEqual(5);
});

// A page statement reads only the columns its rows' fields need (ADR 0051): each leaf field of Deployment asked alone
// (the narrowest selection) must read what the deployment itself answers.
test("every leaf field of a deployment, asked alone in a list, is what the deployment answers", async () => {
  const type = await query(t.db, `{ __type(name: "Deployment") { fields { name args { type { kind } } type { kind ofType { kind ofType { kind ofType { kind } } } } } } }`);
  type TypeRef = { kind: string; ofType?: TypeRef | null };
  const leaf = (ref: TypeRef | null | undefined): boolean =>
    !!ref && (ref.kind === "SCALAR" || ref.kind === "ENUM" || ((ref.kind === "NON_NULL" || ref.kind === "LIST") && leaf(ref.ofType)));
  const fields = (type.__type.fields as Array<{ name: string; args: Array<{ type: { kind: string } }>; type: TypeRef }>)
    .filter((f) => leaf(f.type) && f.args.every((a) => a.type.kind !== "NON_NULL"))
    .map((f) => f.name);
  expect(fields).toEqual(expect.arrayContaining(["version", "status", "gatewayUrl", "simulated", "isProduction", "trainer", "lastProbeError"]));
  for (const field of fields) {
    for (const sort of [{ field: "DEPLOYED" }, { field: "P95_LATENCY", direction: "DESC" }]) {
      const nodes = (await query(t.db, `query ($sort: DeploymentSort) { deployments(first: 12, sort: $sort) { nodes { id ${field} } } }`, { sort })).deployments.nodes;
      expect(nodes.length).toBeGreaterThan(5);
      for (const node of nodes) {
        const one = (await query(t.db, `query ($id: ID!) { deployment(id: $id) { id ${field} } }`, { id: node.id })).deployment;
        expect({ field, ...node }).toEqual({ field, ...one });
      }
    }
  }
});
