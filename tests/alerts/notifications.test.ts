import { describe, expect, test } from "vitest";
import { openDatabase, type Database } from "../../graphql/db.ts";
import { evaluateDueRules } from "../../graphql/services/alerts.ts";
import { recordInferenceEvents } from "../../graphql/services/metrics.ts";
import { deliverDueNotifications, verifySignature } from "../../graphql/services/notifications.ts";
import { useSeededDatabase } from "../setup/database.ts";
import { query, run } from "../setup/graphql.ts";
import { createDeployment, eventsAt, rng } from "../services/metrics-fixtures.ts";
import { startReceiver } from "./receiver.ts";
const PUBLIC_URL = "http://localhost:3000";

const t = useSeededDatabase();

const CREATE_CHANNEL = `mutation ($input: CreateNotificationChannelInput!) {
  createNotificationChannel(input: $input) {
    __typename
    ... on CreateNotificationChannelSuccess { secret channel { id name kind url } }
    ... on ValidationError { code message fieldErrors { path message } }
  }
}`;

const CREATE_RULE = `mutation ($input: CreateAlertRuleInput!) {
  createAlertRule(input: $input) {
    __typename
    ... on CreateAlertRuleSuccess { rule { id state channels { id } } }
    ... on Error { code message }
  }
}`;

async function channel(name: string, url: string, kind = "WEBHOOK") {
  const data = await query(t.db, CREATE_CHANNEL, { input: { name, kind, url } });
  expect(data.createNotificationChannel.__typename).toBe("CreateNotificationChannelSuccess");
  return data.createNotificationChannel as { secret: string; channel: { id: string } };
}

async function errorRateRule(deploymentId: string, channelIds: string[], threshold = 0.05) {
  const data = await query(t.db, CREATE_RULE, {
    input: { deploymentId, metric: "ERROR_RATE", comparison: "ABOVE", threshold, window: "LAST_15_MINUTES", forSeconds: 0, channelIds },
  });
  expect(data.createAlertRule.__typename).toBe("CreateAlertRuleSuccess");
  return data.createAlertRule.rule.id as string;
}

/** Drives a deployment's 15-minute error rate: `errors` failures among `total` requests over the last few minutes. */
async function traffic(db: Database, deploymentId: string, total: number, errors: number, seed: number) {
  const random = rng(seed);
  const from = new Date(Date.now() - 4 * 60_000);
  const events = [
    ...eventsAt(Array.from({ length: total - errors }, () => 40 + random() * 20), from, 3 * 60_000, random, "OK"),
    ...eventsAt(Array.from({ length: errors }, () => 40 + random() * 20), from, 3 * 60_000, random, "SERVER_ERROR"),
  ];
  await recordInferenceEvents(db.prisma, deploymentId, events);
}

const later = (s: number) => new Date(Date.now() + s * 1000);

