import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { createTrainingJob } from "../../graphql/services/training-jobs.ts";
import { recordTrainingProgress } from "../../graphql/services/training-progress.ts";
import { metricsHealth } from "../../graphql/services/health.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";

/*
 * The API is the one source of truth for what can be done with a job or a
 * deployment (`availableActions`) and for how healthy its figures are
 * (`metrics.health`, `healthThresholds`). Each row below builds its own
 * fixture, reads the list, then tries every action: the ones listed succeed,
 * the others are refused — so the list and the mutations cannot drift apart.
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

type JobStatus = "QUEUED" | "RUNNING" | "COMPLETE" | "FAILED" | "CANCELLED";
let counter = 0;

/** A job of its own in the wanted status (and, when asked, with a live deployment). */
async function jobIn(status: JobStatus, options: { live?: boolean | "paused" } = {}): Promise<string> {
  const job = await createTrainingJob(t.db.prisma, {
    input: { baseModelId: "llama-3.1-8b-instruct", datasetId: "support-tickets-2026q3", modelName: `actions-${++counter}` },
    actor: "test",
  });
  const now = new Date();
  await t.db.prisma.trainingJob.update({
    where: { id: job.id },
    data: { status, startedAt: status === "QUEUED" ? null : now, finishedAt: ["COMPLETE", "FAILED", "CANCELLED"].includes(status) ? now : null },
  });
  if (options.live) {
    const r = await query(t.db, `mutation ($id: ID!) { deployJob(jobId: $id) { __typename } }`, { id: job.id });
    expect(r.deployJob.__typename).toBe("DeployJobSuccess");
    if (options.live === "paused") await t.db.prisma.deployment.updateMany({ where: { jobId: job.id }, data: { status: "PAUSED" } });
  }
  return job.id;
}

const JOB = `query ($id: ID!) { trainingJob(id: $id) { status availableActions liveDeployment { version status } } }`;

const JOB_MUTATIONS = {
  CANCEL: `mutation ($id: ID!) { r: cancelTrainingJob(id: $id) { __typename ... on Error { code } } }`,
  RETRY: `mutation ($id: ID!) { r: retryTrainingJob(id: $id) { __typename ... on Error { code } } }`,
  DEPLOY: `mutation ($id: ID!) { r: deployJob(jobId: $id) { __typename ... on Error { code } } }`,
} as const;

describe("TrainingJob.availableActions", () => {
  test.each([
    { status: "QUEUED", live: false, expected: ["CANCEL"] },
    { status: "RUNNING", live: false, expected: ["CANCEL"] },
    { status: "COMPLETE", live: false, expected: ["DEPLOY"] },
    { status: "COMPLETE", live: true, expected: [] },
    // A paused deployment still holds the job's slot (it can be resumed): deploying the job again is refused.
    { status: "COMPLETE", live: "paused", expected: [] },
    { status: "FAILED", live: false, expected: ["RETRY"] },
    { status: "CANCELLED", live: false, expected: ["RETRY"] },
  ] as const)("$status (live deployment: $live) offers $expected, and exactly those mutations succeed", async ({ status, live, expected }) => {
    const probe = await jobIn(status, { live });
    const { trainingJob } = await query(t.db, JOB, { id: probe });
    expect(trainingJob.availableActions).toEqual(expected);
    expect(trainingJob.liveDeployment === null).toBe(!live);

    for (const action of Object.keys(JOB_MUTATIONS) as Array<keyof typeof JOB_MUTATIONS>) {
      const id = await jobIn(status, { live }); // a fresh job per attempt: one success must not change the next row
      const { r } = await query(t.db, JOB_MUTATIONS[action], { id });
      const offered = (expected as readonly string[]).includes(action);
      expect({ action, ok: !("code" in r) }).toEqual({ action, ok: offered });
    }
  });

  test("in a page of jobs, every job with a live deployment names it and offers no Deploy", async () => {
    const { trainingJobs } = await query(t.db, `{ trainingJobs(first: 100) { nodes { id status availableActions liveDeployment { id status } } } }`);
    const nodes = trainingJobs.nodes as Array<{ id: string; status: string; availableActions: string[]; liveDeployment: { id: string; status: string } | null }>;
    // The slot the partial unique index guards: DEPLOYING, ACTIVE or PAUSED (a paused version is resumed, not deployed again).
    const live = await t.db.prisma.deployment.findMany({ where: { status: { in: ["DEPLOYING", "ACTIVE", "PAUSED"] } }, select: { id: true, jobId: true } });
    expect(nodes.filter((n) => n.liveDeployment).length).toBeGreaterThan(0);
    for (const n of nodes) {
      const mine = live.find((d) => d.jobId === n.id);
      expect(n.liveDeployment?.id ?? null).toBe(mine?.id ?? null);
      expect(n.availableActions.includes("DEPLOY")).toBe(n.status === "COMPLETE" && !mine);
    }
  });
});

