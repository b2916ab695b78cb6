import { afterAll, beforeAll, expect, test } from "vitest";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { run } from "../setup/graphql.ts";

// A pool of 20 connections on PostgreSQL, so the calls below really overlap
// (on PGlite they serialise, and must give the same answers).
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase({ poolSize: 20 });
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const DEPLOY = `mutation ($jobId: ID!) {
  deployJob(jobId: $jobId) {
    __typename
    ... on DeployJobSuccess { deployment { id version status } }
    ... on Error { code message }
  }
}`;

/** A COMPLETE job of a model name, as the training executor would leave it. */
async function completeJob(modelName: string, key: string) {
  const template = await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: seedUuid("sql-v2") } });
  const { id: _id, retryOfId: _retry, ...rest } = template;
  return t.db.prisma.trainingJob.create({ data: { ...rest, id: seedUuid(`race:${key}`), modelName, createdAt: new Date() } });
}

test("50 concurrent deploys of one job: exactly one deployment, 49 DUPLICATE_DEPLOYMENT, no errors", async () => {
  const job = await completeJob("race-one-job", "one-job");
  const results = await Promise.all(Array.from({ length: 50 }, () => run(t.db, DEPLOY, { jobId: job.id })));
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
  const outcomes = results.map((r) => r.data!.deployJob);
  const successes = outcomes.filter((o) => o.__typename === "DeployJobSuccess");
  const duplicates = outcomes.filter((o) => o.__typename === "DuplicateDeploymentError");
  expect(successes).toHaveLength(1);
  expect(duplicates).toHaveLength(49);
  expect(duplicates[0]).toEqual({ __typename: "DuplicateDeploymentError", code: "DUPLICATE_DEPLOYMENT", message: "This job already has an active deployment" });
  const rows = await t.db.prisma.deployment.findMany({ where: { jobId: job.id } });
  expect(rows).toHaveLength(1);
  expect(rows[0]).toMatchObject({ version: "v1.0.0", status: "DEPLOYING" });
  // Nothing else was written by the refused attempts: one DEPLOY event, 49 refusals in the audit trail.
  expect(await t.db.prisma.deploymentEvent.count({ where: { deploymentId: rows[0]!.id } })).toBe(1);
  const audit = await t.db.prisma.auditEvent.groupBy({ by: ["outcome"], where: { action: "deployJob", detail: { path: ["jobId"], equals: job.id } }, _count: { _all: true } });
  expect(Object.fromEntries(audit.map((a) => [a.outcome, a._count._all]))).toEqual({ SUCCESS: 1, REFUSED: 49 });
});

test("concurrent deploys of different jobs of one model get distinct consecutive versions", async () => {
  const jobs = await Promise.all(Array.from({ length: 12 }, (_, i) => completeJob("race-versions", `versions-${i}`)));
  const results = await Promise.all(jobs.map((job) => run(t.db, DEPLOY, { jobId: job.id })));
  expect(results.flatMap((r) => r.errors ?? [])).toEqual([]);
  expect(results.every((r) => r.data!.deployJob.__typename === "DeployJobSuccess")).toBe(true);
  const versions = results.map((r) => r.data!.deployJob.deployment.version as string);
  const expected = Array.from({ length: 12 }, (_, i) => `v1.${i}.0`);
  expect([...versions].sort((a, b) => Number(a.split(".")[1]) - Number(b.split(".")[1]))).toEqual(expected);
  const endpoints = await t.db.prisma.deployment.findMany({ where: { modelName: "race-versions" }, select: { endpointUrl: true } });
  expect(new Set(endpoints.map((e) => e.endpointUrl)).size).toBe(12);
});

test("version numbering is per model name", async () => {
  const a = await completeJob("race-model-a", "model-a");
  const b = await completeJob("race-model-b", "model-b");
  const [ra, rb] = await Promise.all([run(t.db, DEPLOY, { jobId: a.id }), run(t.db, DEPLOY, { jobId: b.id })]);
  expect(ra.data!.deployJob.deployment.version).toBe("v1.0.0");
  expect(rb.data!.deployJob.deployment.version).toBe("v1.0.0");
});