describe("a rule driven over its threshold and back by recorded events", () => {
  test("sends exactly one signed firing and one resolved notification, and keeps the history", async () => {
    const receiver = await startReceiver();
    try {
      const { secret, channel: ch } = await channel("oncall-webhook", receiver.url);
      expect(secret).toMatch(/^whsec_/);
      const deployment = await createDeployment(t.db.prisma, "ACTIVE", "alerts-roundtrip");
      const ruleId = await errorRateRule(deployment.id, [ch.id]);

      // 10 % server errors: over the 5 % threshold.
      await traffic(t.db, deployment.id, 200, 20, 1);
      const first = await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: later(0) });
      expect(first.fired).toBe(1);
      // Evaluating again while it still fires queues nothing new.
      for (let i = 1; i <= 3; i++) expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: later(20 * i) })).fired).toBe(0);
      for (let i = 0; i < 3; i++) await deliverDueNotifications(t.db.prisma, { now: later(61 + i) });
      expect(receiver.received).toHaveLength(1);

      const firing = await query(t.db, `query ($id: ID!) { deployment(id: $id) { alerts { totalCount nodes { state value threshold firedAt resolvedAt rule { id state } } } } }`, { id: deployment.id });
      expect(firing.deployment.alerts.totalCount).toBe(1);
      expect(firing.deployment.alerts.nodes[0]).toMatchObject({ state: "FIRING", value: 0.1, threshold: 0.05, resolvedAt: null, rule: { id: ruleId, state: "FIRING" } });
      expect((await query(t.db, `{ dashboard { alertsFiring } }`)).dashboard.alertsFiring).toBeGreaterThanOrEqual(1);

      // 2 000 good requests bring it to 20 / 2 200 ≈ 0.9 %: under the threshold.
      await traffic(t.db, deployment.id, 2000, 0, 2);
      expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: later(100) })).resolved).toBe(1);
      expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: later(120) })).resolved).toBe(0);
      for (let i = 0; i < 3; i++) await deliverDueNotifications(t.db.prisma, { now: later(130 + i) });

      expect(receiver.received.map((r) => r.json.state)).toEqual(["FIRING", "RESOLVED"]);
      for (const r of receiver.received) {
        expect(r.headers["x-trainyard-signature"]).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
        expect(verifySignature(secret, r.body, r.headers["x-trainyard-signature"]!)).toBe(true);
        // A tampered body or another secret does not verify.
        expect(verifySignature(secret, r.body.replace("alerts-roundtrip", "alerts-roundtriq"), r.headers["x-trainyard-signature"]!)).toBe(false);
        expect(verifySignature("whsec_other", r.body, r.headers["x-trainyard-signature"]!)).toBe(false);
      }
      const [fired, resolved] = receiver.received.map((r) => r.json);
      expect(fired).toMatchObject({
        event: "alert.firing",
        model: "alerts-roundtrip",
        version: "v1.0.0",
        metric: "ERROR_RATE",
        value: 0.1,
        threshold: 0.05,
        resolvedAt: null,
        rule: { id: ruleId, comparison: "ABOVE", window: "LAST_15_MINUTES" },
        deployment: { id: deployment.id },
      });
      expect(fired.url).toMatch(new RegExp(`/deployments/${deployment.id}$`));
      expect(resolved).toMatchObject({ event: "alert.resolved", alertId: fired.alertId, startedAt: fired.startedAt });
      expect(resolved.value).toBeCloseTo(20 / 2200, 5);
      expect(Date.parse(resolved.resolvedAt)).toBeGreaterThan(Date.parse(fired.firedAt));

      const history = await query(t.db, `query ($id: ID!) { alerts(deploymentId: $id, state: RESOLVED) { totalCount nodes { state value resolvedValue firedAt resolvedAt } } }`, { id: deployment.id });
      expect(history.alerts.totalCount).toBe(1);
      expect(history.alerts.nodes[0].state).toBe("RESOLVED");

      const log = await query(t.db, `query ($id: ID!) { notificationDeliveries(channelId: $id) { totalCount nodes { event status attempts lastStatusCode lastError } } }`, { id: ch.id });
      expect(log.notificationDeliveries.totalCount).toBe(2);
      expect(log.notificationDeliveries.nodes).toEqual(
        expect.arrayContaining([
          { event: "FIRING", status: "DELIVERED", attempts: 1, lastStatusCode: 204, lastError: null },
          { event: "RESOLVED", status: "DELIVERED", attempts: 1, lastStatusCode: 204, lastError: null },
        ]),
      );
    } finally {
      await receiver.close();
    }
  });

  test("a silenced rule keeps its history but notifies no one, not even on resolve", async () => {
    const receiver = await startReceiver();
    try {
      const { channel: ch } = await channel("silenced-hook", receiver.url);
      const deployment = await createDeployment(t.db.prisma, "ACTIVE", "alerts-silenced");
      const ruleId = await errorRateRule(deployment.id, [ch.id]);
      const silence = await query(t.db, `mutation ($id: ID!, $until: DateTime!) { updateAlertRule(id: $id, input: { silencedUntil: $until }) { __typename ... on UpdateAlertRuleSuccess { rule { silenced silencedUntil } } } }`, {
        id: ruleId,
        until: later(3600).toISOString(),
      });
      expect(silence.updateAlertRule.rule.silenced).toBe(true);
      await traffic(t.db, deployment.id, 100, 50, 3);
      expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: later(0) })).fired).toBe(1);
      await traffic(t.db, deployment.id, 10000, 0, 4);
      expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: later(20) })).resolved).toBe(1);
      await deliverDueNotifications(t.db.prisma, { now: later(30) });
      expect(receiver.received).toHaveLength(0);
      const alerts = await query(t.db, `query ($id: ID!) { alerts(deploymentId: $id) { nodes { state notified } } }`, { id: deployment.id });
      expect(alerts.alerts.nodes).toEqual([{ state: "RESOLVED", notified: false }]);
    } finally {
      await receiver.close();
    }
  });
});