const DEPLOYMENT_MUTATIONS = {
  PAUSE: `mutation ($id: ID!) { r: pauseDeployment(id: $id) { __typename ... on Error { code } } }`,
  RESUME: `mutation ($id: ID!) { r: resumeDeployment(id: $id) { __typename ... on Error { code } } }`,
  RETIRE: `mutation ($id: ID!) { r: retireDeployment(id: $id) { __typename ... on Error { code } } }`,
  ROLLBACK: `mutation ($id: ID!) { r: rollbackDeployment(id: $id) { __typename ... on Error { code } } }`,
} as const;

type DeploymentStatus = "DEPLOYING" | "ACTIVE" | "PAUSED" | "FAILED" | "RETIRED";

/** A deployment of its own (its own job and model name) in the wanted status. */
async function deploymentIn(status: DeploymentStatus): Promise<string> {
  const jobId = await jobIn("COMPLETE", { live: true });
  const d = await t.db.prisma.deployment.findFirstOrThrow({ where: { jobId } });
  if (status !== "DEPLOYING") {
    await t.db.prisma.deployment.update({ where: { id: d.id }, data: { status, activatedAt: status === "FAILED" ? null : new Date() } });
  }
  return d.id;
}

describe("Deployment.availableActions", () => {
  test.each([
    { status: "DEPLOYING", expected: ["RETIRE"] },
    { status: "ACTIVE", expected: ["PAUSE", "RETIRE"] },
    { status: "PAUSED", expected: ["RESUME", "RETIRE", "ROLLBACK"] },
    { status: "FAILED", expected: ["RETIRE"] },
    { status: "RETIRED", expected: ["ROLLBACK"] },
  ] as const)("$status offers $expected, and exactly those mutations succeed", async ({ status, expected }) => {
    const probe = await deploymentIn(status);
    const { deployment } = await query(t.db, `query ($id: ID!) { deployment(id: $id) { availableActions history { availableActions } } }`, { id: probe });
    expect(deployment.availableActions).toEqual(expected);
    expect(deployment.history[0].availableActions).toEqual(expected);

    for (const action of Object.keys(DEPLOYMENT_MUTATIONS) as Array<keyof typeof DEPLOYMENT_MUTATIONS>) {
      const id = await deploymentIn(status);
      const { r } = await query(t.db, DEPLOYMENT_MUTATIONS[action], { id });
      expect({ action, ok: !("code" in r) }).toEqual({ action, ok: (expected as readonly string[]).includes(action) });
    }
  });
});

