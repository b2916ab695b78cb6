import { afterAll, beforeAll, expect, test } from "vitest";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { createTrainyardYoga, type TrainyardYoga } from "../../graphql/yoga.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

// What a CI pipeline sees: deployJob over HTTP with a bearer token.
let t: TestDatabase;
let yoga: TrainyardYoga;
let deployToken: string;
let readToken: string;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 20 });
  await seedDemoData(t.db);
  yoga = createTrainyardYoga(t.db);
  deployToken = (await createApiToken(t.db.prisma, { input: { name: "release-pipeline", scopes: ["deploy"] }, actor: "console" })).secret;
  readToken = (await createApiToken(t.db.prisma, { input: { name: "dashboards", scopes: ["read"] }, actor: "console" })).secret;
});
afterAll(() => t.drop());

const DEPLOY = `mutation ($jobId: ID!) {
  deployJob(jobId: $jobId) {
    __typename
    ... on DeployJobSuccess { deployment { version status deployedBy } }
    ... on Error { code message }
  }
}`;

async function post(jobId: string, token?: string) {
  const response = await yoga.fetch("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: DEPLOY, variables: { jobId } }),
  });
  return { status: response.status, body: await response.json() };
}

test("50 concurrent HTTP deploys of one job: all answered 200, one deployment, 49 DUPLICATE_DEPLOYMENT", async () => {
  const jobId = seedUuid("sql-v2");
  const responses = await Promise.all(Array.from({ length: 50 }, () => post(jobId, deployToken)));
  expect(responses.map((r) => r.status)).toEqual(Array(50).fill(200));
  expect(responses.flatMap((r) => r.body.errors ?? [])).toEqual([]);
  const results = responses.map((r) => r.body.data.deployJob);
  expect(results.filter((r) => r.__typename === "DeployJobSuccess")).toEqual([
    { __typename: "DeployJobSuccess", deployment: { version: "v1.1.0", status: "DEPLOYING", deployedBy: "release-pipeline" } },
  ]);
  expect(results.filter((r) => r.code === "DUPLICATE_DEPLOYMENT")).toHaveLength(49);
  expect(await t.db.prisma.deployment.count({ where: { jobId } })).toBe(1);
});

test("without a token, or with a read-only one, deployJob is refused as data and writes nothing", async () => {
  const jobId = seedUuid("support-v1");
  const anonymous = await post(jobId);
  expect(anonymous.status).toBe(200);
  expect(anonymous.body.data.deployJob).toMatchObject({ code: "UNAUTHENTICATED" });
  const reader = await post(jobId, readToken);
  expect(reader.body.data.deployJob).toMatchObject({ __typename: "ForbiddenError", code: "FORBIDDEN" });
  const running = await post(seedUuid("sdk-running"), deployToken);
  expect(running.body.data.deployJob).toMatchObject({ __typename: "JobNotCompleteError", code: "JOB_NOT_COMPLETE" });
  expect(await t.db.prisma.deployment.count({ where: { jobId: { in: [jobId, seedUuid("sdk-running")] }, status: { not: "RETIRED" } } })).toBe(0);
});
