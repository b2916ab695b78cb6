import { describe, expect, test } from "vitest";
import { evaluateDueRules } from "../../graphql/services/alerts.ts";
import { recordInferenceEvents } from "../../graphql/services/metrics.ts";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { seedUuid } from "../../prisma/seed.ts";
import { useSeededDatabase } from "../setup/database.ts";
import { query, run } from "../setup/graphql.ts";
import { createDeployment, eventsAt, rng } from "../services/metrics-fixtures.ts";
const PUBLIC_URL = "http://localhost:3000";

const t = useSeededDatabase();

const RULE_FIELDS = `id modelName deployment { id } metric comparison threshold window forSeconds enabled isDefault silenced state channels { id }`;
const CREATE_RULE = `mutation ($input: CreateAlertRuleInput!) {
  createAlertRule(input: $input) {
    __typename
    ... on CreateAlertRuleSuccess { rule { ${RULE_FIELDS} } }
    ... on Error { code message }
    ... on ValidationError { fieldErrors { path message } }
  }
}`;
const UPDATE_RULE = `mutation ($id: ID!, $input: UpdateAlertRuleInput!) {
  updateAlertRule(id: $id, input: $input) {
    __typename
    ... on UpdateAlertRuleSuccess { rule { ${RULE_FIELDS} } }
    ... on Error { code message }
    ... on ValidationError { fieldErrors { path message } }
  }
}`;
const RULES_OF = `query ($id: ID!) { alertRules(deploymentId: $id) { totalCount nodes { ${RULE_FIELDS} } } }`;

const counts = async () => ({
  rules: await t.db.prisma.alertRule.count(),
  links: await t.db.prisma.alertRuleChannel.count(),
});

describe("default rules", () => {
  test("seeded deployments and every new deployment get the dashboard's thresholds as editable rules", async () => {
    const seeded = await t.db.prisma.deployment.findFirstOrThrow({ where: { status: "ACTIVE" } });
    const rules = (await query(t.db, RULES_OF, { id: seeded.id })).alertRules;
    expect(rules.totalCount).toBe(3);
    const byMetric = Object.fromEntries(rules.nodes.map((r: any) => [r.metric, r]));
    expect(byMetric.P50_LATENCY).toMatchObject({ comparison: "ABOVE", threshold: 200, window: "LAST_15_MINUTES", isDefault: true, deployment: { id: seeded.id } });
    expect(byMetric.P95_LATENCY).toMatchObject({ comparison: "ABOVE", threshold: 500, window: "LAST_15_MINUTES" });
    expect(byMetric.ERROR_RATE).toMatchObject({ comparison: "ABOVE", threshold: 0.01, window: "LAST_15_MINUTES" });

    const deployed = await query(t.db, `mutation ($jobId: ID!) { deployJob(jobId: $jobId) { __typename ... on DeployJobSuccess { deployment { id alertRules { metric threshold isDefault } } } } }`, {
      jobId: seedUuid("sql-v2"),
    });
    expect(deployed.deployJob.deployment.alertRules).toEqual(
      expect.arrayContaining([
        { metric: "P50_LATENCY", threshold: 200, isDefault: true },
        { metric: "P95_LATENCY", threshold: 500, isDefault: true },
        { metric: "ERROR_RATE", threshold: 0.01, isDefault: true },
      ]),
    );
    // Editable inline: raise a default threshold, and it stays a rule of that deployment.
    const p95 = rules.nodes.find((r: any) => r.metric === "P95_LATENCY");
    const edited = await query(t.db, UPDATE_RULE, { id: p95.id, input: { threshold: 800, forSeconds: 120 } });
    expect(edited.updateAlertRule.rule).toMatchObject({ threshold: 800, forSeconds: 120, metric: "P95_LATENCY", comparison: "ABOVE" });
  });
});