describe("health levels", () => {
  test("the thresholds are exposed once, with the cue the console shows", async () => {
    const { healthThresholds } = await query(t.db, `{ healthThresholds { metric above level cue } }`);
    expect(healthThresholds).toEqual([
      { metric: "P50_LATENCY", above: 200, level: "WARN", cue: "Above 200 ms" },
      { metric: "P95_LATENCY", above: 500, level: "CRITICAL", cue: "Above 500 ms" },
      { metric: "ERROR_RATE", above: 0.01, level: "CRITICAL", cue: "Above 1 %" },
    ]);
  });

  test.each([
    { p50: null, p95: null, errorRate: null, expected: { p50: "OK", p95: "OK", errorRate: "OK", overall: "OK" } },
    { p50: 200, p95: 500, errorRate: 0.01, expected: { p50: "OK", p95: "OK", errorRate: "OK", overall: "OK" } },
    { p50: 201, p95: 480, errorRate: 0, expected: { p50: "WARN", p95: "OK", errorRate: "OK", overall: "WARN" } },
    { p50: 150, p95: 501, errorRate: 0, expected: { p50: "OK", p95: "CRITICAL", errorRate: "OK", overall: "CRITICAL" } },
    { p50: 250, p95: 300, errorRate: 0.0101, expected: { p50: "WARN", p95: "OK", errorRate: "CRITICAL", overall: "CRITICAL" } },
  ])("p50 $p50, p95 $p95, error rate $errorRate → $expected.overall", ({ p50, p95, errorRate, expected }) => {
    expect(metricsHealth({ p50LatencyMs: p50, p95LatencyMs: p95, errorRate })).toEqual(expected);
  });

  test("Deployment.metrics.health judges recorded traffic, and the dashboard's error rate gets a level", async () => {
    const id = await deploymentIn("ACTIVE");
    const now = Date.now();
    // 100 requests: 90 fast and fine, 10 slow (800 ms) of which 5 failed → p50 fast, p95 slow, 5 % errors.
    const events = Array.from({ length: 100 }, (_, i) => ({
      timestamp: new Date(now - 60_000 + i * 100).toISOString(),
      latencyMs: i < 90 ? 50 : 800,
      outcome: i >= 95 ? "SERVER_ERROR" : "OK",
    }));
    const rec = await query(
      t.db,
      `mutation ($id: ID!, $events: [InferenceEventInput!]!) { recordInferenceEvents(deploymentId: $id, events: $events) { __typename ... on Error { message } } }`,
      { id, events },
    );
    expect(rec.recordInferenceEvents.__typename).toBe("RecordInferenceEventsSuccess");
    const { deployment, dashboard } = await query(
      t.db,
      `query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_HOUR) { p50LatencyMs p95LatencyMs errorRate health { p50 p95 errorRate overall } } } dashboard { errorRate24h errorRate24hHealth activeDeployments activeModels } }`,
      { id },
    );
    expect(deployment.metrics.health).toEqual({ p50: "OK", p95: "CRITICAL", errorRate: "CRITICAL", overall: "CRITICAL" });
    const expectedDashboard = dashboard.errorRate24h === null || dashboard.errorRate24h <= 0.01 ? "OK" : "CRITICAL";
    expect(dashboard.errorRate24hHealth).toBe(expectedDashboard);
    // Versions and distinct models are both counted; a model never has more live models than versions.
    expect(dashboard.activeModels).toBeGreaterThan(0);
    expect(dashboard.activeModels).toBeLessThanOrEqual(dashboard.activeDeployments);
    const distinct = await t.db.prisma.deployment.groupBy({ by: ["modelName"], where: { status: "ACTIVE" } });
    expect(dashboard.activeModels).toBe(distinct.length);
  });
});

describe("TrainingJob.trainLoss while RUNNING", () => {
  test("is the newest reported loss even when the head step runs ahead of the logged points", async () => {
    const id = await jobIn("RUNNING");
    const point = (step: number, trainLoss: number) => ({ step, epoch: step / 1000, trainLoss, evalLoss: null, learningRate: 1e-4 });
    // The built-in executor reports a point every few steps and its head step separately.
    await recordTrainingProgress(t.db.prisma, { jobId: id, points: [point(10, 2.5)], headStep: 17, headEpoch: 0.017 });
    let { trainingJob } = await query(t.db, `query ($id: ID!) { trainingJob(id: $id) { status currentStep trainLoss } }`, { id });
    expect(trainingJob).toEqual({ status: "RUNNING", currentStep: 17, trainLoss: 2.5 });
    await recordTrainingProgress(t.db.prisma, { jobId: id, points: [point(20, 2.25)], headStep: 25, headEpoch: 0.025 });
    ({ trainingJob } = await query(t.db, `query ($id: ID!) { trainingJob(id: $id) { currentStep trainLoss } }`, { id }));
    expect(trainingJob).toEqual({ currentStep: 25, trainLoss: 2.25 });
    // A late, older point (a retried report) does not overwrite the newer loss.
    await recordTrainingProgress(t.db.prisma, { jobId: id, points: [point(5, 3.0)], headStep: 5 });
    ({ trainingJob } = await query(t.db, `query ($id: ID!) { trainingJob(id: $id) { currentStep trainLoss } }`, { id }));
    expect(trainingJob).toEqual({ currentStep: 25, trainLoss: 2.25 });
  });
});
