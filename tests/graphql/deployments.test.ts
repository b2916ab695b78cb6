import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { systemActor, type Actor } from "../../graphql/context.ts";
import { advanceRollouts } from "../../graphql/services/deployments.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const DEPLOYMENT_FIELDS = `id modelName version status endpointUrl deployedBy failureReason activatedAt retiredAt job { id }`;

const DEPLOY = `mutation ($jobId: ID!) {
  deployJob(jobId: $jobId) {
    __typename
    ... on DeployJobSuccess { deployment { ${DEPLOYMENT_FIELDS} } }
    ... on Error { code message }
  }
}`;

const lifecycle = (name: string, args = "$id: ID!", call = "id: $id") => `mutation (${args}) {
  ${name}(${call}) {
    __typename
    ... on ${name.charAt(0).toUpperCase()}${name.slice(1)}Success { deployment { ${DEPLOYMENT_FIELDS} } }
    ... on Error { code message }
  }
}`;
const PAUSE = lifecycle("pauseDeployment");
const RESUME = lifecycle("resumeDeployment");
const RETIRE = lifecycle("retireDeployment");
const ROLLBACK = lifecycle("rollbackDeployment", "$id: ID!, $pauseCurrent: Boolean", "id: $id, pauseCurrent: $pauseCurrent");

const DETAIL = `query ($id: ID!) {
  deployment(id: $id) {
    version status endpointUrl
    events { action fromStatus toStatus actor detail }
    history { id version status deployedBy }
  }
}`;

const activeCount = async () => (await query(t.db, `{ dashboard { activeDeployments } }`)).dashboard.activeDeployments as number;
const finishRollouts = (failureRate = 0) => advanceRollouts(t.db.prisma, { failureRate, now: new Date(Date.now() + 3_600_000) });

describe("deployJob", () => {
  test("deploys a complete job as the next version of its model, DEPLOYING with its own endpoint", async () => {
    const before = await activeCount();
    const data = await query(t.db, DEPLOY, { jobId: seedUuid("sql-v2") });
    expect(data.deployJob).toMatchObject({
      __typename: "DeployJobSuccess",
      deployment: {
        modelName: "sql-copilot",
        version: "v1.1.0",
        status: "DEPLOYING",
        endpointUrl: "https://inference.trainyard.internal/v1/models/sql-copilot/v1.1.0",
        deployedBy: "console",
        job: { id: seedUuid("sql-v2") },
      },
    });
    const id = data.deployJob.deployment.id;
    const detail = (await query(t.db, DETAIL, { id })).deployment;
    expect(detail.events).toEqual([expect.objectContaining({ action: "DEPLOY", fromStatus: null, toStatus: "DEPLOYING", actor: "console" })]);
    expect(detail.history.map((h: { version: string }) => h.version)).toEqual(["v1.1.0", "v1.0.0"]);

    // The rollout executor finishes it; only then does it count as a deployed model.
    expect(await activeCount()).toBe(before);
    expect(await finishRollouts()).toBeGreaterThanOrEqual(1);
    const after = (await query(t.db, DETAIL, { id })).deployment;
    expect(after.status).toBe("ACTIVE");
    expect(after.events.at(-1)).toMatchObject({ action: "ACTIVATE", fromStatus: "DEPLOYING", toStatus: "ACTIVE", actor: "rollout-executor" });
    expect(await activeCount()).toBe(before + 1);
    const audit = await t.db.prisma.auditEvent.findFirst({ where: { action: "deployJob", targetId: id } });
    expect(audit).toMatchObject({ outcome: "SUCCESS", targetType: "Deployment", actor: "console" });
  });

  test("a second deploy of a job with a live deployment is DUPLICATE_DEPLOYMENT and writes nothing", async () => {
    const before = await t.db.prisma.deployment.count();
    const data = await query(t.db, DEPLOY, { jobId: seedUuid("sql-v1") });
    expect(data.deployJob).toEqual({ __typename: "DuplicateDeploymentError", code: "DUPLICATE_DEPLOYMENT", message: "This job already has an active deployment" });
    expect(await t.db.prisma.deployment.count()).toBe(before);
  });

  test("a job that is not complete is JOB_NOT_COMPLETE; an unknown job is NOT_FOUND; a reader is FORBIDDEN", async () => {
    const before = await t.db.prisma.deployment.count();
    const running = await query(t.db, DEPLOY, { jobId: seedUuid("sdk-running") });
    expect(running.deployJob).toMatchObject({ __typename: "JobNotCompleteError", code: "JOB_NOT_COMPLETE", message: expect.stringContaining("running") });
    for (const jobId of ["00000000-0000-4000-8000-000000000000", "not-a-uuid"]) {
      expect((await query(t.db, DEPLOY, { jobId })).deployJob).toMatchObject({ __typename: "NotFoundError", code: "NOT_FOUND" });
    }
    const reader: Actor = { ...systemActor("ci-reader"), scopes: new Set(["read"]) };
    expect((await query(t.db, DEPLOY, { jobId: seedUuid("faq-v1") }, reader)).deployJob).toMatchObject({ __typename: "ForbiddenError", code: "FORBIDDEN" });
    expect(await t.db.prisma.deployment.count()).toBe(before);
    const refused = await t.db.prisma.auditEvent.findFirst({ where: { action: "deployJob", actor: "ci-reader" } });
    expect(refused).toMatchObject({ outcome: "REFUSED", errorCode: "FORBIDDEN" });
  });

  test("a job whose deployment was retired can be deployed again, as a new version", async () => {
    // support-v1's v1.0.0 is retired; support-assistant is at v1.1.0.
    const data = await query(t.db, DEPLOY, { jobId: seedUuid("support-v1") });
    expect(data.deployJob.deployment).toMatchObject({ modelName: "support-assistant", version: "v1.2.0" });
    await query(t.db, RETIRE, { id: data.deployJob.deployment.id });
  });
});

