/**
 * Inference-gateway benchmark (`npm run bench:gateway -- [--seconds 10] [--rate 1000]`).
 *
 * Creates a database of its own on a PostgreSQL server (DATABASE_URL as admin, default
 * postgresql://postgres@127.0.0.1:5432/postgres), starts a small upstream (tests/gateway/upstream.mjs,
 * answers in well under 1 ms) and two `trainyard gateway` processes, then prints side by side:
 *   1. latency at a fixed rate, direct to the upstream vs through one gateway (added p50/p99);
 *   2. the highest sustained rate through one gateway (closed loop, 64 connections), next to direct;
 *   3. how long after the last request the database holds every request (metrics lag);
 *   4. two replicas: the requests each measured, merged in the database, vs the requests sent.
 * The database is dropped afterwards.
 */
import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase } from "../graphql/db.ts";
import { applyMigrations } from "../prisma/migrate.ts";
import { seedDemoData, seedUuid } from "../prisma/seed.ts";
import { deployJob } from "../graphql/services/deployments.ts";
import { createApiToken } from "../graphql/services/tokens.ts";
import { getDeploymentMetrics } from "../graphql/services/metrics.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return Number(i >= 0 ? args[i + 1] : fallback);
};
const SECONDS = option("seconds", "10");
const RATE = option("rate", "1000");
const adminUrl = process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

function withDatabase(url: string, name: string) {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; line: string }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      if (ready.test(line)) resolve({ child, line });
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });

function hit(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: "POST", agent, headers: { ...headers, "content-type": "application/json", "content-length": "15" } }, (res) => {
      res.resume();
      res.on("end", () => (res.statusCode === 200 ? resolve(performance.now() - started) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on("error", reject);
    req.end('{"prompt":"hi"}');
  });
}

function quantile(sorted: number[], q: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

/** Open loop: `rate` requests per second for `seconds`, in 5 ms ticks; latency of each. */
async function fixedRate(url: string, headers: Record<string, string>, rate: number, seconds: number) {
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  let errors = 0;
  const perTick = rate / 200;
  const start = performance.now();
  let sent = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor(((performance.now() - start) / 5) * perTick);
    for (; sent < due; sent++) pending.push(hit(url, headers).then((ms) => void latencies.push(ms), () => void errors++));
    await new Promise((r) => setTimeout(r, 5));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return { sent, errors, rps: sent / elapsed, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };
}

/** Closed loop: `connections` callers back to back for `seconds`. */
async function maxRate(url: string, headers: Record<string, string>, connections: number, seconds: number) {
  let done = 0;
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      while (performance.now() < end) {
        await hit(url, headers).then(() => void done++, () => void errors++);
      }
    }),
  );
  return { done, errors, rps: done / ((performance.now() - start) / 1000) };
}

const fmt = (ms: number) => `${ms.toFixed(2)} ms`;

