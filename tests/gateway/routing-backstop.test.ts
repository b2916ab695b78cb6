import { afterAll, beforeAll, expect, test } from "vitest";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { completeJob, ensureCatalogRows, startTestGateway, type TestGateway } from "./fixtures.ts";
import { deployJob } from "../../graphql/services/deployments.ts";
import { processConfig } from "../../graphql/config.ts";

// Issue 12: while a gateway hears routing changes, its 30 s backstop reads one row (the routing version the
// triggers advance) and reloads every deployment and token only when that moved (migration 20261128600000).

let t: TestDatabase;
let g: TestGateway;
beforeAll(async () => {
  t = await createTestDatabase();
  await ensureCatalogRows(t.db);
  g = await startTestGateway(t.db);
}, 60_000);
afterAll(async () => {
  await g?.close();
  await t?.drop();
});

const version = async () =>
  (await t.db.prisma.$queryRaw<Array<{ v: number }>>`SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::float8 AS v FROM "trainyard_routing_version"`)[0]!.v;
/** Makes the next poll (every 300 ms here) run the backstop, as if 30 s had passed since the last check. */
const backstopDue = () => {
  (g.gateway as unknown as { table: { checkedAt: number } }).table.checkedAt -= 60_000;
};

test("the gateway hears routing changes (the backstop applies only then)", async () => {
  await expect.poll(() => g.gateway.stats().listening, { timeout: 5_000 }).toBe(true);
});

test("the routing version moves with what the routing table holds, not with probe or stats bookkeeping", async () => {
  const before = await version();
  const jobId = await completeJob(t.db, "backstop-version");
  const d = await deployJob(t.db.prisma, { jobId, actor: "test", config: processConfig(), serving: {} });
  const afterDeploy = await version();
  expect(afterDeploy).toBeGreaterThan(before);
  await t.db.prisma.deployment.update({ where: { id: d.id }, data: { lastProbeAt: new Date(), failureReason: "probe bookkeeping" } });
  expect(await version()).toBe(afterDeploy);
  await t.db.prisma.deployment.update({ where: { id: d.id }, data: { status: "PAUSED" } });
  expect(await version()).toBeGreaterThan(afterDeploy);
});

test("a due backstop with nothing changed reloads nothing; a change it was not told of is loaded", async () => {
  await new Promise((r) => setTimeout(r, 500)); // let the notified reloads of the test above finish
  const reloads = g.gateway.stats().refreshes;
  backstopDue();
  await new Promise((r) => setTimeout(r, 1_000));
  expect(g.gateway.stats().refreshes).toBe(reloads);
  expect(g.gateway.stats().routingTableAgeMs).toBeLessThan(1_500);

  // A change whose notification was lost: the version moved, no NOTIFY was sent.
  await t.db.prisma.$queryRaw`SELECT nextval('"trainyard_routing_version"')`;
  await new Promise((r) => setTimeout(r, 700));
  expect(g.gateway.stats().refreshes).toBe(reloads);
  backstopDue();
  await expect.poll(() => g.gateway.stats().refreshes, { timeout: 3_000 }).toBe(reloads + 1);
});