describe("createAlertRule refuses bad input with typed errors and writes nothing", () => {
  const base = async () => ({
    deploymentId: (await t.db.prisma.deployment.findFirstOrThrow({ where: { status: "ACTIVE" } })).id,
    metric: "P95_LATENCY",
    comparison: "ABOVE",
    threshold: 500,
    window: "LAST_HOUR",
    forSeconds: 60,
  });

  test.each([
    ["a negative threshold", { threshold: -1 }, "input.threshold"],
    ["an error rate above 100 %", { metric: "ERROR_RATE", threshold: 5 }, "input.threshold"],
    ["a negative for-duration", { forSeconds: -5 }, "input.forSeconds"],
    ["a for-duration over a day", { forSeconds: 90_000 }, "input.forSeconds"],
    ["both a deployment and a model", { modelName: "support-bot" }, "input.deploymentId"],
    ["neither a deployment nor a model", { deploymentId: null }, "input.deploymentId"],
    ["an unknown channel", { channelIds: ["00000000-0000-0000-0000-0000000000aa"] }, "input.channelIds"],
    ["a model that was never deployed", { deploymentId: null, modelName: "no-such-model" }, "input.modelName"],
  ])("%s → VALIDATION", async (_name, patch, path) => {
    const before = await counts();
    const data = await query(t.db, CREATE_RULE, { input: { ...(await base()), ...patch } });
    expect(data.createAlertRule).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
    expect(data.createAlertRule.fieldErrors.map((e: any) => e.path)).toContain(path);
    expect(await counts()).toEqual(before);
  });

  test("an unknown metric is refused by the schema before anything runs", async () => {
    const before = await counts();
    const result = await run(t.db, CREATE_RULE, { input: { ...(await base()), metric: "P90_LATENCY" } });
    expect(result.errors?.[0]?.message).toMatch(/P90_LATENCY.*AlertMetric|AlertMetric.*P90_LATENCY/s);
    expect(await counts()).toEqual(before);
  });

  test("an unknown deployment is NOT_FOUND; a token without the deploy scope is FORBIDDEN; both audited", async () => {
    const before = await counts();
    const missing = await query(t.db, CREATE_RULE, { input: { ...(await base()), deploymentId: "00000000-0000-0000-0000-000000000abc" } });
    expect(missing.createAlertRule).toMatchObject({ __typename: "NotFoundError", code: "NOT_FOUND" });
    const { token } = await createApiToken(t.db.prisma, { input: { name: "reader", scopes: ["read"] }, actor: "test" });
    const refused = await query(t.db, CREATE_RULE, { input: await base() }, { kind: "TOKEN", name: token.name, scopes: new Set(["read"]) });
    expect(refused.createAlertRule).toMatchObject({ __typename: "ForbiddenError", code: "FORBIDDEN" });
    expect(await counts()).toEqual(before);
    const audit = await t.db.prisma.auditEvent.findMany({ where: { action: "createAlertRule" }, orderBy: { id: "desc" }, take: 2 });
    expect(audit.map((a) => [a.outcome, a.errorCode])).toEqual([
      ["REFUSED", "FORBIDDEN"],
      ["REFUSED", "NOT_FOUND"],
    ]);
  });

  test("updates are checked the same way and change nothing when refused", async () => {
    const created = await query(t.db, CREATE_RULE, { input: await base() });
    const rule = created.createAlertRule.rule;
    const bad = await query(t.db, UPDATE_RULE, { id: rule.id, input: { threshold: -3 } });
    expect(bad.updateAlertRule.code).toBe("VALIDATION");
    expect(await t.db.prisma.alertRule.findUniqueOrThrow({ where: { id: rule.id } })).toMatchObject({ threshold: 500 });
    const gone = await query(t.db, `mutation ($id: ID!) { deleteAlertRule(id: $id) { __typename ... on DeleteAlertRuleSuccess { deletedId } } }`, { id: rule.id });
    expect(gone.deleteAlertRule).toEqual({ __typename: "DeleteAlertRuleSuccess", deletedId: rule.id });
    const again = await query(t.db, `mutation ($id: ID!) { deleteAlertRule(id: $id) { __typename ... on Error { code } } }`, { id: rule.id });
    expect(again.deleteAlertRule).toEqual({ __typename: "NotFoundError", code: "NOT_FOUND" });
    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { action: "deleteAlertRule", outcome: "SUCCESS" } });
    expect(audit).toMatchObject({ targetType: "AlertRule", targetId: rule.id, actor: "console" });
  });
});