describe("delivery retries", () => {
  test("a receiver that answers 500 twice is retried with backoff, then receives it once", async () => {
    const receiver = await startReceiver({ failFirst: 2 });
    try {
      const { secret, channel: ch } = await channel("flaky-receiver", receiver.url);
      const deployment = await createDeployment(t.db.prisma, "ACTIVE", "alerts-retry");
      await errorRateRule(deployment.id, [ch.id]);
      await traffic(t.db, deployment.id, 100, 30, 5);
      const t0 = Date.now();
      expect((await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(t0) })).fired).toBe(1);

      expect(await deliverDueNotifications(t.db.prisma, { now: new Date(t0) })).toBe(1);
      let log = await t.db.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } });
      expect(log).toMatchObject({ status: "PENDING", attempts: 1, lastStatusCode: 500 });
      expect(log.lastError).toContain("HTTP 500");
      // The first retry is due within 10 s, not before 1 s.
      const firstDelay = log.nextAttemptAt.getTime() - t0;
      expect(firstDelay).toBeGreaterThan(1000);
      expect(firstDelay).toBeLessThanOrEqual(10_000);
      expect(await deliverDueNotifications(t.db.prisma, { now: new Date(t0 + 1000) })).toBe(0);

      expect(await deliverDueNotifications(t.db.prisma, { now: log.nextAttemptAt })).toBe(1);
      const second = await t.db.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } });
      expect(second).toMatchObject({ status: "PENDING", attempts: 2, lastStatusCode: 500 });
      // Exponential: the second wait is longer than the first.
      expect(second.nextAttemptAt.getTime() - log.nextAttemptAt.getTime()).toBeGreaterThan(firstDelay);

      expect(await deliverDueNotifications(t.db.prisma, { now: second.nextAttemptAt })).toBe(1);
      log = await t.db.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } });
      expect(log).toMatchObject({ status: "DELIVERED", attempts: 3, lastStatusCode: 204, lastError: null });
      expect(receiver.requests()).toBe(3);
      expect(receiver.received).toHaveLength(1);
      expect(verifySignature(secret, receiver.received[0]!.body, receiver.received[0]!.headers["x-trainyard-signature"]!)).toBe(true);
      // Nothing more goes out once delivered.
      expect(await deliverDueNotifications(t.db.prisma, { now: later(3600) })).toBe(0);
    } finally {
      await receiver.close();
    }
  });

  test("an unreachable receiver is retried for at least an hour, at most 10 minutes apart, then marked FAILED", async () => {
    const receiver = await startReceiver();
    const url = receiver.url;
    await receiver.close(); // nothing listens there any more
    const { channel: ch } = await channel("gone-receiver", url);
    const deployment = await createDeployment(t.db.prisma, "ACTIVE", "alerts-gone");
    await errorRateRule(deployment.id, [ch.id]);
    await traffic(t.db, deployment.id, 100, 30, 6);
    const t0 = Date.now();
    await evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now: new Date(t0) });
    let at = new Date(t0);
    const gaps: number[] = [];
    for (let i = 0; i < 40; i++) {
      await deliverDueNotifications(t.db.prisma, { now: at });
      const d = await t.db.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } });
      if (d.status !== "PENDING") break;
      gaps.push(d.nextAttemptAt.getTime() - at.getTime());
      at = d.nextAttemptAt;
    }
    const d = await t.db.prisma.notificationDelivery.findFirstOrThrow({ where: { channelId: ch.id } });
    expect(d.status).toBe("FAILED");
    expect(d.lastError).toBeTruthy();
    expect(at.getTime() - t0).toBeGreaterThanOrEqual(3600_000);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(600_000);
    expect(gaps[0]).toBeLessThanOrEqual(10_000);
  });
});