describe("rollout", () => {
  test("waits for the stored rolloutReadyAt, then activates; a failed rollout records its reason", async () => {
    const job = await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: seedUuid("faq-v1") } });
    await query(t.db, RETIRE, { id: seedUuid("deployment:faq-v1") });
    const first = (await query(t.db, DEPLOY, { jobId: job.id })).deployJob.deployment;
    const stored = await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: first.id } });
    expect(stored.rolloutReadyAt!.getTime()).toBeGreaterThan(Date.now());
    // Not yet due: nothing changes.
    expect(await advanceRollouts(t.db.prisma, { failureRate: 0, now: new Date(stored.rolloutReadyAt!.getTime() - 1) })).toBe(0);
    expect((await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: first.id } })).status).toBe("DEPLOYING");
    // Every rollout fails at rate 1: FAILED, with a reason, and the job is free to deploy again.
    await finishRollouts(1);
    const failed = (await query(t.db, DETAIL, { id: first.id })).deployment;
    expect(failed.status).toBe("FAILED");
    expect(failed.events.at(-1)).toMatchObject({ action: "FAIL", toStatus: "FAILED", detail: expect.any(String) });
    expect((await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: first.id } })).failureReason).toBe(failed.events.at(-1).detail);
    const second = (await query(t.db, DEPLOY, { jobId: job.id })).deployJob.deployment;
    expect(second.version).toBe("v1.2.0");
    await finishRollouts(0);
    expect((await query(t.db, DETAIL, { id: second.id })).deployment.status).toBe("ACTIVE");
  });

  test("two executors running at once activate each deployment exactly once", async () => {
    await query(t.db, RETIRE, { id: seedUuid("deployment:sql-v1") });
    const d = (await query(t.db, DEPLOY, { jobId: seedUuid("sql-v1") })).deployJob.deployment;
    const counts = await Promise.all([finishRollouts(), finishRollouts(), finishRollouts()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await t.db.prisma.deploymentEvent.count({ where: { deploymentId: d.id, action: "ACTIVATE" } })).toBe(1);
  });
});

