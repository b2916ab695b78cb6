import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { deployJob } from "../../graphql/services/deployments.ts";
import { getDeploymentMetrics } from "../../graphql/services/metrics.ts";
import { RELATIVE_ACCURACY } from "../../graphql/services/sketch.ts";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { completeJob, ensureCatalogRows, request, startTestGateway, startUpstream, type TestGateway, type Upstream } from "./fixtures.ts";
import { processConfig } from "../../graphql/config.ts";

/**
 * Two gateway replicas over one database, both listening for routing changes. On PostgreSQL they are two
 * `trainyard gateway` processes that poll only every 2 s (the most the configuration allows); on the
 * embedded database (one process only) they are two gateways in this process, LISTENing on its session.
 */
const ROOT = path.resolve(import.meta.dirname, "..", "..");

interface Replica {
  url: string;
  stats(): Promise<{ flushedEvents: number; listening: boolean; refreshes: number; streamTtfb: { count: number; p50Ms: number | null } }>;
  metricsText(): Promise<string>;
  close(): Promise<void>;
}

let t: TestDatabase;
let up: Upstream;
let token: string;
const replicas: Replica[] = [];

async function startProcessReplica(databaseUrl: string): Promise<Replica> {
  const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "cli/gateway.ts"], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: databaseUrl, HOST: "127.0.0.1", TRAINYARD_GATEWAY_PORT: "0", TRAINYARD_GATEWAY_REFRESH_MS: "2000", TRAINYARD_GATEWAY_FLUSH_MS: "250" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const m = /ready: (http:\/\/[^/\s]+)/.exec(line);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`trainyard gateway exited with ${code}`)));
  });
  return {
    url,
    stats: async () => (await request(`${url}/healthz`)).json,
    metricsText: async () => (await request(`${url}/metrics`)).body,
    close: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

function inProcessReplica(g: TestGateway): Replica {
  return {
    url: g.url,
    stats: async () => g.gateway.stats(),
    metricsText: async () => (await import("../../graphql/gateway/gateway.ts")).gatewayMetricsText(),
    close: () => g.close(),
  };
}

beforeAll(async () => {
  t = await createTestDatabase();
  await ensureCatalogRows(t.db);
  up = await startUpstream({ UPSTREAM_NAME: "replicated" });
  token = (await createApiToken(t.db.prisma, { input: { name: "replicas", scopes: ["invoke"] }, actor: "test" })).secret;
  for (let i = 0; i < 2; i++) {
    replicas.push(t.url ? await startProcessReplica(t.url) : inProcessReplica(await startTestGateway(t.db, { TRAINYARD_GATEWAY_REFRESH_MS: "1000" })));
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => r.close()));
  await up?.stop();
  await t?.drop();
});

const auth = () => ({ authorization: `Bearer ${token}` });

async function activeDeployment(modelName: string) {
  const jobId = await completeJob(t.db, modelName);
  const d = await deployJob(t.db.prisma, { jobId, actor: "test", config: processConfig(), serving: { upstreamUrl: up.url } });
  // Readiness probing is the rollout worker's job (tested elsewhere); here the row is made ACTIVE directly.
  await t.db.prisma.deployment.update({ where: { id: d.id }, data: { status: "ACTIVE", activatedAt: new Date() } });
  return d;
}

const lifecycle = (name: string) => `mutation ($id: ID!) { ${name}(id: $id) { __typename ... on Error { code message } } }`;

