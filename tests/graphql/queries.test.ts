import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { seedDemoData } from "../../prisma/seed.ts";
import { baseModels as catalog } from "../../prisma/seed-data.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

describe("baseModels", () => {
  test("returns the catalog with totalCount, sorted by name by default", async () => {
    const data = await query(t.db, `{ baseModels(first: 100) { totalCount nodes { id name } } }`);
    expect(data.baseModels.totalCount).toBe(catalog.length);
    const names = data.baseModels.nodes.map((n: { name: string }) => n.name);
    expect(names).toEqual([...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)));
  });

  test("sorts by parameter count in both directions", async () => {
    const q = `query ($d: SortDirection) { baseModels(first: 100, sort: { field: PARAMETERS, direction: $d }) { nodes { parametersBillions } } }`;
    const asc = (await query(t.db, q, { d: "ASC" })).baseModels.nodes.map((n: any) => n.parametersBillions);
    const desc = (await query(t.db, q, { d: "DESC" })).baseModels.nodes.map((n: any) => n.parametersBillions);
    expect(asc).toEqual([...asc].sort((a, b) => a - b));
    expect(desc).toEqual([...asc].reverse());
    expect(asc[0]).toBeLessThan(asc.at(-1));
  });

  test("filters by task and searches name, family and organization case-insensitively", async () => {
    const embedding = await query(t.db, `{ baseModels(filter: { task: EMBEDDING }) { totalCount nodes { task } } }`);
    expect(embedding.baseModels.totalCount).toBe(catalog.filter((m) => m.task === "EMBEDDING").length);
    expect(embedding.baseModels.nodes.every((n: any) => n.task === "EMBEDDING")).toBe(true);

    const llama = await query(t.db, `{ baseModels(filter: { search: "LLAMA" }) { totalCount nodes { family } } }`);
    expect(llama.baseModels.totalCount).toBe(catalog.filter((m) => /llama/i.test(`${m.name} ${m.family} ${m.organization}`)).length);
    expect(llama.baseModels.totalCount).toBeGreaterThan(0);

    const none = await query(t.db, `{ baseModels(filter: { search: "no-such-model" }) { totalCount nodes { id } } }`);
    expect(none.baseModels).toEqual({ totalCount: 0, nodes: [] });
  });

  test("pages with first and offset, and caps the page size", async () => {
    const page1 = await query(t.db, `{ baseModels(first: 5, offset: 0) { nodes { id } } }`);
    const page2 = await query(t.db, `{ baseModels(first: 5, offset: 5) { nodes { id } } }`);
    expect(page1.baseModels.nodes).toHaveLength(5);
    const overlap = page1.baseModels.nodes.filter((a: any) => page2.baseModels.nodes.some((b: any) => b.id === a.id));
    expect(overlap).toEqual([]);
    const huge = await query(t.db, `{ baseModels(first: 100000) { nodes { id } } }`);
    expect(huge.baseModels.nodes.length).toBeLessThanOrEqual(200);
  });

  test("baseModel(id) returns one model with its facts, or null for an unknown id", async () => {
    const one = await query(t.db, `{ baseModel(id: "llama-3.1-8b-instruct") { name organization contextLength license } }`);
    expect(one.baseModel).toMatchObject({ organization: "Meta", contextLength: 131072 });
    expect((await query(t.db, `{ baseModel(id: "nope") { id } }`)).baseModel).toBeNull();
  });
});

describe("trainingJobs", () => {
  test("the seed has jobs in every state, filterable by status", async () => {
    for (const status of ["QUEUED", "RUNNING", "COMPLETE", "FAILED", "CANCELLED"]) {
      const data = await query(t.db, `query ($s: [TrainingJobStatus!]) { trainingJobs(filter: { status: $s }) { totalCount nodes { status } } }`, { s: [status] });
      expect(data.trainingJobs.totalCount, status).toBeGreaterThan(0);
      expect(data.trainingJobs.nodes.every((n: any) => n.status === status)).toBe(true);
    }
  });

  test("completed jobs carry a decreasing loss curve", async () => {
    const data = await query(t.db, `{ trainingJobs(filter: { status: [COMPLETE] }, first: 1) { nodes { id progress metricPoints { step trainLoss } } } }`);
    const job = data.trainingJobs.nodes[0];
    expect(job.progress).toBe(1);
    expect(job.metricPoints.length).toBeGreaterThan(50);
    const first = job.metricPoints.slice(0, 5).reduce((s: number, p: any) => s + p.trainLoss, 0) / 5;
    const last = job.metricPoints.slice(-5).reduce((s: number, p: any) => s + p.trainLoss, 0) / 5;
    expect(last).toBeLessThan(first * 0.7);
  });

  test("trainingJob(id) is null for unknown and malformed ids", async () => {
    expect((await query(t.db, `{ trainingJob(id: "00000000-0000-4000-8000-000000000000") { id } }`)).trainingJob).toBeNull();
    expect((await query(t.db, `{ trainingJob(id: "not-a-uuid") { id } }`)).trainingJob).toBeNull();
  });
});

describe("deployments and dashboard", () => {
  test("deployments filter by model name text and status", async () => {
    const data = await query(t.db, `{ deployments(filter: { modelName: "SUPPORT" }) { totalCount nodes { modelName version status job { modelName } } } }`);
    expect(data.deployments.totalCount).toBe(2);
    expect(data.deployments.nodes.map((n: any) => n.version).sort()).toEqual(["v1.0.0", "v1.1.0"]);
    const active = await query(t.db, `{ deployments(filter: { status: [ACTIVE] }) { totalCount nodes { status } } }`);
    expect(active.deployments.nodes.every((n: any) => n.status === "ACTIVE")).toBe(true);
  });

  test("recent activity is newest first and names its targets", async () => {
    const data = await query(t.db, `{ dashboard { recentActivity(first: 50) { action targetType targetId targetLabel createdAt } } }`);
    const events = data.dashboard.recentActivity;
    const times = events.map((e: any) => Date.parse(e.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    const deploy = events.find((e: any) => e.action === "deployJob");
    const row = await t.db.prisma.deployment.findUniqueOrThrow({ where: { id: deploy.targetId } });
    expect(deploy.targetLabel).toBe(`${row.modelName} ${row.version}`);
    const created = events.find((e: any) => e.action === "createTrainingJob");
    const job = await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id: created.targetId } });
    expect(created.targetLabel).toBe(job.modelName);
  });

  test("dashboard counts come from the rows in the database", async () => {
    const before = await query(t.db, `{ dashboard { activeDeployments runningJobs completedJobs requests24h errorRate24h alertsFiring } }`);
    const active = await t.db.prisma.deployment.count({ where: { status: "ACTIVE" } });
    expect(before.dashboard).toMatchObject({ activeDeployments: active, runningJobs: 1, completedJobs: 6, requests24h: 0, errorRate24h: null });
    await t.db.prisma.deployment.updateMany({ where: { status: "PAUSED" }, data: { status: "ACTIVE" } });
    const after = await query(t.db, `{ dashboard { activeDeployments } }`);
    expect(after.dashboard.activeDeployments).toBe(active + 1);
  });
});