async function main() {
  const name = `trainyard_bench_gw_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = withDatabase(adminUrl, name);
  const db = await openDatabase({ databaseUrl: url, poolSize: 4 });
  const children: ChildProcess[] = [];
  try {
    await applyMigrations(db);
    await seedDemoData(db);
    const upstream = await startProcess(["tests/gateway/upstream.mjs"], { UPSTREAM_NAME: "bench" }, /port/);
    children.push(upstream.child);
    const upstreamUrl = `http://127.0.0.1:${(JSON.parse(upstream.line) as { port: number }).port}`;
    const d = await deployJob(db.prisma, seedUuid("sql-v2"), "bench", { serving: { upstreamUrl } });
    // Readiness is the rollout worker's job in a server; here the bench marks it ACTIVE itself.
    await db.prisma.deployment.update({ where: { id: d.id }, data: { status: "ACTIVE", activatedAt: new Date() } });
    const { secret } = await createApiToken(db.prisma, { name: "bench", scopes: ["invoke"] }, "bench");
    const headers = { authorization: `Bearer ${secret}` };
    const gwEnv: Record<string, string> = { DATABASE_URL: url, TRAINYARD_GATEWAY_PORT: "0", HOST: "127.0.0.1", ...(process.env.BENCH_GATEWAY_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_GATEWAY_NODE_OPTIONS } : {}) };
    const gw1 = await startProcess(["--import", "tsx", "cli/gateway.ts"], gwEnv, /ready: http/);
    const gw2 = await startProcess(["--import", "tsx", "cli/gateway.ts"], gwEnv, /ready: http/);
    children.push(gw1.child, gw2.child);
    const base = (line: string) => /ready: (http:\/\/[^/]+)/.exec(line)![1]!;
    const g1 = `${base(gw1.line)}/v1/models/sql-copilot/versions/${d.version}/v1/echo`;
    const g2 = `${base(gw2.line)}/v1/models/sql-copilot/versions/${d.version}/v1/echo`;
    const direct = `${upstreamUrl}/v1/echo`;

    // Warm-up (JIT, keep-alive connections).
    await maxRate(direct, headers, 16, 1);
    await maxRate(g1, headers, 16, 1);
    const countNow = async () => (await getDeploymentMetrics(db.prisma, d.id, "LAST_15_MINUTES")).requestCount;
    await new Promise((r) => setTimeout(r, 1500));

    const seq = async (u: string) => {
      const l: number[] = [];
      for (let i = 0; i < 300; i++) l.push(await hit(u, headers));
      l.sort((x, y) => x - y);
      return `p50 ${fmt(quantile(l, 0.5))}, p99 ${fmt(quantile(l, 0.99))}`;
    };
    console.log(`\n0. One at a time, 300 requests: direct ${await seq(direct)}; gateway ${await seq(g1)}`);
    console.log(`\n1. Fixed rate ${RATE} req/s for ${SECONDS} s (open loop)`);
    const a = await fixedRate(direct, headers, RATE, SECONDS);
    const b = await fixedRate(g1, headers, RATE, SECONDS);
    console.log(`   direct   : ${a.rps.toFixed(0)} req/s, p50 ${fmt(a.p50)}, p99 ${fmt(a.p99)}, errors ${a.errors}`);
    console.log(`   gateway  : ${b.rps.toFixed(0)} req/s, p50 ${fmt(b.p50)}, p99 ${fmt(b.p99)}, errors ${b.errors}`);
    console.log(`   added    : p50 ${fmt(b.p50 - a.p50)}, p99 ${fmt(b.p99 - a.p99)}`);

    console.log(`\n2. Highest sustained rate, 64 connections, ${SECONDS} s (closed loop)`);
    const c = await maxRate(direct, headers, 64, SECONDS);
    const before = await countNow();
    const e = await maxRate(g1, headers, 64, SECONDS);
    const lastSent = performance.now();
    console.log(`   direct   : ${c.rps.toFixed(0)} req/s (errors ${c.errors})`);
    console.log(`   gateway  : ${e.rps.toFixed(0)} req/s (errors ${e.errors})`);

    // 3. The gateway flushes once per second: when does the database hold all of it?
    let lag = NaN;
    for (;;) {
      if ((await countNow()) >= before + e.done) {
        lag = performance.now() - lastSent;
        break;
      }
      if (performance.now() - lastSent > 30_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    console.log(`\n3. Metrics lag: every one of the ${e.done} requests is in the database ${fmt(lag)} after the last one`);

    // 4. Two replicas, merged in the database.
    const before4 = await countNow();
    const r1 = await fixedRate(g1, headers, RATE / 2, 3);
    const r2 = await fixedRate(g2, headers, RATE / 2, 3);
    const sent = r1.sent - r1.errors + r2.sent - r2.errors;
    for (let i = 0; i < 100 && (await countNow()) < before4 + sent; i++) await new Promise((r) => setTimeout(r, 100));
    const merged = await getDeploymentMetrics(db.prisma, d.id, "LAST_15_MINUTES");
    console.log(`\n4. Two replicas: sent ${sent}, recorded (merged from both) ${merged.requestCount - before4}`);
    console.log(`   merged p50 ${fmt(merged.p50LatencyMs ?? NaN)}, p99 ${fmt(merged.p99LatencyMs ?? NaN)} (all gateway-side latencies of this deployment)`);
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 500));
    await db.close();
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
    agent.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
