import http from "node:http";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { loadConfig } from "../../graphql/config.ts";
// The registry first: it imports each worker module (see graphql/workers/index.ts).
import "../../graphql/workers/index.ts";
import { rolloutWorker } from "../../graphql/workers/rollout.ts";
import { createApiToken } from "../../graphql/services/tokens.ts";
import type { Worker } from "../../graphql/workers/index.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { completeJob, ensureCatalogRows, request, startTestGateway, startUpstream, type TestGateway, type Upstream } from "./fixtures.ts";

// Rollouts with an upstream fail after 8 s here (default 10 min); deployJob reads it from the environment.
process.env.TRAINYARD_ROLLOUT_TIMEOUT_SECONDS = "8";
process.env.TRAINYARD_ROLLOUT_SECONDS = "0.3";

let t: TestDatabase;
let gw: TestGateway;
let worker: Worker;
let invokeToken: string;
let readToken: string;
const upstreams: Upstream[] = [];

beforeAll(async () => {
  t = await createTestDatabase();
  await ensureCatalogRows(t.db);
  const config = loadConfig({ TRAINYARD_PROBE_INTERVAL_MS: "100", TRAINYARD_HEALTH_INTERVAL_MS: "300", TRAINYARD_PROBE_TIMEOUT_MS: "500", TRAINYARD_ROLLOUT_SECONDS: "0.2", TRAINYARD_ROLLOUT_FAILURE_RATE: "0" });
  worker = rolloutWorker.start(t.db, config);
  gw = await startTestGateway(t.db, { TRAINYARD_GATEWAY_BODY_LIMIT_BYTES: "4096", TRAINYARD_GATEWAY_TIMEOUT_MS: "1000" });
  invokeToken = (await createApiToken(t.db.prisma, { input: { name: "ci-invoke", scopes: ["invoke"] }, actor: "test" })).secret;
  readToken = (await createApiToken(t.db.prisma, { input: { name: "ci-read", scopes: ["read"] }, actor: "test" })).secret;
});
afterAll(async () => {
  await worker?.stop();
  await gw?.close();
  await Promise.all(upstreams.map((u) => u.stop()));
  await t?.drop();
});

async function upstream(env: Record<string, string> = {}) {
  const u = await startUpstream(env);
  upstreams.push(u);
  return u;
}

const FIELDS = `id modelName version status upstreamUrl simulated healthy lastProbeError failureReason isProduction artifact { sha256 } events { action actor detail }`;

const DEPLOY = `mutation ($jobId: ID!, $upstreamUrl: String) {
  deployJob(jobId: $jobId, upstreamUrl: $upstreamUrl) {
    __typename
    ... on DeployJobSuccess { deployment { ${FIELDS} } }
    ... on Error { code message }
    ... on ValidationError { fieldErrors { path message } }
  }
}`;

const lifecycle = (name: string) => `mutation ($id: ID!) {
  ${name}(id: $id) { __typename ... on Error { code message } }
}`;

const auth = () => ({ authorization: `Bearer ${invokeToken}` });

async function deployment(id: string) {
  return (await query(t.db, `query ($id: ID!) { deployment(id: $id) { ${FIELDS} } }`, { id })).deployment;
}

async function deploy(modelName: string, upstreamUrl: string | null) {
  const jobId = await completeJob(t.db, modelName);
  const data = await query(t.db, DEPLOY, { jobId, upstreamUrl });
  expect(data.deployJob.__typename).toBe("DeployJobSuccess");
  return data.deployJob.deployment as { id: string; version: string; status: string };
}

async function deployActive(modelName: string, upstreamUrl: string) {
  const d = await deploy(modelName, upstreamUrl);
  await expect.poll(async () => (await deployment(d.id)).status, { timeout: 20_000, interval: 100 }).toBe("ACTIVE");
  return d;
}

/** Polls the gateway until `path` answers `status` (the routing table is refreshed within 2 s). */
async function untilStatus(path: string, status: number, timeout = 2_000) {
  const started = Date.now();
  await expect.poll(async () => (await request(`${gw.url}${path}`, { headers: auth(), body: "{}" })).status, { timeout, interval: 50 }).toBe(status);
  return Date.now() - started;
}