describe("gateway replicas", () => {
  test("each replica listens for routing changes, on PostgreSQL and on the embedded database", async () => {
    for (const r of replicas) await expect.poll(async () => (await r.stats()).listening, { timeout: 5_000 }).toBe(true);
  });

  test("an idle replica that hears changes does not reload its routing table every interval", async () => {
    // A replica reloads when a change is announced (and every 30 s as a backstop), not every poll: on a
    // 10,000-deployment fleet that reload was most of an idle server's CPU.
    const before = await Promise.all(replicas.map((r) => r.stats()));
    await new Promise((r) => setTimeout(r, 4_500));
    const after = await Promise.all(replicas.map((r) => r.stats()));
    for (let i = 0; i < replicas.length; i++) {
      const reloads = after[i]!.refreshes - before[i]!.refreshes;
      expect(reloads).toBe(0);
    }
  });

  test("a pause made through the API reaches every replica within 2 s, and so does the resume", async () => {
    const d = await activeDeployment("gw-replica-pause");
    const path = `/v1/models/gw-replica-pause/versions/${d.version}/v1/echo`;
    const status = (r: Replica) => async () => (await request(`${r.url}${path}`, { headers: auth(), body: "{}" })).status;
    for (const r of replicas) await expect.poll(status(r), { timeout: 10_000, interval: 50 }).toBe(200);

    const paused = await query(t.db, lifecycle("pauseDeployment"), { id: d.id });
    expect(paused.pauseDeployment.__typename).toBe("PauseDeploymentSuccess");
    const body = async (r: Replica) => (await request(`${r.url}${path}`, { headers: auth(), body: "{}" })).json?.code;
    for (const r of replicas) await expect.poll(() => body(r), { timeout: 2_000, interval: 25 }).toBe("DEPLOYMENT_PAUSED");

    await query(t.db, lifecycle("resumeDeployment"), { id: d.id });
    for (const r of replicas) await expect.poll(status(r), { timeout: 2_000, interval: 25 }).toBe(200);
  });

  test("percentiles merged from two replicas agree with the union of their requests", { timeout: 60_000 }, async () => {
    const d = await activeDeployment("gw-replica-merge");
    const base = `/v1/models/gw-replica-merge/versions/${d.version}/v1/delay/`;
    // Every request that reaches the upstream (status 200) is measured: its delay and the client's time are kept.
    const delays: number[] = [];
    const clientMs: number[] = [];
    const timed = async (replica: Replica, delay: number) => {
      const started = performance.now();
      const reply = await request(`${replica.url}${base}${delay}`, { headers: auth() });
      if (reply.status === 200) {
        clientMs.push(performance.now() - started);
        delays.push(delay);
      }
      return reply.status;
    };
    for (const r of replicas) await expect.poll(() => timed(r, 20), { timeout: 10_000, interval: 50 }).toBe(200);

    // A fixed distribution of upstream delays: 60 % at 20 ms, 30 % at 80 ms, 10 % at 300 ms, split over both replicas.
    const plan = Array.from({ length: 300 }, (_, i) => (i % 10 < 6 ? 20 : i % 10 < 9 ? 80 : 300));
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < plan.length) {
          const i = next++;
          expect(await timed(replicas[i % 2]!, plan[i]!)).toBe(200);
        }
      }),
    );
    const sent = delays.length;
    await expect.poll(async () => (await getDeploymentMetrics(t.db.prisma, d.id, "LAST_15_MINUTES")).requestCount, { timeout: 15_000, interval: 100 }).toBe(sent);
    for (const r of replicas) expect((await r.stats()).flushedEvents).toBeGreaterThan(0);

    // Every gateway-measured latency lies between the upstream's delay (its floor) and what the client
    // measured for the same request (its ceiling), so each true percentile of the union lies between the
    // same percentile of those two lists; the merged sketch may stray from it by its relative accuracy.
    const m = await getDeploymentMetrics(t.db.prisma, d.id, "LAST_15_MINUTES");
    const pct = (xs: number[], q: number) => {
      const s = [...xs].sort((a, b) => a - b);
      const rank = q * (s.length - 1);
      const lo = Math.floor(rank);
      return s[lo]! + (rank - lo) * ((s[lo + 1] ?? s[lo]!) - s[lo]!);
    };
    for (const [q, value] of [
      [0.5, m.p50LatencyMs],
      [0.95, m.p95LatencyMs],
    ] as const) {
      expect(value).not.toBeNull();
      expect(value!).toBeGreaterThanOrEqual(pct(delays, q) * (1 - RELATIVE_ACCURACY));
      expect(value!).toBeLessThanOrEqual(pct(clientMs, q) * (1 + RELATIVE_ACCURACY));
    }
  });

  test("a streamed response's time to first byte is recorded", { timeout: 30_000 }, async () => {
    const d = await activeDeployment("gw-replica-ttfb");
    const replica = replicas[0]!;
    const url = `${replica.url}/v1/models/gw-replica-ttfb/versions/${d.version}/v1/stream`;
    // Ready once a non-streamed path answers (only streamed responses have a time to first byte).
    const echo = `${replica.url}/v1/models/gw-replica-ttfb/versions/${d.version}/v1/echo`;
    await expect.poll(async () => (await request(echo, { headers: auth(), body: "{}" })).status, { timeout: 10_000, interval: 50 }).toBe(200);
    const before = (await replica.stats()).streamTtfb.count;
    // The upstream sends its first token 150 ms after the request, the rest 150 ms apart.
    const started = performance.now();
    const firstChunkMs = await new Promise<number>((resolve, reject) => {
      http
        .get(url, { headers: auth() }, (res) => {
          let first: number | null = null;
          res.on("data", () => (first ??= performance.now() - started));
          res.on("end", () => resolve(first!));
        })
        .on("error", reject);
    });
    const stats = await replica.stats();
    expect(stats.streamTtfb.count).toBe(before + 1);
    // At least the upstream's 150 ms; at most what the caller saw for its first chunk (nothing else is streamed here).
    const p50 = stats.streamTtfb.p50Ms!;
    if (before === 0) {
      expect(p50).toBeGreaterThanOrEqual(150 * (1 - RELATIVE_ACCURACY) - 2);
      expect(p50).toBeLessThanOrEqual(firstChunkMs * (1 + RELATIVE_ACCURACY));
    }
    expect(await replica.metricsText()).toMatch(/^trainyard_gateway_stream_ttfb_ms\{quantile="0.5"\} \d/m);
  });
});
