/**
 * Fleet-scale benchmark over HTTP (`npm run bench -- [--scale 0.1] [--seconds 5] [--rounds 3] [--idle 60] [--keep]`).
 *
 * Creates a database of its own on a PostgreSQL server (DATABASE_URL as admin, default
 * postgresql://postgres@127.0.0.1:5432/postgres), fills it with 10,000 × scale deployments and the
 * rollups of ~50 million × scale events over 7 days (written by INSERT … SELECT generate_series from real
 * sketches), starts the real server (`cli/server.ts`) on a free port, and measures every row of issue 12
 * over HTTP with wrk (Debian's `wrk`), interleaving each product run with its floor run, `rounds` times,
 * and printing medians: product, floor and their ratio. The SQL floors are single hand-written statements
 * run by this process on their own connections; the run checks they return the same rows. The ingestion
 * floor is `COPY` of the same events into a plain table (4 `psql \copy` processes at once).
 * The database is dropped afterwards unless --keep is given.
 */
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";
import pg from "pg";
import { openDatabase } from "../graphql/db.ts";
import { refreshDeploymentStats, windowBounds } from "../graphql/services/metrics.ts";
import { LatencySketch } from "../graphql/services/sketch.ts";
import { createApiToken } from "../graphql/services/tokens.ts";
import { trainerKind } from "../graphql/services/training-queries.ts";
import { logNormal, seededRandom } from "../graphql/services/random.ts";
import { applyMigrations } from "../prisma/migrate.ts";
import { writeFleet, writeRollupDataset } from "./bench-dataset.ts";
import { benchArgs, createScratchDatabase } from "./bench-options.ts";
import { serverNodeArgs } from "./start-command.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const args = benchArgs();
const scale = args.number("scale", 1);
const SECONDS = args.number("seconds", 5);
const ROUNDS = Math.max(1, Math.round(args.number("rounds", 3)));
const IDLE_SECONDS = args.number("idle", 60);
args.check(scale > 0 && scale <= 1 && SECONDS >= 1 && IDLE_SECONDS >= 5, "usage: npm run bench -- [--scale (0,1]] [--seconds ≥1] [--rounds n] [--idle ≥5] [--keep]");
const keep = args.flag("keep");

const DEPLOYMENTS = Math.max(100, Math.round(10_000 * scale));
/** The fleet the dashboard is also measured on (issue 12: its cost within 20 % of the full fleet's). */
const SMALL_FLEET = 100;
const EVENTS = Math.round(50_000_000 * scale);
const READ_CONNECTIONS = 10;
const INGEST_CLIENTS = 4;
const INGEST_TARGETS = 40;
const random = seededRandom(2026);

const log = (line = "") => process.stdout.write(`${line}\n`);
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const pct = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))] ?? NaN;

function ensureWrk() {
  try {
    execFileSync("wrk", ["-v"], { stdio: "ignore" });
  } catch (err) {
    // wrk -v exits 1 after printing its version; only a missing binary is a problem.
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      log("wrk not found: installing Debian's wrk (apt-get install -y wrk)");
      execFileSync("apt-get", ["install", "-y", "wrk"], { stdio: "inherit" });
    }
  }
}


// ---------------------------------------------------------------- server processes and their resources

const liveServers: Server[] = [];

interface Server {
  url: string;
  proc: ChildProcess;
  pid: number;
}

const BENCH_ADMIN = { name: "bench", password: `bench-${process.pid}-${Date.now()}` };
let consoleCookie = "";

/** Signs in once as the benchmark's admin; console pages are measured with that session. */
async function signIn(baseUrl: string): Promise<string> {
  const res = await fetch(`${baseUrl}/login`, { method: "POST", body: new URLSearchParams(BENCH_ADMIN), redirect: "manual" });
  const cookie = res.headers.get("set-cookie")?.match(/ty_session=[^;]+/)?.[0];
  if (res.status !== 302 || !cookie) throw new Error(`signing in to ${baseUrl} answered ${res.status}`);
  return cookie;
}

async function startServer(databaseUrl: string): Promise<Server> {
  // What `npm start` runs: its flags (the heap limit) and build/server.mjs, with no NODE_ENV (the server's entry picks
  // its packages' production builds itself; a benchmark that set it had measured builds users did not run).
  const env: Partial<NodeJS.ProcessEnv> = { ...process.env };
  delete env.NODE_ENV;
  const proc = spawn(process.execPath, serverNodeArgs(), {
    cwd: root,
    env: {
      ...(env as NodeJS.ProcessEnv),
      DATABASE_URL: databaseUrl,
      PORT: "0",
      HOST: "127.0.0.1",
      TRAINYARD_SEED: "off",
      TRAINYARD_SIMULATOR: "off",
      TRAINYARD_EXECUTOR: "off",
      TRAINYARD_ROLLOUT: "off",
      DATABASE_POOL_SIZE: "10",
      // The console always signs in: the benchmark measures pages as a signed-in admin (see consoleCookie).
      TRAINYARD_ADMIN_USER: BENCH_ADMIN.name,
      TRAINYARD_ADMIN_PASSWORD: BENCH_ADMIN.password,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 120 s:\n${output}`)), 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /ready in [^:]+: (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace("localhost", "127.0.0.1"));
      }
    };
    proc.stdout!.on("data", onData);
    proc.stderr!.on("data", (c: Buffer) => (output += c.toString()));
    proc.on("exit", (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
  proc.stdout!.resume();
  proc.stderr!.resume();
  return { url, proc, pid: proc.pid! };
}

async function stopServer(s: Server) {
  if (s.proc.exitCode !== null) return;
  const exited = new Promise((resolve) => s.proc.once("exit", resolve));
  s.proc.kill("SIGTERM");
  await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
  if (s.proc.exitCode === null) s.proc.kill("SIGKILL");
}

const TICKS = 100; // USER_HZ on Linux
function cpuSeconds(pid: number) {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICKS;
}
function rssMb(pid: number) {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}
/** Samples a process's RSS every 250 ms until stopped; returns the peak. */
function rssSampler(pid: number) {
  let peak = rssMb(pid);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssMb(pid));
    } catch {
      /* exited */
    }
  }, 250);
  return () => {
    clearInterval(timer);
    return peak;
  };
}

/** CPU seconds so far of some processes, of each PostgreSQL process, and of the whole machine (/proc/stat). */
interface CpuSnapshot {
  at: number;
  servers: number;
  postgres: Map<string, number>;
  machine: number;
}
interface CpuShare {
  servers: number;
  postgres: number;
  machine: number;
}
function processCpu(pid: number) {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0; // exited between the listing and the read
  }
}
function cpuSnapshot(serverPids: number[]): CpuSnapshot {
  const postgres = new Map<string, number>();
  for (const d of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/comm`, "utf8").trim() === "postgres") postgres.set(d, cpuSeconds(Number(d)));
    } catch {
      /* exited */
    }
  }
  // The first line of /proc/stat: user nice system idle iowait irq softirq steal … in USER_HZ ticks; busy = all but idle and iowait.
  const ticks = fs.readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
  const busy = ticks.reduce((a, b) => a + b, 0) - ticks[3]! - ticks[4]!;
  return { at: performance.now(), servers: serverPids.reduce((n, pid) => n + processCpu(pid), 0), postgres, machine: busy / TICKS };
}
/**
 * Cores busy between two snapshots (CPU seconds per second). PostgreSQL's is summed per process over those alive at
 * the end (a backend that started meanwhile counts whole); one that ended meanwhile is missed.
 */
