import { afterAll, beforeAll, expect, test } from "vitest";
import { HISTORY_MUTATION } from "../../graphql/services/deployments.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

/** Each history entry a person made, and the audit row (activity feed entry) of the mutation behind it. */
async function historyWithoutActivity() {
  const history = await t.db.prisma.deploymentEvent.findMany({ orderBy: { id: "asc" } });
  const audit = await t.db.prisma.auditEvent.findMany({ where: { targetType: "Deployment", outcome: "SUCCESS" } });
  return history
    .filter((h) => HISTORY_MUTATION[h.action])
    .filter(
      (h) =>
        !audit.some(
          (a) => a.targetId === h.deploymentId && a.action === HISTORY_MUTATION[h.action] && a.actor === h.actor && Math.abs(a.createdAt.getTime() - h.createdAt.getTime()) < 60_000,
        ),
    )
    .map((h) => `${h.action} ${h.deploymentId} by ${h.actor}`);
}

test("the activity feed shows every seeded lifecycle step the deployment pages show", async () => {
  const seededByPeople = await t.db.prisma.deploymentEvent.count({ where: { action: { in: Object.keys(HISTORY_MUTATION) } } });
  expect(seededByPeople).toBeGreaterThan(await t.db.prisma.deployment.count()); // deploys plus pauses and retirements
  expect(await historyWithoutActivity()).toEqual([]);
  const feed = await query(t.db, `{ auditEvents(first: 200, filter: { action: "retireDeployment" }) { totalCount nodes { actor targetType targetLabel } } }`);
  expect(feed.auditEvents.totalCount).toBeGreaterThan(0);
  expect(feed.auditEvents.nodes[0]).toMatchObject({ actor: "console", targetType: "Deployment", targetLabel: expect.stringMatching(/ v1\.\d+\.0$/) });
});

test("a lifecycle mutation writes its history entry and its activity entry together", async () => {
  const active = await t.db.prisma.deployment.findFirstOrThrow({ where: { status: "ACTIVE" } });
  const paused = await query(t.db, `mutation ($id: ID!) { pauseDeployment(id: $id) { __typename } }`, { id: active.id });
  expect(paused.pauseDeployment.__typename).toBe("PauseDeploymentSuccess");
  const resumed = await query(t.db, `mutation ($id: ID!) { resumeDeployment(id: $id) { __typename } }`, { id: active.id });
  expect(resumed.resumeDeployment.__typename).toBe("ResumeDeploymentSuccess");
  expect(await historyWithoutActivity()).toEqual([]);
});

test("keyset pages: following `cursor` as `before` walks the feed newest first without gaps or repeats", async () => {
  const all = await query(t.db, `{ auditEvents(first: 200) { totalCount nodes { id createdAt cursor } } }`);
  const everything = all.auditEvents.nodes as Array<{ id: string; createdAt: string; cursor: string }>;
  expect(everything.length).toBe(all.auditEvents.totalCount);
  expect(everything.length).toBeGreaterThan(10);
  const walked: string[] = [];
  let before: string | null = null;
  for (let i = 0; i < 100; i++) {
    const page: any = await query(t.db, `query ($before: String) { auditEvents(first: 7, before: $before) { nodes { id cursor } } }`, { before });
    const nodes = page.auditEvents.nodes as Array<{ id: string; cursor: string }>;
    walked.push(...nodes.map((n) => n.id));
    if (nodes.length < 7) break;
    before = nodes.at(-1)!.cursor;
  }
  expect(walked).toEqual(everything.map((n) => n.id));
  const times = everything.map((n) => Date.parse(n.createdAt));
  expect(times).toEqual([...times].sort((a, b) => b - a));
  const bad = await query(t.db, `{ auditEvents(before: "not-a-cursor") { totalCount nodes { id } } }`);
  expect(bad.auditEvents).toEqual({ totalCount: 0, nodes: [] });
});

test("the filter menu's actions are the distinct recorded actions, sorted", async () => {
  const data = await query(t.db, `{ auditEvents(first: 1) { actions } }`);
  const expected = [...new Set((await t.db.prisma.auditEvent.findMany({ select: { action: true } })).map((r) => r.action))].sort();
  expect(data.auditEvents.actions).toEqual(expected);
  expect(data.auditEvents.actions).toEqual(expect.arrayContaining(["deployJob", "pauseDeployment", "retireDeployment", "cancelTrainingJob"]));
});
