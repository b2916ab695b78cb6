/**
 * Inference-gateway benchmark (`npm run bench:gateway -- [--seconds 10] [--rate 1000] [--connections 64]
 * [--windows 3] [--fixed-rate-only]`). Needs `npm run build` (it runs build/gateway.mjs and build/server.mjs).
 *
 * Creates a database of its own on a PostgreSQL server (DATABASE_URL as admin, default
 * postgresql://postgres@127.0.0.1:5432/postgres), starts a small upstream (tests/gateway/upstream.mjs,
 * answers in well under 1 ms), two `trainyard gateway` processes and one `npm start` server (the mounted
 * gateway), then measures, side by side in one run:
 *   1. latency at a fixed rate (open loop, wrk2-style: each request has a due time and its latency is
 *      counted from that due time, so a stalled target cannot hide its queue): each gateway driven at the
 *      same time as direct calls to the upstream (both at the rate), and the latency the gateway adds (p50/p99);
 *   2. the highest sustained rate (wrk, closed loop, `--connections` connections), direct vs both;
 *   3. metrics lag: how long after the last response the database holds every request;
 *   4. routing freshness: a pause written to the database until a replica answers 503 (LISTEN/NOTIFY);
 *   5. two replicas: requests split over both with known upstream delays; the merged count and
 *      percentiles in the database vs the union's bounds (upstream delay ≤ gateway latency ≤ client latency).
 * It prints a table and drops the database. BENCH_GATEWAY_NODE_ARGS (e.g. "--cpu-prof
 * --cpu-prof-dir=/tmp/prof") is passed to node for the standalone gateways, for profiling; BENCH_WEB_ARGS
 * likewise for the web server (e.g. "--max-semi-space-size=64", to compare the mounted gateway with it).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { randomBytes } from "node:crypto";
import { Pool } from "undici";
import { openDatabase } from "../graphql/db.ts";
import { applyMigrations } from "../prisma/migrate.ts";
import { seedDemoData, seedUuid } from "../prisma/seed.ts";
import { deployJob } from "../graphql/services/deployments.ts";
import { createApiToken } from "../graphql/services/tokens.ts";
import { getDeploymentMetrics } from "../graphql/services/metrics.ts";
import { RELATIVE_ACCURACY } from "../graphql/services/sketch.ts";
import { completeJob } from "../tests/gateway/fixtures.ts";
import { processConfig } from "../graphql/config.ts";
import { benchArgs, createScratchDatabase } from "./bench-options.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = benchArgs();
const SECONDS = args.number("seconds", 10);
const RATE = args.number("rate", 1000);
const CONNECTIONS = args.number("connections", 64);
const FIXED_RATE_ONLY = args.flag("fixed-rate-only");
const WINDOWS = args.number("windows", 3);
const run = promisify(execFile);

function startProcess(args: string[], env: Record<string, string>, ready: RegExp): Promise<{ child: ChildProcess; match: RegExpExecArray }> {
  const child = spawn(process.execPath, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = ready.exec(line);
      if (match) resolve({ child, match });
    });
    child.once("exit", (code) => reject(new Error(`${args.join(" ")} exited with ${code}`)));
  });
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
const warned = new Set<number>();

/** percentile_cont over a sorted list (the definition the metrics use). */
function quantile(sorted: ArrayLike<number>, q: number) {
  const rank = q * (sorted.length - 1);
  const lo = Math.floor(rank);
  return sorted[lo]! + (rank - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? sorted[lo]!) - sorted[lo]!);
}

