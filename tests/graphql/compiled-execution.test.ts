import { afterAll, beforeAll, expect, test } from "vitest";
import { execute, getIntrospectionQuery, parse, type ExecutionResult } from "graphql";
import { anonymousActor, consoleActor, contextFor, type Actor } from "../../graphql/context.ts";
import { executeOperation } from "../../graphql/execute.ts";
import { schema } from "../../graphql/schema.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

/**
 * Queries run compiled by graphql-jit from their second run (ADR 0052). For every kind of operation the API and
 * the console send — lists with fragments and directives, relations, unions of results and errors, refusals,
 * bad variables, introspection — the compiled run must answer exactly what graphql-js answers: the same data, the
 * same errors with their messages, paths and codes.
 */
let t: TestDatabase;
let deploymentId: string;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  deploymentId = (await t.db.prisma.deployment.findFirstOrThrow({ where: { status: "ACTIVE" }, orderBy: { id: "asc" } })).id;
}, 120_000);
afterAll(() => t.drop());

const LIST = `query List($first: Int, $withMetrics: Boolean!, $sort: DeploymentSort) {
  deployments(first: $first, sort: $sort) {
    totalCount
    nodes { ...Row metrics(window: LAST_HOUR) @include(if: $withMetrics) { requestsPerSecond p95LatencyMs errorRate } }
  }
  everything: deployments(first: 0) { totalCount }
}
fragment Row on Deployment { id modelName version status trainer simulatedTraffic isProduction createdAt availableActions __typename }`;

const CASES: Array<[string, string, Record<string, unknown>, Actor?]> = [
  ["the deployments page, with metrics", LIST, { first: 20, withMetrics: true, sort: { field: "P95_LATENCY", direction: "DESC" } }],
  ["the deployments page, without", LIST, { first: 5, withMetrics: false }],
  ["relations through Prisma", `{ trainingJobs(first: 10) { totalCount nodes { id status baseModel { name family } dataset { name } deployments { id version } } } }`, {}],
  [
    "one deployment with its series and events",
    `query ($id: ID!) { deployment(id: $id) { id endpointUrl job { id modelName } events { action toStatus } metrics(window: LAST_24_HOURS) { requestCount series { bucketStart requestCount p95LatencyMs } } } }`,
    { id: "" },
  ],
  ["the dashboard", `{ dashboard { activeDeployments runningJobs queuedJobs completedJobs failedJobs24h requests24h errorRate24h alertsFiring } }`, {}],
  ["an id that is no uuid", `{ deployment(id: "nope") { id } missing: trainingJob(id: "00000000-0000-0000-0000-000000000000") { id } }`, {}],
  ["a variable of the wrong type", `query ($first: Int) { deployments(first: $first) { totalCount } }`, { first: "ten" }],
  ["an unknown enum value in a variable", `query ($w: MetricsWindow!) { deployments(first: 1) { nodes { metrics(window: $w) { requestCount } } } }`, { w: "LAST_YEAR" }],
  ["a refusal: tokens without the admin scope", `{ apiTokens(first: 5) { totalCount } baseModels(first: 2) { nodes { name } } }`, {}, anonymousActor()],
  ["introspection", getIntrospectionQuery(), {}],
];

const plain = (result: ExecutionResult) => JSON.parse(JSON.stringify(result));

test.each(CASES)("%s: compiled, the same answer as graphql-js", async (_name, source, variables, actor = consoleActor) => {
  const document = parse(source);
  const vars = "id" in variables ? { ...variables, id: deploymentId } : variables;
  const args = () => ({ schema, document, variableValues: vars, contextValue: contextFor(t.db, actor) });
  const interpreted = plain(await execute(args()));
  const compiled = plain(await executeOperation(args(), 0));
  expect(compiled).toEqual(interpreted);
  // The cases are what they say: data where data is due, errors where they are.
  expect(Object.keys(interpreted).length).toBeGreaterThan(0);
});

test("each case answers what it is about", async () => {
  const results = new Map<string, ExecutionResult>();
  for (const [name, source, variables, actor = consoleActor] of CASES) {
    const vars = "id" in variables ? { ...variables, id: deploymentId } : variables;
    results.set(name, await executeOperation({ schema, document: parse(source), variableValues: vars, contextValue: contextFor(t.db, actor) }, 0));
  }
  const data = (name: string) => results.get(name)!.data as Record<string, any>;
  expect(data("the deployments page, with metrics").deployments.nodes.length).toBeGreaterThan(1);
  expect(data("the deployments page, with metrics").deployments.nodes[0].metrics).toBeDefined();
  expect(data("the deployments page, without").deployments.nodes[0].metrics).toBeUndefined();
  expect(data("relations through Prisma").trainingJobs.nodes.some((j: any) => j.deployments.length > 0)).toBe(true);
  expect(data("one deployment with its series and events").deployment.metrics.series.length).toBe(24);
  expect(data("an id that is no uuid")).toEqual({ deployment: null, missing: null });
  expect(results.get("a variable of the wrong type")!.errors?.[0]?.message).toMatch(/\$first/);
  expect(results.get("an unknown enum value in a variable")!.errors?.[0]?.message).toMatch(/LAST_YEAR/);
  const refusal = results.get("a refusal: tokens without the admin scope")!;
  expect(refusal.errors?.[0]?.path).toEqual(["apiTokens"]);
  expect(data("introspection").__schema.types.length).toBeGreaterThan(50);
});

// graphql-jit 0.8.9 turns a JSON string starting with its Date marker into `new Date(<the rest, as code>)` when it
// writes an argument's literal into the generated function: such a query must never be compiled (ADR 0052).
test("a query whose string literal carries graphql-jit's marker runs no code: graphql-js executes it as text", async () => {
  const marker = "__MAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d";
  const g = globalThis as { trainyardJitProbe?: string };
  delete g.trainyardJitProbe;
  for (const payload of [`1)+(globalThis.trainyardJitProbe='ran')+(1`, `0),(globalThis.trainyardJitProbe='ran'),(0`]) {
    const source = `{ deployments(filter: { modelName: "${marker}${payload}" }, first: 5) { totalCount nodes { id } } }`;
    const document = parse(source);
    const args = () => ({ schema, document, contextValue: contextFor(t.db, anonymousActor()) });
    for (let run = 0; run < 3; run++) {
      const result = plain(await executeOperation(args(), 0));
      expect(result).toEqual({ data: { deployments: { totalCount: 0, nodes: [] } } });
    }
  }
  // Unicode escapes are the same text once parsed, and a marker in a name (a JSON scalar's object key) counts too.
  const escaped = `{ deployments(filter: { modelName: "\\u005F\\u005FMAGIC_DATE__33a9e76d_02e0_4128_8e92_3530ad3da74d1)+(globalThis.trainyardJitProbe='ran')+(1" }) { totalCount } }`;
  for (let run = 0; run < 3; run++) await executeOperation({ schema, document: parse(escaped), contextValue: contextFor(t.db, consoleActor) }, 0);
  expect(g.trainyardJitProbe).toBeUndefined();
});