describe("lifecycle", () => {
  test("pause then resume keeps the endpoint; each step is in the history", async () => {
    const id = seedUuid("deployment:support-v2");
    const before = (await query(t.db, DETAIL, { id })).deployment;
    const paused = await query(t.db, PAUSE, { id });
    expect(paused.pauseDeployment.deployment).toMatchObject({ status: "PAUSED", endpointUrl: before.endpointUrl });
    const resumed = await query(t.db, RESUME, { id });
    expect(resumed.resumeDeployment.deployment).toMatchObject({ status: "ACTIVE", endpointUrl: before.endpointUrl });
    const after = (await query(t.db, DETAIL, { id })).deployment;
    expect(after.events.slice(-2)).toEqual([
      expect.objectContaining({ action: "PAUSE", fromStatus: "ACTIVE", toStatus: "PAUSED" }),
      expect.objectContaining({ action: "RESUME", fromStatus: "PAUSED", toStatus: "ACTIVE" }),
    ]);
  });

  test("illegal transitions are INVALID_STATE errors and change nothing", async () => {
    const active = seedUuid("deployment:support-v2");
    const retired = seedUuid("deployment:support-v1");
    expect((await query(t.db, RESUME, { id: active })).resumeDeployment).toMatchObject({ code: "INVALID_STATE", message: "Only a paused deployment can be resumed; this one is active" });
    expect((await query(t.db, PAUSE, { id: retired })).pauseDeployment).toMatchObject({ code: "INVALID_STATE" });
    expect((await query(t.db, RETIRE, { id: retired })).retireDeployment).toMatchObject({ code: "INVALID_STATE", message: "This deployment is already retired" });
    expect((await query(t.db, ROLLBACK, { id: active })).rollbackDeployment).toMatchObject({ code: "INVALID_STATE" });
    expect((await query(t.db, PAUSE, { id: "00000000-0000-4000-8000-000000000000" })).pauseDeployment).toMatchObject({ code: "NOT_FOUND" });
    expect((await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: active } })).status).toBe("ACTIVE");
    expect((await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: retired } })).status).toBe("RETIRED");
  });

  test("rollback makes the earlier version active again and retires the current one, in the history of both", async () => {
    const current = seedUuid("deployment:support-v2");
    const earlier = seedUuid("deployment:support-v1");
    const data = await query(t.db, ROLLBACK, { id: earlier });
    expect(data.rollbackDeployment).toMatchObject({ __typename: "RollbackDeploymentSuccess", deployment: { version: "v1.0.0", status: "ACTIVE", retiredAt: null } });
    const detail = (await query(t.db, DETAIL, { id: earlier })).deployment;
    expect(detail.events.at(-1)).toMatchObject({ action: "ROLLBACK", fromStatus: "RETIRED", toStatus: "ACTIVE", detail: "Rolled back from v1.1.0" });
    const byVersion = Object.fromEntries(detail.history.map((h: { version: string; status: string }) => [h.version, h.status]));
    expect(byVersion).toEqual({ "v1.2.0": "RETIRED", "v1.1.0": "RETIRED", "v1.0.0": "ACTIVE" });
    const replaced = (await query(t.db, DETAIL, { id: current })).deployment;
    expect(replaced.events.at(-1)).toMatchObject({ action: "RETIRE", fromStatus: "ACTIVE", toStatus: "RETIRED", detail: "Replaced by rollback to v1.0.0" });
    const audit = await t.db.prisma.auditEvent.findFirst({ where: { action: "rollbackDeployment", targetId: earlier } });
    expect(audit).toMatchObject({ outcome: "SUCCESS" });
  });

  test("rollback with pauseCurrent pauses the current version instead, so it can be resumed", async () => {
    // After the previous test, v1.0.0 is ACTIVE and v1.1.0 RETIRED: roll back the other way.
    const v1 = seedUuid("deployment:support-v1");
    const v2 = seedUuid("deployment:support-v2");
    const data = await query(t.db, ROLLBACK, { id: v2, pauseCurrent: true });
    expect(data.rollbackDeployment.deployment).toMatchObject({ version: "v1.1.0", status: "ACTIVE" });
    const v1After = (await query(t.db, DETAIL, { id: v1 })).deployment;
    expect(v1After.status).toBe("PAUSED");
    expect(v1After.events.at(-1)).toMatchObject({ action: "PAUSE", detail: "Replaced by rollback to v1.1.0" });
  });
});