describe("rollout by real health", () => {
  test("deployJob with an upstream: DEPLOYING until 3 consecutive 2xx of GET /health, then ACTIVE; the artifact is pinned", { timeout: 60_000 }, async () => {
    const u = await upstream({ UPSTREAM_NAME: "a" });
    const d = await deploy("gw-health", u.url);
    expect(d).toMatchObject({ status: "DEPLOYING", upstreamUrl: u.url, simulated: false, artifact: { sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    await expect.poll(async () => (await deployment(d.id)).status, { timeout: 20_000, interval: 100 }).toBe("ACTIVE");
    const active = await deployment(d.id);
    expect(active.healthy).toBe(true);
    expect(active.events.at(-1)).toMatchObject({ action: "ACTIVATE", actor: "rollout-probe", detail: expect.stringContaining("3 times in a row") });

    // ACTIVE keeps being probed: an upstream that stops answering is shown unhealthy, with the reason.
    await u.stop();
    await expect.poll(async () => (await deployment(d.id)).healthy, { timeout: 5_000, interval: 100 }).toBe(false);
    const down = await deployment(d.id);
    expect(down.status).toBe("ACTIVE");
    expect(down.lastProbeError).toMatch(/connection refused|other side closed/); // a probe in flight when it stopped sees the close
    expect(down.events.at(-1)).toMatchObject({ action: "UNHEALTHY" });
  });

  test("an upstream that never becomes healthy → FAILED after the rollout timeout, with the last probe error as the reason", { timeout: 40_000 }, async () => {
    const u = await upstream({ HEALTH: "fail" });
    const d = await deploy("gw-never", u.url);
    await expect.poll(async () => (await deployment(d.id)).status, { timeout: 25_000, interval: 200 }).toBe("FAILED");
    const failed = await deployment(d.id);
    expect(failed.failureReason).toMatch(/Rollout timed out.*GET http:\/\/127\.0\.0\.1:\d+\/health answered HTTP 503/);
    expect(failed.events.at(-1)).toMatchObject({ action: "FAIL", actor: "rollout-probe" });
  });

  test("no upstream: the simulated model server, labelled, answering through the gateway", async () => {
    const d = await deploy("gw-simulated", null);
    expect(d).toMatchObject({ simulated: true, upstreamUrl: null });
    await expect.poll(async () => (await deployment(d.id)).status, { timeout: 20_000, interval: 100 }).toBe("ACTIVE");
    await untilStatus(`/v1/models/gw-simulated/versions/${d.version}/v1/chat`, 200);
    const reply = await request(`${gw.url}/v1/models/gw-simulated/v1/chat`, { headers: auth(), body: "{}" });
    expect(reply.status).toBe(200);
    expect(reply.headers["x-trainyard-simulated"]).toBe("true");
    expect(reply.json).toMatchObject({ simulated: true, model: "gw-simulated", version: d.version });
  });
});

describe("the gateway", () => {
  test("proxies to the version's upstream with an invoke token; counts and percentiles land in deployment.metrics", async () => {
    const u = await upstream({ UPSTREAM_NAME: "metrics" });
    const d = await deployActive("gw-metrics", u.url);
    await untilStatus(`/v1/models/gw-metrics/versions/${d.version}/v1/echo`, 200);
    await gw.gateway.flush();
    const before = (await query(t.db, `query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) { requestCount } } }`, { id: d.id }))
      .deployment.metrics.requestCount as number;

    const reply = await request(`${gw.url}/v1/models/gw-metrics/versions/${d.version}/v1/echo?x=1`, { headers: auth(), body: '{"prompt":"hi"}' });
    expect(reply.status).toBe(200);
    // The caller's Trainyard token is not passed on to the model server.
    expect(reply.json).toMatchObject({ upstream: "metrics", method: "POST", path: "/v1/echo?x=1", bytes: 15, auth: null });
    expect(reply.headers["x-trainyard-version"]).toBe(d.version);

    const sent = 200;
    const replies = await Promise.all(
      Array.from({ length: sent - 1 }, (_, i) =>
        request(`${gw.url}/v1/models/gw-metrics/versions/${d.version}/${i % 10 === 0 ? "v1/status/500" : i % 10 === 1 ? "v1/status/404" : "v1/echo"}`, {
          headers: auth(),
          ...(i % 10 < 2 ? { method: "GET" } : { body: "{}" }),
        }),
      ),
    );
    expect(replies.map((r) => r.status).filter((s) => s !== 200).sort()).toEqual([...Array(20).fill(404), ...Array(20).fill(500)]);
    const metricsQuery = `query ($id: ID!) { deployment(id: $id) { metrics(window: LAST_15_MINUTES) { requestCount p50LatencyMs p95LatencyMs p99LatencyMs errorRate clientErrorRate } } }`;
    await expect.poll(async () => (await query(t.db, metricsQuery, { id: d.id })).deployment.metrics.requestCount, { timeout: 3_000, interval: 100 }).toBe(before + sent);
    const m = (await query(t.db, metricsQuery, { id: d.id })).deployment.metrics;
    expect(m.p50LatencyMs).toBeGreaterThan(0);
    expect(m.p50LatencyMs).toBeLessThan(1000);
    expect(m.p95LatencyMs).toBeGreaterThanOrEqual(m.p50LatencyMs);
    expect(m.errorRate).toBeCloseTo(20 / m.requestCount, 6);
    expect(m.clientErrorRate).toBeCloseTo(20 / m.requestCount, 6);
  });

  test("callers need a token with the invoke scope unless the deployment is public", async () => {
    const u = await upstream();
    const d = await deployActive("gw-auth", u.url);
    const path = `${gw.url}/v1/models/gw-auth/versions/${d.version}/v1/echo`;
    await untilStatus(`/v1/models/gw-auth/versions/${d.version}/v1/echo`, 200);
    expect((await request(path, { body: "{}" })).json).toMatchObject({ code: "UNAUTHENTICATED" });
    expect((await request(path, { body: "{}" })).status).toBe(401);
    const wrongScope = await request(path, { body: "{}", headers: { authorization: `Bearer ${readToken}` } });
    expect([wrongScope.status, wrongScope.json.code]).toEqual([403, "FORBIDDEN"]);
    const data = await query(t.db, `mutation ($id: ID!) { setDeploymentUpstream(id: $id, upstreamUrl: "${u.url}", public: true) { __typename } }`, { id: d.id });
    expect(data.setDeploymentUpstream.__typename).toBe("SetDeploymentUpstreamSuccess");
    // Public now (and its readiness is re-checked; it stays ACTIVE): no token needed.
    await expect.poll(async () => (await request(path, { body: "{}" })).status, { timeout: 2_000, interval: 50 }).toBe(200);
  });

  test("pause → 503 DEPLOYMENT_PAUSED within 2 s, resume → 200, retire → 410; unknown → 404; all JSON with a code", async () => {
    const u = await upstream();
    const d = await deployActive("gw-lifecycle", u.url);
    const path = `/v1/models/gw-lifecycle/versions/${d.version}/v1/echo`;
    await untilStatus(path, 200);
    await query(t.db, lifecycle("pauseDeployment"), { id: d.id });
    expect(await untilStatus(path, 503)).toBeLessThan(2_000);
    const paused = await request(`${gw.url}${path}`, { headers: auth(), body: "{}" });
    expect(paused.json).toMatchObject({ code: "DEPLOYMENT_PAUSED" });
    await query(t.db, lifecycle("resumeDeployment"), { id: d.id });
    expect(await untilStatus(path, 200)).toBeLessThan(2_000);
    await query(t.db, lifecycle("retireDeployment"), { id: d.id });
    expect(await untilStatus(path, 410)).toBeLessThan(2_000);
    expect((await request(`${gw.url}${path}`, { headers: auth() })).json).toMatchObject({ code: "DEPLOYMENT_RETIRED" });
    expect((await request(`${gw.url}/v1/models/no-such-model/v1/echo`, { headers: auth() })).json).toMatchObject({ code: "MODEL_NOT_FOUND" });
    const noVersion = await request(`${gw.url}/v1/models/gw-lifecycle/versions/v9.9.9/x`, { headers: auth() });
    expect([noVersion.status, noVersion.json.code]).toEqual([404, "VERSION_NOT_FOUND"]);
  });

  test("DEPLOYING → 503 with Retry-After; refused upstream → 502; slow upstream → 504; body over the limit → 413", async () => {
    const never = await upstream({ HEALTH: "fail" });
    const deploying = await deploy("gw-errors", never.url);
    await untilStatus(`/v1/models/gw-errors/versions/${deploying.version}/x`, 503);
    const r = await request(`${gw.url}/v1/models/gw-errors/versions/${deploying.version}/x`, { headers: auth() });
    expect(r.headers["retry-after"]).toBe("5");
    expect(r.json.code).toBe("DEPLOYMENT_NOT_READY");

    const u = await upstream();
    const d = await deployActive("gw-errors-2", u.url);
    const base = `/v1/models/gw-errors-2/versions/${d.version}`;
    await untilStatus(`${base}/v1/echo`, 200);
    const slow = await request(`${gw.url}${base}/v1/slow`, { headers: auth() });
    expect([slow.status, slow.json.code]).toEqual([504, "UPSTREAM_TIMEOUT"]);
    const big = await request(`${gw.url}${base}/v1/echo`, { headers: auth(), body: Buffer.alloc(10_000, 97) });
    expect([big.status, big.json.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    // A chunked body (no content-length) is counted as it streams: within the limit it arrives whole, over it → 413.
    const chunked = (size: number) =>
      new Promise<{ status: number; json: any }>((resolve, reject) => {
        const req = http.request(`${gw.url}${base}/v1/echo`, { method: "POST", headers: { ...auth(), "transfer-encoding": "chunked" } }, (res) => {
          const parts: Buffer[] = [];
          res.on("data", (b: Buffer) => parts.push(b));
          res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(parts).toString() || "null") }));
        });
        req.on("error", reject);
        for (let i = 0; i < size; i += 1000) req.write(Buffer.alloc(Math.min(1000, size - i), 97));
        req.end();
      });
    const within = await chunked(3_500);
    expect([within.status, within.json.bytes]).toEqual([200, 3_500]);
    const over = await chunked(6_000);
    expect([over.status, over.json.code]).toEqual([413, "PAYLOAD_TOO_LARGE"]);
    await u.stop();
    const refused = await request(`${gw.url}${base}/v1/echo`, { headers: auth(), body: "{}" });
    expect([refused.status, refused.json.code]).toEqual([502, "UPSTREAM_UNAVAILABLE"]);
  });

  test("an SSE upstream streams through token by token", async () => {
    const u = await upstream();
    const d = await deployActive("gw-sse", u.url);
    await untilStatus(`/v1/models/gw-sse/versions/${d.version}/v1/echo`, 200);
    const arrivals: Array<{ at: number; text: string }> = [];
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      http
        .get(`${gw.url}/v1/models/gw-sse/versions/${d.version}/v1/stream`, { headers: auth() }, (res) => {
          expect(res.headers["content-type"]).toBe("text/event-stream");
          res.on("data", (c: Buffer) => arrivals.push({ at: Date.now() - started, text: c.toString() }));
          res.on("end", () => resolve());
        })
        .on("error", reject);
    });
    const text = arrivals.map((a) => a.text).join("");
    expect(text).toBe(`${[0, 1, 2, 3, 4].map((i) => `data: token-${i}\n\n`).join("")}data: [DONE]\n\n`);
    // Tokens arrive as the upstream sends them (150 ms apart, 750 ms in all), not all at once at the end.
    // Only a loose spread is asserted: on a loaded machine timers fire late and chunks may coalesce.
    expect(arrivals.length).toBeGreaterThanOrEqual(4);
    expect(new Set(arrivals.map((a) => a.at)).size).toBeGreaterThanOrEqual(4);
    const first = arrivals.find((a) => a.text.includes("token-0"))!;
    const last = arrivals.find((a) => a.text.includes("[DONE]"))!;
    expect(last.at - first.at).toBeGreaterThan(300);
  });
});