function cpuShare(a: CpuSnapshot, b: CpuSnapshot): CpuShare {
  const wall = (b.at - a.at) / 1000;
  let postgres = 0;
  for (const [pid, cpu] of b.postgres) postgres += cpu - (a.postgres.get(pid) ?? 0);
  return { servers: (b.servers - a.servers) / wall, postgres: postgres / wall, machine: (b.machine - a.machine) / wall };
}

// ---------------------------------------------------------------- load generators

interface LoadResult {
  p50: number;
  p95: number;
  rps: number;
  requests: number;
  failures: number;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "trainyard-bench-"));
let scriptCount = 0;

/** A wrk script sending `bodies` round-robin (one per line of a file) or plain GETs; prints its figures as JSON. */
/** `pathAndQuery` is one path for every request, or one per body (the events endpoint names the deployment in its path). */
function wrkScript(method: "GET" | "POST", pathAndQuery: string | string[], bodies: string[] | null, headers: Record<string, string>) {
  const id = scriptCount++;
  const bodyFile = path.join(tmp, `bodies-${id}.txt`);
  const pathFile = path.join(tmp, `paths-${id}.txt`);
  if (bodies) fs.writeFileSync(bodyFile, bodies.join("\n") + "\n");
  const perBody = Array.isArray(pathAndQuery);
  if (perBody) fs.writeFileSync(pathFile, pathAndQuery.join("\n") + "\n");
  // wrk's Lua math.random is unseeded: every thread of every wrk process would start at the same body and send the same
  // deployment's batch in lock-step (waiting on each other's row locks). Each thread starts at its own place instead,
  // spread over the list and over the wrk processes running at once (argument "part/parts threads", see wrk()).
  const lua = `
local bodies = {}
local paths = {}
local counter = 0
local threads = 0
function setup(thread)
  thread:set("slot", threads)
  threads = threads + 1
end
local headers = {${Object.entries(headers)
    .map(([k, v]) => `[${JSON.stringify(k)}] = ${JSON.stringify(v)}`)
    .join(", ")}}
function init(args)
  ${perBody ? `for line in io.lines(${JSON.stringify(pathFile)}) do paths[#paths + 1] = line end` : ""}
  ${bodies ? `for line in io.lines(${JSON.stringify(bodyFile)}) do bodies[#bodies + 1] = line end
  local part, parts, perWrk = tonumber(args[1] or "0"), tonumber(args[2] or "1"), tonumber(args[3] or "1")
  counter = math.floor(#bodies * (part * perWrk + slot) / (parts * perWrk)) % #bodies` : ""}
end
function request()
  ${bodies ? `counter = counter % #bodies + 1
  return wrk.format(${JSON.stringify(method)}, ${perBody ? "paths[counter]" : JSON.stringify(pathAndQuery)}, headers, bodies[counter])` : `return wrk.format("GET", ${JSON.stringify(pathAndQuery)}, headers, nil)`}
end
function done(summary, latency, requests)
  io.write(string.format("WRKJSON {\\"requests\\":%d,\\"duration\\":%d,\\"p50\\":%d,\\"p95\\":%d,\\"non2xx\\":%d,\\"errors\\":%d}\\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
`;
  const file = path.join(tmp, `script-${id}.lua`);
  fs.writeFileSync(file, lua);
  return file;
}

/** `spread`: this is wrk process `part` of `parts` sending the same script at once (their threads start at different bodies). */
function wrk(baseUrl: string, script: string, connections: number, seconds = SECONDS, spread = { part: 0, parts: 1 }): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const threads = Math.min(2, connections);
    const p = spawn("wrk", ["-t", String(threads), "-c", String(connections), "-d", `${seconds}s`, "--timeout", "30s", "-s", script, baseUrl, "--", String(spread.part), String(spread.parts), String(threads)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    p.stdout.on("data", (c: Buffer) => (out += c.toString()));
    p.stderr.on("data", (c: Buffer) => (out += c.toString()));
    p.on("exit", () => {
      const m = /WRKJSON (\{.*\})/.exec(out);
      if (!m) return reject(new Error(`wrk failed:\n${out}`));
      const r = JSON.parse(m[1]!) as { requests: number; duration: number; p50: number; p95: number; non2xx: number; errors: number };
      resolve({ p50: r.p50 / 1000, p95: r.p95 / 1000, rps: r.requests / (r.duration / 1e6), requests: r.requests, failures: r.non2xx + r.errors });
    });
  });
}

/** A closed loop of `connections` clients running `fn` for `seconds`: the SQL floors. */
async function closedLoop(pool: pg.Pool, connections: number, fn: (c: pg.PoolClient) => Promise<unknown>, seconds = SECONDS): Promise<LoadResult> {
  const times: number[] = [];
  const until = performance.now() + seconds * 1000;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      const c = await pool.connect();
      try {
        while (performance.now() < until) {
          const s = performance.now();
          await fn(c);
          times.push(performance.now() - s);
        }
      } finally {
        c.release();
      }
    }),
  );
  const sorted = times.sort((a, b) => a - b);
  return { p50: pct(sorted, 0.5), p95: pct(sorted, 0.95), rps: times.length / ((performance.now() - t0) / 1000), requests: times.length, failures: 0 };
}

async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body: JSON.stringify(body) });
  const json = (await res.json()) as { data?: any; errors?: Array<{ message: string }> };
  if (json.errors?.length) throw new Error(`GraphQL error: ${json.errors[0]!.message}`);
  return json.data;
}

/** Time to first byte and to the last byte of a GET. */
function timeGet(url: string): Promise<{ ttfb: number; total: number; bytes: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfb = 0;
    let bytes = 0;
    http
      .get(url, { headers: { cookie: consoleCookie } }, (res) => {
        res.on("data", (c: Buffer) => {
          if (!ttfb) ttfb = performance.now() - t0;
          bytes += c.length;
        });
        res.on("end", () => resolve({ ttfb, total: performance.now() - t0, bytes }));
      })
      .on("error", reject);
  });
}

// ---------------------------------------------------------------- main

async function main() {
  ensureWrk();
  const scratch = await createScratchDatabase(`trainyard_bench_${process.pid}`);
  const { url: dbUrl, version } = scratch;
  const servers = liveServers;
  let small: Awaited<ReturnType<typeof createScratchDatabase>> | undefined;
  try {
    log(`Trainyard fleet benchmark — scale ${scale}: ${DEPLOYMENTS.toLocaleString("en-US")} deployments, rollups of ~${EVENTS.toLocaleString("en-US")} events over 7 days`);
    log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? "?"}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, load ${os.loadavg().map((l) => fmt(l)).join(" ")}, PostgreSQL ${version}, Node ${process.version}`);
    log(`wrk, ${READ_CONNECTIONS} connections for reads, ${INGEST_CLIENTS} for ingestion, ${SECONDS} s per run, ${ROUNDS} rounds, product and floor interleaved; medians of the rounds`);
    await buildDataset(dbUrl);
    // The dashboard's cost must not grow with the fleet: the same query against a fleet of 100, same traffic per deployment.
    small = await createScratchDatabase(`trainyard_bench_${process.pid}_small`);
    await buildDataset(small.url, { deployments: SMALL_FLEET, events: Math.round((EVENTS * SMALL_FLEET) / DEPLOYMENTS), label: "small fleet" });
    await run(dbUrl, servers, small.url);
  } finally {
    for (const s of servers) await stopServer(s);
    await scratch.drop({ keep, log });
    await small?.drop({ keep, log });
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

async function buildDataset(dbUrl: string, fleet: { deployments: number; events: number; label?: string } = { deployments: DEPLOYMENTS, events: EVENTS }) {
  const { deployments: DEPLOYMENTS, events: EVENTS } = fleet;
  const label = fleet.label ? `${fleet.label} (${DEPLOYMENTS.toLocaleString("en-US")} deployments) ` : "";
  const db = await openDatabase({ databaseUrl: dbUrl, poolSize: 4 });
  const sql = (text: string, params: unknown[] = []) => db.withConnection((c) => c.query(text, params));
  try {
    await applyMigrations(db);
    const now = new Date();
    const t0 = performance.now();
    await writeFleet(sql, DEPLOYMENTS);
    await writeRollupDataset(sql, { deployments: DEPLOYMENTS, events: EVENTS, now, random });
    // The fleet rollup of those hour rows, as ingestion would have kept it (same statement as the migration's backfill).
    await sql(`INSERT INTO "FleetRollup" ("bucketStart", "shard", "requestCount", "clientErrorCount", "serverErrorCount")
               SELECT "bucketStart", (hashtext("deploymentId"::text) & 15), sum("requestCount"), sum("clientErrorCount"), sum("serverErrorCount")
               FROM "InferenceRollup" WHERE "resolution" = 'HOUR' GROUP BY 1, 2`);
    await sql(`VACUUM ANALYZE "InferenceRollup"`);
    const datasetMs = performance.now() - t0;
    const counts = (await sql(`SELECT resolution::text AS r, count(*)::int AS n, sum("requestCount")::bigint AS e FROM "InferenceRollup" GROUP BY 1 ORDER BY 1`)) as Array<{ r: string; n: number; e: string }>;
    log(`${label}dataset: ${counts.map((c) => `${c.n.toLocaleString("en-US")} ${c.r} rollups (${Number(c.e).toLocaleString("en-US")} events)`).join(", ")} in ${fmt(datasetMs / 1000)} s`);
    const ids = ((await sql(`SELECT id::text AS id FROM "Deployment" ORDER BY id`)) as Array<{ id: string }>).map((r) => r.id);
    const s0 = performance.now();
    for (let i = 0; i < ids.length; i += 200) await refreshDeploymentStats(db.prisma, ids.slice(i, i + 200), now);
    const statsMs = performance.now() - s0;
    // The database as autovacuum keeps it: visibility maps, hint bits, statistics. (A PostgreSQL with autovacuum off,
    // as on the machines this ran on, would otherwise measure a freshly bulk-loaded database.)
    await sql(`VACUUM ANALYZE`);
    log(`${label}DeploymentStats of all ${ids.length.toLocaleString("en-US")} deployments (what the maintenance pass does at each hour boundary for deployments with traffic this week): ${fmt(statsMs / 1000)} s`);
  } finally {
    await db.close();
  }
}

async function run(dbUrl: string, servers: Server[], smallFleetUrl: string) {
  const pool = new pg.Pool({ connectionString: dbUrl, max: READ_CONNECTIONS + INGEST_CLIENTS + 2 });
  try {
    const tokenDb = await openDatabase({ databaseUrl: dbUrl, poolSize: 1 });
    const { secret } = await createApiToken(tokenDb.prisma, { input: { name: "bench", scopes: ["read", "ingest"] }, actor: "bench" });
    await tokenDb.close();
    const auth = { Authorization: `Bearer ${secret}` };

    const t0 = performance.now();
    const a = await startServer(dbUrl);
    consoleCookie = await signIn(a.url);
    servers.push(a);
    log(`server: ${a.url} ready in ${fmt((performance.now() - t0) / 1000)} s, RSS ${fmt(rssMb(a.pid), 0)} MB after start`);
    log();
    const gql = `${a.url}/graphql`;
    const now = new Date();
    const hour = windowBounds("LAST_HOUR", now);
    const day = windowBounds("LAST_24_HOURS", now);

    // ---------------------------------------------------------------- the read rows
    const DASHBOARD = `query { dashboard { activeDeployments runningJobs queuedJobs completedJobs failedJobs24h requests24h errorRate24h alertsFiring } }`;
    const PAGE = `query DeploymentsPage($filter: DeploymentFilter, $sort: DeploymentSort, $first: Int, $offset: Int) {
      deployments(filter: $filter, sort: $sort, first: $first, offset: $offset) {
        totalCount
        nodes { id modelName version status trainer simulatedTraffic failureReason createdAt isProduction simulated metrics(window: LAST_HOUR) { requestsPerSecond p95LatencyMs errorRate } }
      }
      everything: deployments(first: 0) { totalCount }
    }`;
    const byP95 = { query: PAGE, variables: { filter: { modelName: null, status: null, trainer: null }, sort: { field: "P95_LATENCY", direction: "DESC", window: "LAST_HOUR" }, first: 50, offset: 0 } };
    const nameNeedle = "model-42";
    const byName = { query: PAGE, variables: { filter: { modelName: nameNeedle, status: null, trainer: null }, sort: { field: "DEPLOYED", direction: "DESC", window: "LAST_HOUR" }, first: 50, offset: 0 } };

    const dashboardFloor = (c: pg.PoolClient) =>
      c.query(
        `SELECT c.active, c.running, c.queued, c.completed,
                (SELECT count(*) FROM "TrainingJob" WHERE status = 'FAILED' AND "finishedAt" >= $3::timestamp)::int AS failed,
                f.n AS requests, f.s AS errors,
                (SELECT count(*) FROM "Alert" al JOIN "Deployment" d ON d.id = al."deploymentId" WHERE al.status = 'FIRING' AND d.status = 'ACTIVE')::int AS alerts
         FROM (SELECT sum(delta) FILTER (WHERE subject = 'Deployment' AND status = 'ACTIVE')::int AS active,
                      sum(delta) FILTER (WHERE subject = 'TrainingJob' AND status = 'RUNNING')::int AS running,
                      sum(delta) FILTER (WHERE subject = 'TrainingJob' AND status = 'QUEUED')::int AS queued,
                      sum(delta) FILTER (WHERE subject = 'TrainingJob' AND status = 'COMPLETE')::int AS completed
               FROM "StatusCount") c,
              (SELECT sum("requestCount")::float8 AS n, sum("serverErrorCount")::float8 AS s FROM "FleetRollup" WHERE "bucketStart" >= $1::timestamp AND "bucketStart" < $2::timestamp) f`,
        [day.start.toISOString(), day.end.toISOString(), new Date(Date.now() - 86_400_000).toISOString()],
      );
    // The figure as it was computed before fleet rollups: every deployment's hour rows of the day.
    const dashboardRollupScan = (c: pg.PoolClient) =>
      c.query(`SELECT sum("requestCount")::float8 AS n, sum("serverErrorCount")::float8 AS s FROM "InferenceRollup" WHERE resolution = 'HOUR' AND "bucketStart" >= $1::timestamp AND "bucketStart" < $2::timestamp`, [
        day.start.toISOString(),
        day.end.toISOString(),
      ]);

    // The counts as they were computed before the kept status counts (ADR 0039): every deployment and job row.
    const dashboardTableCounts = (c: pg.PoolClient) =>
      c.query(`SELECT (SELECT count(*) FROM "Deployment" WHERE status = 'ACTIVE')::int AS active,
                      (SELECT count(*) FILTER (WHERE status = 'RUNNING') FROM "TrainingJob")::int AS running,
                      (SELECT count(*) FILTER (WHERE status = 'QUEUED') FROM "TrainingJob")::int AS queued,
                      (SELECT count(*) FILTER (WHERE status = 'COMPLETE') FROM "TrainingJob")::int AS completed`);

    /**
     * One statement: the page (sorted in the database), both counts, and each row's rollups of the window summed by
     * the database (the histograms as one JSON text per row, as the product reads them); merged with the same sketch code.
     */
    const COLUMNS = `d.id, d."modelName", d.version, d.status, d."failureReason", d."createdAt", d."upstreamUrl", j."claimedBy",
                  EXISTS (SELECT 1 FROM "SimulatorCursor" sc WHERE sc."deploymentId" = d.id) AS "simulatedTraffic"`;
    /** `page`: the statement's CTEs, the last named page: the page's rows with a `rank` column, highest first. */
    const listFloor = async (c: pg.PoolClient, page: string, where: string, params: unknown[]) => {
      const res = await c.query<{
        id: string;
        claimedBy: string | null;
        simulatedTraffic: boolean;
        isProduction: boolean | null;
        total: number;
        everything: number;
        requests: number | null;
        errors: number | null;
        histograms: string | null;
      }>(
        `WITH ${page}
         SELECT p.*, ${where === "true" ? `(SELECT sum(delta) FROM "StatusCount" WHERE subject = 'Deployment')` : `(SELECT count(*) FROM "Deployment" d WHERE ${where})`}::int AS total,
                (SELECT sum(delta) FROM "StatusCount" WHERE subject = 'Deployment')::int AS everything,
                r.requests, r.errors, r.histograms,
                -- The production alias: the route's version, else the model's newest ACTIVE one.
                COALESCE((SELECT mr."productionDeploymentId" FROM "ModelRoute" mr WHERE mr."modelName" = p."modelName"),
                         (SELECT n.id FROM "Deployment" n WHERE n."modelName" = p."modelName" AND n.status = 'ACTIVE'
                          ORDER BY n."versionMajor" DESC, n."versionMinor" DESC, n."versionPatch" DESC LIMIT 1)) = p.id AS "isProduction"
         FROM page p LEFT JOIN LATERAL (
           SELECT sum("requestCount")::float8 AS requests, sum("serverErrorCount")::float8 AS errors,
                  json_agg(json_build_array("histogramOffset", histogram))::text AS histograms
           FROM "InferenceRollup"
           WHERE "deploymentId" = p.id AND resolution = 'MINUTE' AND "bucketStart" >= $1::timestamp AND "bucketStart" < $2::timestamp) r ON true
         ORDER BY p.rank DESC NULLS LAST, p.id`,
        [hour.start.toISOString(), hour.end.toISOString(), ...params],
      );
      return res.rows.map((r) => {
        const sketch = new LatencySketch();
        for (const [offset, counts] of r.histograms ? (JSON.parse(r.histograms) as Array<[number, number[]]>) : []) sketch.merge(offset, counts);
        const requests = r.requests ?? 0;
        return {
          id: r.id,
          trainer: trainerKind(r.claimedBy),
          simulatedTraffic: r.simulatedTraffic,
          isProduction: r.isProduction === true,
          requestsPerSecond: requests / 3600,
          p95: sketch.quantile(0.95),
          errorRate: requests ? r.errors! / requests : null,
          total: r.total,
          everything: r.everything,
        };
      });
    };
    // By P95: the deployments with a figure through the column's index, then (only as many as the page still needs)
    // those without one, by id: the rows and order of `ORDER BY s."p95LatencyMs1h" DESC NULLS LAST, d.id`.
    const p95Page = `ranked AS MATERIALIZED (
           SELECT ${COLUMNS}, s."p95LatencyMs1h" AS rank
           FROM "DeploymentStats" s JOIN "Deployment" d ON d.id = s."deploymentId" JOIN "TrainingJob" j ON j.id = d."jobId"
           WHERE s."p95LatencyMs1h" IS NOT NULL ORDER BY s."p95LatencyMs1h" DESC, s."deploymentId" LIMIT 50),
         page AS (
           SELECT * FROM ranked
           UNION ALL (SELECT ${COLUMNS}, NULL::float8 FROM "Deployment" d JOIN "TrainingJob" j ON j.id = d."jobId"
             WHERE NOT EXISTS (SELECT 1 FROM "DeploymentStats" s WHERE s."deploymentId" = d.id AND s."p95LatencyMs1h" IS NOT NULL)
             ORDER BY d.id LIMIT greatest(0, 50 - (SELECT count(*) FROM ranked))))`;
    const p95Floor = (c: pg.PoolClient) => listFloor(c, p95Page, "true", []);
    const namePage = `page AS (
           SELECT ${COLUMNS}, d."createdAt" AS rank FROM "Deployment" d JOIN "TrainingJob" j ON j.id = d."jobId"
           WHERE d."modelName" ILIKE $3 ORDER BY d."createdAt" DESC, d.id LIMIT 50)`;
    const nameFloor = (c: pg.PoolClient) => listFloor(c, namePage, `d."modelName" ILIKE $3`, [`%${nameNeedle}%`]);

    // Same rows: the floors return what the product returns.
    const withClient = async <T>(fn: (c: pg.PoolClient) => Promise<T>) => {
      const c = await pool.connect();
      try {
        return await fn(c);
      } finally {
        c.release();
      }
    };
    const dash = (await postJson(gql, { query: DASHBOARD })).dashboard;
    const dashF = (await withClient(dashboardFloor)).rows[0];
    const dashSame = dash.activeDeployments === dashF.active && dash.requests24h === dashF.requests && dash.alertsFiring === dashF.alerts;
    // Row by row: the ids in their order, the figures, the flags and both totals.
    type FloorRow = Awaited<ReturnType<typeof listFloor>>[number];
    const sameRows = async (body: { query: string; variables: unknown }, floor: (c: pg.PoolClient) => Promise<FloorRow[]>) => {
      const list = (await postJson(gql, body)) as {
        deployments: { totalCount: number; nodes: Array<{ id: string; trainer: string | null; simulatedTraffic: boolean; isProduction: boolean; metrics: { requestsPerSecond: number; p95LatencyMs: number | null; errorRate: number | null } }> };
        everything: { totalCount: number };
      };
      const product = list.deployments.nodes.map((n) => ({
        id: n.id,
        trainer: n.trainer,
        simulatedTraffic: n.simulatedTraffic,
        isProduction: n.isProduction,
        requestsPerSecond: n.metrics.requestsPerSecond,
        p95: n.metrics.p95LatencyMs,
        errorRate: n.metrics.errorRate,
        total: list.deployments.totalCount,
        everything: list.everything.totalCount,
      }));
      const f = await withClient(floor);
      return product.length > 0 && JSON.stringify(product) === JSON.stringify(f);
    };
    // The maintenance pass may refresh a row between the two reads: look up to three times.
    let p95Same = false;
    for (let i = 0; i < 3 && !p95Same; i++) p95Same = await sameRows(byP95, p95Floor);
    const nameSame = await sameRows(byName, nameFloor);
    log(`floors return the product's rows: dashboard ${dashSame ? "yes" : "NO"}, list by P95 ${p95Same ? "yes" : "NO"}, name filter ${nameSame ? "yes" : "NO"}`);

    const jsonHeaders = { "Content-Type": "application/json", Accept: "application/json" };
    const scripts = {
      dashboard: wrkScript("POST", "/graphql", [JSON.stringify({ query: DASHBOARD })], jsonHeaders),
      p95: wrkScript("POST", "/graphql", [JSON.stringify(byP95)], jsonHeaders),
      name: wrkScript("POST", "/graphql", [JSON.stringify(byName)], jsonHeaders),
      page: wrkScript("GET", "/deployments?sort=p95.desc&size=50", null, { Accept: "text/html", Cookie: consoleCookie }),
    };
    const rows: Array<{ name: string; product: () => Promise<LoadResult>; floor: () => Promise<LoadResult>; floorName: string }> = [
      { name: "dashboard query (10 conn)", product: () => wrk(a.url, scripts.dashboard, READ_CONNECTIONS), floor: () => closedLoop(pool, READ_CONNECTIONS, dashboardFloor), floorName: "one SQL statement over the fleet rollup" },
      { name: "server-rendered /deployments?sort=p95.desc&size=50 (10 conn)", product: () => wrk(a.url, scripts.page, READ_CONNECTIONS), floor: () => wrk(a.url, scripts.p95, READ_CONNECTIONS), floorName: "the GraphQL query it runs, over HTTP" },
      { name: "server-rendered page (1 conn)", product: () => wrk(a.url, scripts.page, 1), floor: () => wrk(a.url, scripts.p95, 1), floorName: "the GraphQL query it runs, 1 conn" },
      { name: "GraphQL list, 50 rows by P95 (10 conn)", product: () => wrk(a.url, scripts.p95, READ_CONNECTIONS), floor: () => closedLoop(pool, READ_CONNECTIONS, p95Floor), floorName: "one SQL statement + the same sketch merge" },
      { name: "GraphQL list, 50 rows by P95 (1 conn)", product: () => wrk(a.url, scripts.p95, 1), floor: () => closedLoop(pool, 1, p95Floor), floorName: "same, 1 connection" },
      { name: `GraphQL list, name contains "${nameNeedle}" (10 conn)`, product: () => wrk(a.url, scripts.name, READ_CONNECTIONS), floor: () => closedLoop(pool, READ_CONNECTIONS, nameFloor), floorName: "one SQL statement (ILIKE)" },
    ];
    // Two more servers for the reads only, started together and warmed alike: one on the small fleet, one on the full
    // fleet. (Against the first server, a fresh one measured 1.3-1.4x slower with both fleets at 100 deployments.)
    const smallServer = await startServer(smallFleetUrl);
    const fullTwin = await startServer(dbUrl);
    servers.push(smallServer, fullTwin);
    rows.splice(1, 0, {
      name: `dashboard query at ${SMALL_FLEET} deployments (10 conn)`,
      product: () => wrk(smallServer.url, scripts.dashboard, READ_CONNECTIONS),
      floor: () => wrk(fullTwin.url, scripts.dashboard, READ_CONNECTIONS),
      floorName: `the same query at ${DEPLOYMENTS.toLocaleString("en-US")} deployments, on a server started and warmed with it (goal: within 20 %)`,
    });
    const results = new Map<string, { product: LoadResult[]; floor: LoadResult[] }>(rows.map((r) => [r.name, { product: [], floor: [] }]));
    // Warm-up (JIT, connection pools, caches), not measured.
    for (const script of Object.values(scripts)) await wrk(a.url, script, READ_CONNECTIONS, 1);
    for (const s of [smallServer, fullTwin, smallServer, fullTwin]) await wrk(s.url, scripts.dashboard, READ_CONNECTIONS, SECONDS);
    const rssRead = rssSampler(a.pid);
    for (let round = 0; round < ROUNDS; round++) {
      for (const row of rows) {
        results.get(row.name)!.product.push(await row.product());
        results.get(row.name)!.floor.push(await row.floor());
      }
    }
    const peakRead = rssRead();
    for (const s of [smallServer, fullTwin]) {
      await stopServer(s);
      servers.splice(servers.indexOf(s), 1);
    }
    const dashScan = await closedLoop(pool, READ_CONNECTIONS, dashboardRollupScan);
    const dashCounts = await closedLoop(pool, READ_CONNECTIONS, dashboardTableCounts);

    const table: string[] = [];
    table.push(`| request | product p50 / p95 ms (req/s) | floor p50 / p95 ms (req/s) | ratio p50 / p95 | floor |`);
    table.push(`|---|---|---|---|---|`);
    const fr = (r: LoadResult[]) => `${fmt(median(r.map((x) => x.p50)))} / ${fmt(median(r.map((x) => x.p95)))} (${fmt(median(r.map((x) => x.rps)), 0)})`;
    for (const row of rows) {
      const r = results.get(row.name)!;
      const failures = r.product.reduce((s, x) => s + x.failures, 0);
      table.push(
        `| ${row.name}${failures ? ` — ${failures} failed` : ""} | ${fr(r.product)} | ${fr(r.floor)} | ${fmt(median(r.product.map((x) => x.p50)) / median(r.floor.map((x) => x.p50)), 2)}× / ${fmt(median(r.product.map((x) => x.p95)) / median(r.floor.map((x) => x.p95)), 2)}× | ${row.floorName} |`,
      );
    }
    table.push(`| (reference) the 24-hour sum over every deployment's hour rollups, SQL, 10 conn | ${fr([dashScan])} | | | what the dashboard cost without the fleet rollup |`);
    table.push(`| (reference) counting the deployment and job rows per status, SQL, 10 conn | ${fr([dashCounts])} | | | what the dashboard's counts cost without the kept status counts |`);

    // Streaming and size of the server-rendered page.
    const gets = [] as Array<{ ttfb: number; total: number; bytes: number }>;
    for (let i = 0; i < 10; i++) gets.push(await timeGet(`${a.url}/deployments?sort=p95.desc&size=50`));
    const html = await (await fetch(`${a.url}/deployments?sort=p95.desc&size=50`, { headers: { cookie: consoleCookie } })).text();

    // ---------------------------------------------------------------- ingestion
    const idsRes = await pool.query<{ id: string }>(`SELECT id::text AS id FROM "Deployment" ORDER BY id LIMIT ${INGEST_TARGETS}`);
    const targets = idsRes.rows.map((r) => r.id);
    const RECORD = `mutation ($id: ID!, $events: [InferenceEventInput!]!) { recordInferenceEvents(deploymentId: $id, events: $events) { __typename ... on RecordInferenceEventsSuccess { acceptedCount } ... on Error { message } } }`;
    const makeEvents = (n: number) =>
      Array.from({ length: n }, () => ({
        timestamp: new Date(Date.now() - 60_000 - Math.floor(random() * 20 * 60_000)).toISOString(),
        latencyMs: Math.round(logNormal(random, 120, 0.5) * 100) / 100,
        outcome: random() < 0.01 ? "SERVER_ERROR" : random() < 0.02 ? "CLIENT_ERROR" : "OK",
      }));
    const sizes = [100, 1_000, 10_000];
    const batches = new Map<number, Array<{ id: string; events: ReturnType<typeof makeEvents> }>>();
    for (const size of sizes) batches.set(size, targets.slice(0, size >= 10_000 ? 10 : INGEST_TARGETS).map((id) => ({ id, events: makeEvents(size) })));
    // Every body must be accepted (checked once before the load).
    for (const size of sizes) {
      const b = batches.get(size)![0]!;
      const r = (await postJson(gql, { query: RECORD, variables: { id: b.id, events: b.events } }, auth)).recordInferenceEvents;
      if (r.__typename !== "RecordInferenceEventsSuccess") throw new Error(`ingest refused: ${r.message}`);
      const direct = await fetch(`${a.url}/api/v1/deployments/${b.id}/events`, { method: "POST", headers: { ...jsonHeaders, ...auth }, body: JSON.stringify({ events: b.events }) });
      if (direct.status !== 200) throw new Error(`events endpoint refused: ${await direct.text()}`);
    }
    const ingestHeaders = { ...jsonHeaders, ...auth };
    const ingestScripts = new Map(sizes.map((size) => [size, wrkScript("POST", "/graphql", batches.get(size)!.map((b) => JSON.stringify({ query: RECORD, variables: { id: b.id, events: b.events } })), ingestHeaders)]));
    // The same batches through POST /api/v1/deployments/{id}/events (ADR 0034): no GraphQL, one statement per batch.
    const eventsScripts = new Map(
      sizes.map((size) => {
        const list = batches.get(size)!;
        return [size, wrkScript("POST", list.map((b) => `/api/v1/deployments/${b.id}/events`), list.map((b) => JSON.stringify({ events: b.events })), ingestHeaders)];
      }),
    );
    // The COPY floor: the same events (the batch-1,000 set, repeated) as CSV, 4 psql \copy at once into a plain table.
    await pool.query(`CREATE TABLE bench_copy ("deploymentId" UUID NOT NULL, "timestamp" TIMESTAMP(3) NOT NULL, "latencyMs" DOUBLE PRECISION NOT NULL, outcome TEXT NOT NULL)`);
    const COPY_EVENTS_PER_CLIENT = Math.max(100_000, Math.round(500_000 * Math.sqrt(scale)));
    const csvLines: string[] = [];
    for (const b of batches.get(1_000)!) for (const e of b.events) csvLines.push(`${b.id},${e.timestamp},${e.latencyMs},${e.outcome}`);
    const csvFile = path.join(tmp, "events.csv");
    const out = fs.openSync(csvFile, "w");
    for (let written = 0; written < COPY_EVENTS_PER_CLIENT; written += csvLines.length) fs.writeSync(out, csvLines.slice(0, Math.min(csvLines.length, COPY_EVENTS_PER_CLIENT - written)).join("\n") + "\n");
    fs.closeSync(out);
    const copyFloor = async (): Promise<number> => {
      const t = performance.now();
      await Promise.all(
        Array.from({ length: INGEST_CLIENTS }, () => new Promise<void>((resolve, reject) => {
          const p = spawn("psql", [dbUrl, "-v", "ON_ERROR_STOP=1", "-q", "-c", `\\copy bench_copy FROM '${csvFile}' WITH (FORMAT csv)`], { stdio: ["ignore", "ignore", "pipe"] });
          let err = "";
          p.stderr.on("data", (c: Buffer) => (err += c.toString()));
          p.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`psql \\copy failed: ${err}`))));
        })),
      );
      return (INGEST_CLIENTS * COPY_EVENTS_PER_CLIENT) / ((performance.now() - t) / 1000);
    };
    for (const size of sizes) await wrk(a.url, ingestScripts.get(size)!, INGEST_CLIENTS, 1);
    for (const size of sizes) await wrk(a.url, eventsScripts.get(size)!, INGEST_CLIENTS, 1);
    const ingest = new Map<number, number[]>(sizes.map((s) => [s, []]));
    const ingestFailures = new Map<number, number>(sizes.map((s) => [s, 0]));
    const direct = new Map<number, number[]>(sizes.map((s) => [s, []]));
    const directFailures = new Map<number, number>(sizes.map((s) => [s, 0]));
    const copies: number[] = [];
    const rssIngest = rssSampler(a.pid);
    const cpu0 = cpuSeconds(a.pid);
    for (let round = 0; round < ROUNDS; round++) {
      for (const size of sizes) {
        const r = await wrk(a.url, ingestScripts.get(size)!, INGEST_CLIENTS);
        ingest.get(size)!.push(r.rps * size);
        ingestFailures.set(size, ingestFailures.get(size)! + r.failures);
        const e = await wrk(a.url, eventsScripts.get(size)!, INGEST_CLIENTS);
        direct.get(size)!.push(e.rps * size);
        directFailures.set(size, directFailures.get(size)! + e.failures);
        if (size === 1_000) copies.push(await copyFloor());
      }
    }
    const peakIngest = rssIngest();
    const ingestCpu = cpuSeconds(a.pid) - cpu0;
    // More clients, and a second server process on the same database (through the events endpoint), each run with
    // where the CPU went: the server process(es), PostgreSQL, and the whole machine (wrk and this script the rest).
    type Scaled = { name: string; eventsPerSecond: number; parts?: number[]; cpu: CpuShare };
    const scaling: Scaled[] = [];
    const scaled = async (name: string, size: number, runs: () => Promise<LoadResult[]>, pids: () => number[]) => {
      const before = cpuSnapshot(pids());
      const results = await runs();
      const cpu = cpuShare(before, cpuSnapshot(pids()));
      scaling.push({ name, eventsPerSecond: results.reduce((n, r) => n + r.rps * size, 0), parts: results.length > 1 ? results.map((r) => r.rps * size) : undefined, cpu });
    };
    for (const size of [1_000, 100]) {
      await scaled(`batch ${size.toLocaleString("en-US")}, 4 clients, one process`, size, async () => [await wrk(a.url, eventsScripts.get(size)!, INGEST_CLIENTS)], () => [a.pid]);
      await scaled(`batch ${size.toLocaleString("en-US")}, 8 clients, one process`, size, async () => [await wrk(a.url, eventsScripts.get(size)!, 2 * INGEST_CLIENTS)], () => [a.pid]);
      if (size === 1_000) await scaled("batch 1,000, 16 clients, one process", size, async () => [await wrk(a.url, eventsScripts.get(size)!, 16)], () => [a.pid]);
    }
    const b = await startServer(dbUrl);
    servers.push(b);
    for (const size of [1_000, 100]) await wrk(b.url, eventsScripts.get(size)!, INGEST_CLIENTS, 2);
    for (const size of [1_000, 100]) {
      await scaled(`batch ${size.toLocaleString("en-US")}, 4 + 4 clients, two processes`, size, () =>
        Promise.all([
          wrk(a.url, eventsScripts.get(size)!, INGEST_CLIENTS, SECONDS, { part: 0, parts: 2 }),
          wrk(b.url, eventsScripts.get(size)!, INGEST_CLIENTS, SECONDS, { part: 1, parts: 2 }),
        ]), () => [a.pid, b.pid]);
    }
    await stopServer(b);
    servers.pop();
    await pool.query(`DROP TABLE bench_copy`);

    // ---------------------------------------------------------------- freshness
    // A deployment outside the ingestion targets gets one batch with a 55-minute latency: it must top the P95 sort.
    const fresh = (await pool.query<{ id: string }>(`SELECT id::text AS id FROM "Deployment" ORDER BY id DESC LIMIT 1`)).rows[0]!.id;
    const TOP = `query { deployments(first: 1, sort: { field: P95_LATENCY, direction: DESC, window: LAST_15_MINUTES }) { nodes { id } } }`;
    const sent = performance.now();
    const r = (await postJson(gql, { query: RECORD, variables: { id: fresh, events: [{ timestamp: new Date(Date.now() - 1000).toISOString(), latencyMs: 3_300_000, outcome: "OK" }] } }, auth)).recordInferenceEvents;
    if (r.__typename !== "RecordInferenceEventsSuccess") throw new Error(`freshness batch refused: ${r.message}`);
    let freshnessMs = NaN;
    while (performance.now() - sent < 30_000) {
      const top = (await postJson(gql, { query: TOP })).deployments.nodes[0]?.id;
      if (top === fresh) {
        freshnessMs = performance.now() - sent;
        break;
      }
      await new Promise((res) => setTimeout(res, 50));
    }
    const staleRows = (await pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM "DeploymentStats" WHERE "computedAt" < now() AT TIME ZONE 'UTC' - interval '1 minute'`)).rows[0]!.n;

    // ---------------------------------------------------------------- idle
    // Two idle windows, both printed: the load leaves work behind (the last stats refreshes, and V8's memory
    // reducer, which gives the load's heap back with full "reduce" collections some 45-70 s after the load ends:
    // ~0.1-0.5 CPU-s here), and it falls in either window. Outside it, an idle server's own passes (maintenance,
    // alert evaluator, watchdog) cost ~0.1-0.2 CPU-s a minute (docs/performance.md).
    await new Promise((res) => setTimeout(res, 5_000));
    const rssIdle = rssSampler(a.pid);
    const idleWindow = async () => {
      const cpu0 = cpuSeconds(a.pid);
      const start = performance.now();
      await new Promise((res) => setTimeout(res, IDLE_SECONDS * 1000));
      return ((cpuSeconds(a.pid) - cpu0) / ((performance.now() - start) / 1000)) * 60;
    };
    const idleCpuAfterLoad = await idleWindow();
    const idleCpu = await idleWindow();
    const peakIdle = rssIdle();
    const rssNow = rssMb(a.pid);

    // ---------------------------------------------------------------- JavaScript per page
    const firstId = targets[0]!;
    const jsPages = ["/", "/deployments", `/deployments/${firstId}`, "/training", "/models", "/alerts"];
    const jsSizes: Array<[string, number]> = [];
    for (const p of jsPages) {
      const page = await (await fetch(`${a.url}${p}`, { headers: { cookie: consoleCookie } })).text();
      const assets = new Set([...page.matchAll(/(?:href|src)="(\/build\/[^"]+\.js)"/g)].map((m) => m[1]!));
      for (const m of page.matchAll(/"(\/build\/[^"]+\.js)"/g)) assets.add(m[1]!);
      let total = 0;
      for (const asset of assets) total += zlib.gzipSync(Buffer.from(await (await fetch(`${a.url}${asset}`)).arrayBuffer())).length;
      jsSizes.push([p.replace(firstId, ":id"), total]);
    }

    // ---------------------------------------------------------------- report
    log();
    log(`Reads over HTTP (${READ_CONNECTIONS} connections unless noted; medians of ${ROUNDS} interleaved rounds of ${SECONDS} s)`);
    for (const line of table) log(line);
    log();
    log(`Server-rendered /deployments?sort=p95.desc&size=50, sequential: first byte p50 ${fmt(median(gets.map((g) => g.ttfb)))} ms, last byte p50 ${fmt(median(gets.map((g) => g.total)))} ms, HTML ${fmt(Buffer.byteLength(html) / 1000)} kB (${Buffer.byteLength(html).toLocaleString("en-US")} bytes)`);
    log();
    log(`Ingestion over HTTP (an ingest token, ${INGEST_CLIENTS} clients, the two paths interleaved, medians of ${ROUNDS}; COPY floor: ${(INGEST_CLIENTS * COPY_EVENTS_PER_CLIENT).toLocaleString("en-US")} of the same events, ${INGEST_CLIENTS} psql \\copy at once)`);
    log(`| batch | POST /api/v1/deployments/{id}/events, events/s | share of COPY | recordInferenceEvents (GraphQL), events/s | share of COPY |`);
    log(`|---|---|---|---|---|`);
    const copy = median(copies);
    const failed = (n: number | undefined) => (n ? ` (${n} failed)` : "");
    for (const size of sizes) {
      const rate = median(ingest.get(size)!);
      const fast = median(direct.get(size)!);
      log(`| ${size.toLocaleString("en-US")} | ${fmt(fast, 0)}${failed(directFailures.get(size))} | ${fmt((100 * fast) / copy)} % | ${fmt(rate, 0)}${failed(ingestFailures.get(size))} | ${fmt((100 * rate) / copy)} % |`);
    }
    log(`| COPY into a plain table | ${fmt(copy, 0)} | 100 % | | |`);
    log();
    log(`More clients and a second server process (events endpoint; cores busy during each ${SECONDS} s run, of ${os.cpus().length}: the server process(es), every PostgreSQL process, the whole machine)`);
    log(`| run | events/s | share of COPY | server cores | PostgreSQL cores | machine cores |`);
    log(`|---|---|---|---|---|---|`);
    for (const r of scaling) {
      log(`| ${r.name} | ${fmt(r.eventsPerSecond, 0)}${r.parts ? ` (${r.parts.map((x) => fmt(x, 0)).join(" + ")})` : ""} | ${fmt((100 * r.eventsPerSecond) / copy)} % | ${fmt(r.cpu.servers, 2)} | ${fmt(r.cpu.postgres, 2)} | ${fmt(r.cpu.machine, 2)} |`);
    }
    log(`server CPU during the ingestion rounds: ${fmt(ingestCpu)} s`);
    log();
    log(`Freshness: a new batch tops the P95 sort ${fmt(freshnessMs, 0)} ms after it was sent; DeploymentStats rows computed over a minute ago: ${staleRows.toLocaleString("en-US")} of ${DEPLOYMENTS.toLocaleString("en-US")} (rows whose figures cannot have changed are left alone)`);
    log(`Idle server (no traffic), two windows of ${IDLE_SECONDS} s after the load: ${fmt(idleCpuAfterLoad, 2)}, then ${fmt(idleCpu, 2)} CPU-s per minute`);
    log(`Memory (RSS): peak under the read load ${fmt(peakRead, 0)} MB, under ingestion ${fmt(peakIngest, 0)} MB, idle ${fmt(rssNow, 0)} MB (peak while idle ${fmt(peakIdle, 0)} MB)`);
    log(`JavaScript per page (gzip, every /build/*.js the page references): ${jsSizes.map(([p, n]) => `${p} ${fmt(n / 1024)} kB`).join(", ")}`);
  } finally {
    await pool.end();
  }
}

// Ctrl-C or a kill: stop the servers this run started (by their own pid), then exit.
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    for (const s of liveServers) s.proc.kill("SIGTERM");
    process.exit(130);
  });
}

main().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
});