describe("rollback and the one-live-deployment rule", () => {
  test("a rollback that would leave the job with two live deployments is refused, and nothing changes", async () => {
    // faq-embedder: v1.0.0 (job faq-v1) RETIRED, v1.1.0 FAILED, v1.2.0 (the same job) ACTIVE — see the rollout tests.
    const v100 = seedUuid("deployment:faq-v1");
    const history = (await query(t.db, DETAIL, { id: v100 })).deployment.history as Array<{ id: string; version: string; status: string }>;
    const v120 = history.find((h) => h.version === "v1.2.0")!;
    expect(v120.status).toBe("ACTIVE");

    // Pausing v1.2.0 keeps it live, so v1.0.0 of the same job cannot become ACTIVE too.
    const refused = await query(t.db, ROLLBACK, { id: v100, pauseCurrent: true });
    expect(refused.rollbackDeployment).toEqual({ __typename: "DuplicateDeploymentError", code: "DUPLICATE_DEPLOYMENT", message: "This job already has an active deployment" });
    expect((await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: v120.id } })).status).toBe("ACTIVE");
    expect((await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: v100 } })).status).toBe("RETIRED");
    expect(await t.db.prisma.deploymentEvent.count({ where: { deploymentId: v120.id, action: "PAUSE" } })).toBe(0);

    // Retiring it instead is fine.
    const done = await query(t.db, ROLLBACK, { id: v100 });
    expect(done.rollbackDeployment.deployment).toMatchObject({ version: "v1.0.0", status: "ACTIVE" });
    expect((await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: v120.id } })).status).toBe("RETIRED");
  });
});

describe("provenance on a page", () => {
  test("every row says who trained it and whether simulated traffic feeds it, as the database has it", async () => {
    // Two jobs become real (an external trainer claimed them); two deployments get simulated traffic.
    const rows = await t.db.prisma.deployment.findMany({ select: { id: true, jobId: true }, orderBy: { id: "asc" } });
    expect(rows.length).toBeGreaterThan(4);
    await t.db.prisma.trainingJob.updateMany({ where: { id: { in: [rows[0]!.jobId, rows[1]!.jobId] } }, data: { claimedBy: "gpu-box-7" } });
    await t.db.prisma.simulatorCursor.createMany({ data: [rows[1]!.id, rows[2]!.id].map((deploymentId) => ({ deploymentId, fedUntil: new Date() })) });
    try {
      const page = await query(t.db, `{ deployments(first: 100) { nodes { id trainer simulatedTraffic job { claimedBy } } } }`);
      const nodes = page.deployments.nodes as Array<{ id: string; trainer: string | null; simulatedTraffic: boolean; job: { claimedBy: string | null } }>;
      expect(nodes.length).toBe(rows.length);
      const fed = new Set((await t.db.prisma.simulatorCursor.findMany()).map((c) => c.deploymentId));
      for (const n of nodes) {
        const kind = n.job.claimedBy === null ? null : n.job.claimedBy.startsWith("builtin:") ? "SIMULATED" : "REAL";
        expect({ id: n.id, trainer: n.trainer, simulatedTraffic: n.simulatedTraffic }).toEqual({ id: n.id, trainer: kind, simulatedTraffic: fed.has(n.id) });
      }
      const byId = new Map(nodes.map((n) => [n.id, n]));
      expect([0, 1, 2, 3].map((i) => [byId.get(rows[i]!.id)!.trainer, byId.get(rows[i]!.id)!.simulatedTraffic])).toEqual([
        ["REAL", false],
        ["REAL", true],
        [byId.get(rows[2]!.id)!.trainer, true],
        [byId.get(rows[3]!.id)!.trainer, false],
      ]);
      expect(nodes.some((n) => n.trainer === "SIMULATED")).toBe(true);
    } finally {
      await t.db.prisma.simulatorCursor.deleteMany({ where: { deploymentId: { in: [rows[1]!.id, rows[2]!.id] } } });
    }
  });
});