describe("production alias and traffic split", () => {
  test("promote and rollback switch what /v1/models/{name}/… serves", async () => {
    const a = await upstream({ UPSTREAM_NAME: "A" });
    const b = await upstream({ UPSTREAM_NAME: "B" });
    const v1 = await deployActive("gw-alias", a.url);
    const v2 = await deployActive("gw-alias", b.url);
    const served = async () => (await request(`${gw.url}/v1/models/gw-alias/v1/echo`, { headers: auth(), body: "{}" })).json?.upstream;
    // Without a promotion, production is the newest ACTIVE version.
    await expect.poll(served, { timeout: 2_000, interval: 50 }).toBe("B");
    expect((await deployment(v2.id)).isProduction).toBe(true);

    const promoted = await query(t.db, lifecycle("promoteDeployment"), { id: v1.id });
    expect(promoted.promoteDeployment.__typename).toBe("PromoteDeploymentSuccess");
    await expect.poll(served, { timeout: 2_000, interval: 50 }).toBe("A");
    expect((await deployment(v1.id)).isProduction).toBe(true);

    // Roll back to v2 (paused first): v1 is retired and production moves to v2.
    await query(t.db, lifecycle("pauseDeployment"), { id: v2.id });
    const rolled = await query(t.db, `mutation ($id: ID!) { rollbackDeployment(id: $id) { __typename ... on Error { code message } } }`, { id: v2.id });
    expect(rolled.rollbackDeployment.__typename).toBe("RollbackDeploymentSuccess");
    await expect.poll(served, { timeout: 2_000, interval: 50 }).toBe("B");
    expect((await deployment(v2.id)).isProduction).toBe(true);
    expect((await deployment(v1.id)).status).toBe("RETIRED");
  });

  test("a 90/10 split over 2,000 requests lands within ±3 %, sticky per x-trainyard-route-key", { timeout: 90_000 }, async () => {
    const a = await upstream({ UPSTREAM_NAME: "stable" });
    const b = await upstream({ UPSTREAM_NAME: "canary" });
    const v1 = await deployActive("gw-split", a.url);
    const v2 = await deployActive("gw-split", b.url);
    const set = await query(
      t.db,
      `mutation ($splits: [TrafficSplitInput!]!) { setTrafficSplit(modelName: "gw-split", splits: $splits) {
        __typename ... on SetTrafficSplitSuccess { model { splits { percent deployment { id } } } } ... on Error { code message } } }`,
      { splits: [{ deploymentId: v1.id, percent: 90 }, { deploymentId: v2.id, percent: 10 }] },
    );
    expect(set.setTrafficSplit.model.splits).toEqual([
      { percent: 90, deployment: { id: v1.id } },
      { percent: 10, deployment: { id: v2.id } },
    ]);
    await new Promise((r) => setTimeout(r, 2_000));
    const counts = { stable: 0, canary: 0 } as Record<string, number>;
    for (let batch = 0; batch < 20; batch++) {
      const replies = await Promise.all(Array.from({ length: 100 }, () => request(`${gw.url}/v1/models/gw-split/v1/echo`, { headers: auth(), body: "{}" })));
      for (const r of replies) counts[r.json.upstream] = (counts[r.json.upstream] ?? 0) + 1;
    }
    expect(counts.stable! + counts.canary!).toBe(2000);
    expect(Math.abs(counts.canary! / 2000 - 0.1)).toBeLessThanOrEqual(0.03);
    for (const key of ["user-1", "user-2", "user-3", "user-4"]) {
      const seen = new Set<string>();
      for (let i = 0; i < 10; i++) {
        seen.add((await request(`${gw.url}/v1/models/gw-split/v1/echo`, { headers: { ...auth(), "x-trainyard-route-key": key }, body: "{}" })).json.upstream);
      }
      expect(seen.size).toBe(1);
    }
  });
});