interface Paced {
  sent: number;
  errors: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** One keep-alive undici pool per origin for the paced client (a cheaper client than http.request: less of its own jitter). */
const pools = new Map<string, Pool>();
function poolFor(url: URL) {
  let pool = pools.get(url.origin);
  if (!pool) pools.set(url.origin, (pool = new Pool(url.origin, { connections: 128 })));
  return pool;
}

async function send(url: URL, headers: Record<string, string>): Promise<number> {
  const res = await poolFor(url).request({ path: url.pathname + url.search, method: "POST", headers: { ...headers, "content-type": "application/json" }, body: '{"prompt":"hi"}' });
  await res.body.dump();
  if (res.statusCode !== 200 && !warned.has(res.statusCode)) {
    warned.add(res.statusCode);
    console.log(`   (${url}: HTTP ${res.statusCode})`);
  }
  if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}`);
  return res.statusCode;
}

/**
 * Open loop at `rate` req/s for `seconds`, to every url at once: request i of each url is due at start + i/rate
 * and its latency runs from that due time to the last byte (coordinated omission corrected, as wrk2 does).
 * The urls are driven side by side in the same window, so the client's own scheduling jitter (timers fire at
 * ~1 ms granularity; its GC) and whatever else the machine does land on direct and gateway requests alike,
 * and the difference between them is what the gateway adds.
 */
async function paced(urls: string[], headers: Record<string, string>, rate: number, seconds: number): Promise<Paced[]> {
  const total = Math.round(rate * seconds);
  const targets = urls.map((u) => ({ url: new URL(u), latencies: new Float64Array(total), errors: 0 }));
  const interval = 1000 / rate;
  let sent = 0;
  let done = 0;
  const start = performance.now() + 5;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      for (; sent < total && start + sent * interval <= now; sent++) {
        const i = sent;
        const due = start + i * interval;
        for (const t of targets) {
          send(t.url, headers).then(
            () => (t.latencies[i] = performance.now() - due),
            () => ((t.latencies[i] = performance.now() - due), t.errors++),
          ).finally(() => {
            if (++done === total * targets.length) resolve();
          });
        }
      }
      if (sent < total) setTimeout(tick, 1);
    };
    setTimeout(tick, 5);
  });
  const elapsed = (performance.now() - start) / 1000;
  return targets.map((t) => {
    t.latencies.sort();
    const l = t.latencies;
    return { sent: total, errors: t.errors, rps: total / elapsed, p50: quantile(l, 0.5), p90: quantile(l, 0.9), p99: quantile(l, 0.99), max: l[total - 1]! };
  });
}

/** wrk (closed loop): requests per second and its latency percentiles; null when wrk is not installed. */
async function wrk(url: string, headers: Record<string, string>, connections: number, seconds: number) {
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  try {
    const { stdout } = await run("wrk", ["-t", "1", "-c", String(connections), "-d", `${seconds}s`, "--latency", ...headerArgs, url], { maxBuffer: 1 << 20 });
    const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
    const ms = (re: RegExp) => {
      const m = re.exec(stdout);
      if (!m) return NaN;
      return Number(m[1]) * (m[2] === "us" ? 0.001 : m[2] === "s" ? 1000 : 1);
    };
    const non2xx = num(/Non-2xx or 3xx responses: (\d+)/) || 0;
    const socketErrors = /Socket errors: (.*)/.exec(stdout)?.[1] ?? "none";
    return {
      rps: num(/Requests\/sec:\s+([\d.]+)/),
      requests: num(/(\d+) requests in/),
      p50: ms(/50%\s+([\d.]+)(us|ms|s)/),
      p99: ms(/99%\s+([\d.]+)(us|ms|s)/),
      errors: non2xx,
      socketErrors,
    };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/** Resident memory of a process, in MB, from /proc (Linux); NaN elsewhere. */
function rssMb(pid: number | undefined): number {
  try {
    return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
  } catch {
    return NaN;
  }
}

/** CPU time (user + system) a process has used, in ms, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Waits (at most 60 s) until the processes together use under 5 % of a core for a second. */
async function settle(pids: Array<number | undefined>) {
  const total = (): number => pids.reduce<number>((n, pid) => n + cpuMs(pid), 0);
  const deadline = performance.now() + 60_000;
  for (let before = total(); performance.now() < deadline; ) {
    await new Promise((r) => setTimeout(r, 1_000));
    const now = total();
    if (now - before < 50) return;
    before = now;
  }
}

const f = (ms: number) => (Number.isFinite(ms) ? ms.toFixed(2) : "—");
const pad = (s: string, n: number) => s.padEnd(n);

async function main() {
  const scratch = await createScratchDatabase(`trainyard_bench_gw_${randomBytes(4).toString("hex")}`);
  const { url } = scratch;
  const db = await openDatabase({ databaseUrl: url, poolSize: 4 });
  const children: ChildProcess[] = [];
  try {
    await applyMigrations(db);
    await seedDemoData(db);
    const upstream = await startProcess(["tests/gateway/upstream.mjs"], { UPSTREAM_NAME: "bench" }, /"port":(\d+)/);
    children.push(upstream.child);
    const upstreamUrl = `http://127.0.0.1:${upstream.match[1]}`;
    const d = await deployJob(db.prisma, { jobId: seedUuid("sql-v2"), actor: "bench", config: processConfig(), serving: { upstreamUrl } });
    // Readiness is the rollout worker's job in a server; here the bench marks it ACTIVE itself.
    await db.prisma.deployment.update({ where: { id: d.id }, data: { status: "ACTIVE", activatedAt: new Date() } });
    const { secret } = await createApiToken(db.prisma, { input: { name: "bench", scopes: ["invoke"] }, actor: "bench" });
    const headers = { authorization: `Bearer ${secret}` };
    const gwEnv: Record<string, string> = { DATABASE_URL: url, TRAINYARD_GATEWAY_PORT: "0", HOST: "127.0.0.1" };
    const nodeArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? "").split(" ").filter(Boolean);
    // The precompiled gateway with the flags `trainyard gateway` gives it (cli/trainyard.mjs), as its own process.
    const gwArgs = [...nodeArgs, "--max-semi-space-size=64", "build/gateway.mjs"];
    const gw1 = await startProcess(gwArgs, gwEnv, /ready: (http:\/\/[^/\s]+)/);
    const gw2 = await startProcess(gwArgs, gwEnv, /ready: (http:\/\/[^/\s]+)/);
    children.push(gw1.child, gw2.child);
    // The mounted gateway: `npm start`'s server (console, GraphQL, workers) on the same database.
    const web = await startProcess(
      [...(process.env.BENCH_WEB_ARGS ?? "").split(" ").filter(Boolean), "build/server.mjs"],
      { DATABASE_URL: url, PORT: "0", HOST: "127.0.0.1", TRAINYARD_SEED: "0", TRAINYARD_SIMULATOR: "0", TRAINYARD_EXECUTOR: "0" },
      /ready in [\d.]+ s: (http:\/\/[^\s/]+)/,
    );
    children.push(web.child);
    const path = `/v1/models/sql-copilot/versions/${d.version}/v1/echo`;
    const targets = [
      { label: "direct", short: "", url: `${upstreamUrl}/v1/echo` },
      { label: "gateway (trainyard gateway)", short: "standalone", url: `${gw1.match[1]}${path}` },
      { label: "gateway (mounted, npm start)", short: "mounted", url: `${web.match[1]}${path}` },
    ];
    const countNow = async (id = d.id) => (await getDeploymentMetrics(db.prisma, id, "LAST_15_MINUTES")).requestCount;

    // Let every process finish starting (the web server's workers recompute the seeded fleet's stats, for
    // one): on 2 cores their CPU would stall whichever window they land in. Quiet = under 5 % of a core.
    await settle([upstream.child.pid, gw1.child.pid, gw2.child.pid, web.child.pid]);
    // Warm-up (JIT, keep-alive connections).
    await paced(targets.map((t) => t.url), headers, RATE, 2);
    await new Promise((r) => setTimeout(r, 1500));

    console.log(`\n1. Fixed rate ${RATE} req/s, ${WINDOWS} windows of ${SECONDS} s per gateway (alternating), each gateway side by side with direct calls`);
    console.log(`   in the same window (open loop; latency from each request's due time, ms). On a shared 2-core machine the tail of`);
    console.log(`   one window is noise-prone (the direct calls' own p99 moves between windows), so "added" is the median over the windows.`);
    console.log(`   ${pad("target", 30)} ${pad("window", 7)} ${pad("req/s", 7)} ${pad("p50", 7)} ${pad("p90", 7)} ${pad("p99", 7)} ${pad("max", 8)} errors`);
    const addedP50 = new Map<string, number[]>();
    const addedP99 = new Map<string, number[]>();
    let lag = NaN;
    let lagCount = 0;
    for (let w = 1; w <= WINDOWS; w++) {
      for (const t of targets.slice(1)) {
        const before = await countNow();
        const [direct, gateway] = await paced([targets[0]!.url, t.url], headers, RATE, SECONDS);
        const lastResponse = performance.now();
        for (const [label, r] of [[`direct (alongside ${t.short})`, direct!], [t.label, gateway!]] as const) {
          console.log(`   ${pad(label, 30)} ${pad(String(w), 7)} ${pad(r.rps.toFixed(0), 7)} ${pad(f(r.p50), 7)} ${pad(f(r.p90), 7)} ${pad(f(r.p99), 7)} ${pad(f(r.max), 8)} ${r.errors}`);
        }
        addedP50.set(t.label, [...(addedP50.get(t.label) ?? []), gateway!.p50 - direct!.p50]);
        addedP99.set(t.label, [...(addedP99.get(t.label) ?? []), gateway!.p99 - direct!.p99]);
        if (t === targets[1] && w === 1) {
          // 3. Metrics lag: the gateway flushes once per second; when does the database hold every request?
          lagCount = gateway!.sent - gateway!.errors;
          for (;;) {
            if ((await countNow()) >= before + lagCount) {
              lag = performance.now() - lastResponse;
              break;
            }
            if (performance.now() - lastResponse > 30_000) break;
            await new Promise((res) => setTimeout(res, 20));
          }
        }
      }
    }
    const median = (xs: number[]) => quantile(Float64Array.from(xs).sort(), 0.5);
    for (const t of targets.slice(1)) {
      const p99s = addedP99.get(t.label)!;
      console.log(`   added by ${pad(t.label, 28)}: p50 ${f(median(addedP50.get(t.label)!))} ms, p99 ${f(median(p99s))} ms (median; windows: ${p99s.map(f).join(", ")})`);
    }
    console.log(`   resident memory after the fixed-rate runs: trainyard gateway ${rssMb(gw1.child.pid).toFixed(0)} MB, npm start (mounted) ${rssMb(web.child.pid).toFixed(0)} MB`);
    if (FIXED_RATE_ONLY) return;

    console.log(`\n2. Highest sustained rate: wrk, ${CONNECTIONS} connections, ${SECONDS} s (closed loop)`);
    console.log(`   ${pad("target", 30)} ${pad("req/s", 8)} ${pad("p50 ms", 7)} ${pad("p99 ms", 7)} ${pad("CPU µs/req", 11)} errors`);
    const pids = [upstream.child.pid, gw1.child.pid, web.child.pid];
    for (const [i, t] of targets.entries()) {
      const cpuBefore = cpuMs(pids[i]);
      const w = await wrk(t.url, headers, CONNECTIONS, SECONDS);
      // The serving process's own CPU per request: what it costs independent of how busy the machine is
      // (the gateway rows are the gateway process alone, not its upstream).
      const cpuPerRequest = w ? ((cpuMs(pids[i]) - cpuBefore) * 1000) / w.requests : NaN;
      if (!w) {
        console.log("   wrk is not installed: skipped (apt-get install wrk)");
        break;
      }
      console.log(`   ${pad(t.label, 30)} ${pad(w.rps.toFixed(0), 8)} ${pad(f(w.p50), 7)} ${pad(f(w.p99), 7)} ${pad(cpuPerRequest.toFixed(0), 11)} non-2xx ${w.errors}, socket ${w.socketErrors}`);
    }

    console.log(`\n3. Metrics lag: all ${lagCount} requests of the first standalone fixed-rate window were in the database ${f(lag)} ms after the last response`);

    // 4. Routing freshness: a pause written straight to the database, until replica 2 answers 503.
    const paused = await new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      db.prisma.deployment
        .update({ where: { id: d.id }, data: { status: "PAUSED" } })
        .then(async () => {
          for (;;) {
            const code = await new Promise<number>((res) => {
              http.get(`${gw2.match[1]}${path}`, { agent, headers }, (r) => (r.resume(), res(r.statusCode ?? 0))).on("error", () => res(0));
            });
            if (code === 503) return resolve(performance.now() - t0);
            if (performance.now() - t0 > 10_000) return resolve(NaN);
            await new Promise((r) => setTimeout(r, 2));
          }
        }, reject);
    });
    await db.prisma.deployment.update({ where: { id: d.id }, data: { status: "ACTIVE" } });
    const healthz = (await (await fetch(`${gw2.match[1]}/healthz`)).json()) as { listening: boolean };
    console.log(`\n4. Routing freshness: a pause committed → replica 2 answers 503 after ${f(paused)} ms (LISTEN ${healthz.listening ? "on" : "off"}; polling every 1 s underneath)`);

    // 5. Two replicas: a second deployment whose upstream path sets the delay; split over both replicas.
    const d5 = await deployJob(db.prisma, { jobId: await completeJob(db, "bench-merge"), actor: "bench", config: processConfig(), serving: { upstreamUrl } });
    await db.prisma.deployment.update({ where: { id: d5.id }, data: { status: "ACTIVE", activatedAt: new Date() } });
    const d5path = `/v1/models/bench-merge/versions/${d5.version}/v1/delay/`;
    const replicas = [gw1.match[1]!, gw2.match[1]!];
    // Each request that reached the upstream: its delay (a floor for the gateway's latency) and the client's time (a ceiling).
    const floor: number[] = [];
    const ceiling: number[] = [];
    const timed = (replica: string, delay: number) => {
      const t0 = performance.now();
      return new Promise<number>((res) =>
        http
          .get(`${replica}${d5path}${delay}`, { agent, headers }, (x) => {
            x.resume();
            x.on("end", () => {
              if (x.statusCode === 200) {
                ceiling.push(performance.now() - t0);
                floor.push(delay);
              }
              res(x.statusCode ?? 0);
            });
          })
          .on("error", () => res(0)),
      );
    };
    for (const r of replicas) {
      for (let i = 0; i < 200 && (await timed(r, 2)) !== 200; i++) await new Promise((res) => setTimeout(res, 50));
    }
    const plan = Array.from({ length: 2000 }, (_, i) => (i % 10 < 6 ? 2 : i % 10 < 9 ? 10 : 40));
    let next = 0;
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < plan.length) {
          const i = next++;
          await timed(replicas[i % 2]!, plan[i]!);
        }
      }),
    );
    const t5 = performance.now();
    while ((await countNow(d5.id)) < floor.length && performance.now() - t5 < 15_000) await new Promise((r) => setTimeout(r, 50));
    const m5 = await getDeploymentMetrics(db.prisma, d5.id, "LAST_15_MINUTES");
    floor.sort((a, b) => a - b);
    ceiling.sort((a, b) => a - b);
    console.log(`\n5. Two replicas, ${plan.length} requests split evenly (upstream delays 60 % 2 ms, 30 % 10 ms, 10 % 40 ms), merged in the database:`);
    console.log(`   answered 200 (probes included): ${floor.length}; recorded, merged from both replicas: ${m5.requestCount} (${floor.length === m5.requestCount ? "equal" : "DIFFERENT"})`);
    for (const [q, v] of [
      [0.5, m5.p50LatencyMs],
      [0.95, m5.p95LatencyMs],
      [0.99, m5.p99LatencyMs],
    ] as const) {
      const lo = quantile(floor, q) * (1 - RELATIVE_ACCURACY);
      const hi = quantile(ceiling, q) * (1 + RELATIVE_ACCURACY);
      console.log(`   p${q * 100}: merged ${f(v ?? NaN)} ms; the union's true value lies in [${f(lo)}, ${f(hi)}] ms → ${v !== null && v >= lo && v <= hi ? "within" : "OUTSIDE"}`);
    }
  } finally {
    for (const c of children) c.kill("SIGTERM");
    await new Promise((r) => setTimeout(r, 1500));
    await db.close();
    await scratch.drop();
    agent.destroy();
    await Promise.all([...pools.values()].map((p) => p.destroy()));
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