describe("channels", () => {
  test("testNotificationChannel sends a signed sample and logs it; Slack channels get a Slack message", async () => {
    const receiver = await startReceiver();
    try {
      const { secret, channel: ch } = await channel("slack-alerts", receiver.url, "SLACK");
      const data = await query(t.db, `mutation ($id: ID!) { testNotificationChannel(id: $id) { __typename ... on TestNotificationChannelSuccess { delivery { event status attempts lastStatusCode } } } }`, { id: ch.id });
      expect(data.testNotificationChannel.delivery).toEqual({ event: "TEST", status: "DELIVERED", attempts: 1, lastStatusCode: 204 });
      expect(receiver.received).toHaveLength(1);
      expect(receiver.received[0]!.json.text).toContain("Test notification from Trainyard");
      expect(verifySignature(secret, receiver.received[0]!.body, receiver.received[0]!.headers["x-trainyard-signature"]!)).toBe(true);
      const missing = await query(t.db, `mutation { testNotificationChannel(id: "00000000-0000-0000-0000-000000000001") { __typename ... on Error { code } } }`);
      expect(missing.testNotificationChannel).toEqual({ __typename: "NotFoundError", code: "NOT_FOUND" });
    } finally {
      await receiver.close();
    }
  });

  test("non-http URLs, empty names and duplicate names are refused with VALIDATION and write nothing", async () => {
    const before = await t.db.prisma.notificationChannel.count();
    for (const input of [
      { name: "ftp-hook", kind: "WEBHOOK", url: "ftp://example.com/hook" },
      { name: "js-hook", kind: "WEBHOOK", url: "javascript:alert(1)" },
      { name: "no-url", kind: "SLACK", url: "not a url" },
      { name: "  ", kind: "WEBHOOK", url: "https://example.com/hook" },
      { name: "oncall-webhook", kind: "WEBHOOK", url: "https://example.com/other" },
    ]) {
      const data = await query(t.db, CREATE_CHANNEL, { input });
      expect(data.createNotificationChannel.__typename, JSON.stringify(input)).toBe("ValidationError");
      expect(data.createNotificationChannel.code).toBe("VALIDATION");
    }
    const dup = await query(t.db, CREATE_CHANNEL, { input: { name: "oncall-webhook", kind: "WEBHOOK", url: "https://example.com/other" } });
    expect(dup.createNotificationChannel.fieldErrors).toEqual([{ path: "input.name", message: "already taken" }]);
    expect(await t.db.prisma.notificationChannel.count()).toBe(before);
    // The secret is never readable again.
    const listed = await run(t.db, `{ notificationChannels { nodes { secret } } }`);
    expect(listed.errors?.[0]?.message).toMatch(/field "?secret"? on NotificationChannel|Cannot query field "secret"/);
  });
});

describe("several evaluators at once", () => {
  test("two evaluators and two senders on separate connections send each notification once", async () => {
    // On PostgreSQL a second pool is a second set of connections; PGlite is one session, shared.
    const other = t.url ? await openDatabase({ databaseUrl: t.url, poolSize: 4 }) : t.db;
    const receiver = await startReceiver();
    try {
      const { channel: ch } = await channel("race-hook", receiver.url);
      const deployments = await Promise.all(Array.from({ length: 6 }, (_, i) => createDeployment(t.db.prisma, "ACTIVE", `alerts-race-${i}`)));
      for (const d of deployments) await errorRateRule(d.id, [ch.id]);
      for (const [i, d] of deployments.entries()) await traffic(t.db, d.id, 100, 20, 10 + i);
      const both = async (now: Date) => {
        const [a, b] = await Promise.all([evaluateDueRules(t.db.prisma, { publicUrl: PUBLIC_URL, now, limit: 3 }), evaluateDueRules(other.prisma, { publicUrl: PUBLIC_URL, now, limit: 3 })]);
        return { a, b };
      };
      const send = (now: Date) => Promise.all([deliverDueNotifications(t.db.prisma, { now }), deliverDueNotifications(other.prisma, { now })]);
      for (let round = 0; round < 4; round++) {
        await both(later(round * 20));
        await send(later(round * 20 + 1));
      }
      for (const [i, d] of deployments.entries()) await traffic(t.db, d.id, 20000, 0, 30 + i);
      for (let round = 4; round < 8; round++) {
        await both(later(round * 20));
        await send(later(round * 20 + 1));
      }
      await send(later(200));
      const byDeployment = new Map<string, string[]>();
      for (const r of receiver.received) byDeployment.set(r.json.deployment.id, [...(byDeployment.get(r.json.deployment.id) ?? []), r.json.state]);
      for (const d of deployments) expect(byDeployment.get(d.id), d.modelName).toEqual(["FIRING", "RESOLVED"]);
      expect(receiver.received).toHaveLength(12);
    } finally {
      await receiver.close();
      if (other !== t.db) await other.close();
    }
  });
});