describe("bad input → typed errors, nothing written", () => {
  test("malformed upstream URLs are VALIDATION errors and create no deployment", async () => {
    const jobId = await completeJob(t.db, "gw-bad");
    const before = await t.db.prisma.deployment.count();
    for (const upstreamUrl of ["not a url", "ftp://models.internal/x", "http://", "http://user:pw@host:8000", "javascript:alert(1)", "http://h:8000/?q=1", ""]) {
      const data = await query(t.db, DEPLOY, { jobId, upstreamUrl });
      expect(data.deployJob, upstreamUrl).toMatchObject({ __typename: "ValidationError", code: "VALIDATION", fieldErrors: [{ path: "upstreamUrl" }] });
    }
    expect(await t.db.prisma.deployment.count()).toBe(before);
  });

  test("unknown ids, splits not summing to 100 or naming another model's version → typed errors; the route is unchanged", async () => {
    const u = await upstream();
    const mine = await deployActive("gw-bad-split", u.url);
    const other = await deployActive("gw-other", u.url);
    const routesBefore = await t.db.prisma.modelRoute.findMany({ orderBy: { modelName: "asc" } });
    const SPLIT = `mutation ($model: String!, $splits: [TrafficSplitInput!]!) { setTrafficSplit(modelName: $model, splits: $splits) { __typename ... on Error { code message } } }`;
    const cases: Array<[string, Array<{ deploymentId: string; percent: number }>, string]> = [
      ["gw-bad-split", [{ deploymentId: mine.id, percent: 90 }], "VALIDATION"],
      ["gw-bad-split", [{ deploymentId: mine.id, percent: 50 }, { deploymentId: other.id, percent: 50 }], "VALIDATION"],
      ["gw-bad-split", [{ deploymentId: mine.id, percent: 100 }, { deploymentId: mine.id, percent: 0 }], "VALIDATION"],
      ["gw-bad-split", [{ deploymentId: mine.id, percent: 101 }, { deploymentId: other.id, percent: -1 }], "VALIDATION"],
      ["gw-bad-split", [{ deploymentId: "00000000-0000-4000-8000-000000000000", percent: 100 }], "NOT_FOUND"],
      ["no-such-model", [{ deploymentId: mine.id, percent: 100 }], "NOT_FOUND"],
    ];
    for (const [model, splits, code] of cases) {
      const data = await query(t.db, SPLIT, { model, splits });
      expect(data.setTrafficSplit, JSON.stringify(splits)).toMatchObject({ code });
    }
    for (const name of ["promoteDeployment", "pauseDeployment"]) {
      expect((await query(t.db, lifecycle(name), { id: "not-a-uuid" }))[name]).toMatchObject({ code: "NOT_FOUND" });
    }
    const up = await query(t.db, `mutation { setDeploymentUpstream(id: "00000000-0000-4000-8000-000000000000", upstreamUrl: "http://x:1") { __typename ... on Error { code } } }`);
    expect(up.setDeploymentUpstream).toMatchObject({ code: "NOT_FOUND" });
    const bad = await query(t.db, `mutation ($id: ID!) { setDeploymentUpstream(id: $id, upstreamUrl: "gopher://x") { __typename ... on Error { code } } }`, { id: mine.id });
    expect(bad.setDeploymentUpstream).toMatchObject({ code: "VALIDATION" });
    expect((await deployment(mine.id)).upstreamUrl).toBe(u.url);
    expect(await t.db.prisma.modelRoute.findMany({ orderBy: { modelName: "asc" } })).toEqual(routesBefore);
    // Refusals are audited like every mutation.
    expect(await t.db.prisma.auditEvent.count({ where: { action: "setTrafficSplit", outcome: "REFUSED" } })).toBe(cases.length);
  });
});