describe("evaluation", () => {
  const slowTraffic = async (deploymentId: string, seed: number) => {
    const random = rng(seed);
    await recordInferenceEvents(t.db.prisma, deploymentId, eventsAt(Array.from({ length: 300 }, () => 900 + random() * 100), new Date(Date.now() - 3 * 60_000), 2 * 60_000, random));
  };

  test("a rule with a for-duration goes PENDING, then FIRING once the condition has held that long", async () => {
    const d = await createDeployment(t.db.prisma, "ACTIVE", "alerts-for");
    const created = await query(t.db, CREATE_RULE, {
      input: { deploymentId: d.id, metric: "P99_LATENCY", comparison: "ABOVE", threshold: 500, window: "LAST_15_MINUTES", forSeconds: 60 },
    });
    const id = created.createAlertRule.rule.id;
    await slowTraffic(d.id, 1);
    const t0 = Date.now();
    const stateOf = async () => (await query(t.db, `query ($id: ID!) { alertRules(deploymentId: $id) { nodes { id state targets { state pendingSince lastValue } } } }`, { id: d.id })).alertRules.nodes.find((r: any) => r.id === id);
    await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(t0) });
    expect((await stateOf()).state).toBe("PENDING");
    await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(t0 + 30_000) });
    expect((await stateOf()).state).toBe("PENDING");
    expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(t0 + 61_000) })).fired).toBe(1);
    const rule = await stateOf();
    expect(rule.state).toBe("FIRING");
    expect(rule.targets[0].lastValue).toBeGreaterThan(900);
    const alert = (await query(t.db, `query ($id: ID!) { alerts(deploymentId: $id, state: FIRING) { totalCount nodes { startedAt firedAt value metric } } }`, { id: d.id })).alerts;
    expect(alert.totalCount).toBe(1);
    expect(Date.parse(alert.nodes[0].firedAt) - Date.parse(alert.nodes[0].startedAt)).toBe(61_000);
  });

  test("a model rule watches its active versions: a request-rate floor fires when traffic is under it and resolves when the version stops serving", async () => {
    const v1 = await createDeployment(t.db.prisma, "ACTIVE", "alerts-model");
    const created = await query(t.db, CREATE_RULE, {
      input: { modelName: "alerts-model", metric: "REQUEST_RATE", comparison: "BELOW", threshold: 0.5, window: "LAST_15_MINUTES" },
    });
    expect(created.createAlertRule.rule).toMatchObject({ modelName: "alerts-model", deployment: null });
    const busy = rng(3);
    // 1 200 requests over 15 minutes ≈ 1.33 req/s: above the floor.
    await recordInferenceEvents(t.db.prisma, v1.id, eventsAt(Array.from({ length: 1200 }, () => 50), new Date(Date.now() - 5 * 60_000), 4 * 60_000, busy));
    const result = await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(Date.now() + 1000) });
    expect(result.evaluated).toBeGreaterThanOrEqual(1);
    const firing = await query(t.db, `{ alerts(state: FIRING, modelName: "alerts-model") { totalCount } }`);
    expect(firing.alerts.totalCount).toBe(0);
    // Raise the floor above the traffic: it fires.
    await t.db.prisma.alertRule.updateMany({ where: { modelName: "alerts-model" }, data: { threshold: 2 } });
    await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(Date.now() + 30_000) });
    expect((await query(t.db, `{ alerts(state: FIRING, modelName: "alerts-model") { totalCount nodes { deployment { id } value } } }`)).alerts.nodes).toEqual([
      { deployment: { id: v1.id }, value: expect.closeTo(1200 / 900, 3) },
    ]);
    // A paused version is no longer watched: its alert resolves.
    await t.db.prisma.deployment.update({ where: { id: v1.id }, data: { status: "PAUSED" } });
    expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(Date.now() + 60_000) })).resolved).toBe(1);
  });

  test("the alerts list puts firing alerts first, then history; pages carry totalCount", async () => {
    const all = await query(t.db, `{ alerts(first: 50) { totalCount nodes { state firedAt } } }`);
    const states = all.alerts.nodes.map((n: any) => n.state);
    expect(states.length).toBe(all.alerts.totalCount);
    expect(states.lastIndexOf("FIRING")).toBeLessThan(states.indexOf("RESOLVED") === -1 ? Infinity : states.indexOf("RESOLVED") + 1);
    const firstResolved = states.indexOf("RESOLVED");
    if (firstResolved >= 0) expect(states.slice(firstResolved).every((s: string) => s === "RESOLVED")).toBe(true);
    const page = await query(t.db, `{ alerts(first: 1, offset: 0) { totalCount nodes { state } } }`);
    expect(page.alerts.nodes).toHaveLength(1);
    expect(page.alerts.totalCount).toBe(all.alerts.totalCount);
  });
});

test("every GraphQL operation in docs/alerts.md validates against the schema", async () => {
  const { readFileSync } = await import("node:fs");
  const { parse, validate } = await import("graphql");
  const { schema } = await import("../../graphql/schema.ts");
  const md = readFileSync(new URL("../../docs/alerts.md", import.meta.url), "utf8");
  const blocks = [...md.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!);
  expect(blocks.length).toBeGreaterThanOrEqual(2);
  for (const block of blocks) {
    // A block may hold several anonymous queries, one per line group starting with "{".
    const ops = block.trim().startsWith("{") ? block.split(/\n(?=\{)/) : [block];
    for (const op of ops) expect(validate(schema, parse(op)).map((e) => e.message), op).toEqual([]);
  }
});
