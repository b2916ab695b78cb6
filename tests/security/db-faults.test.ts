import { execFileSync, spawnSync } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { openDatabase } from "../../graphql/db.ts";
import { startServer, type TestServer } from "../setup/server.ts";

/**
 * kill -9 of the PostgreSQL postmaster under a mixed load, five times in a row,
 * on a cluster of this test's own (never the machine's shared server): the
 * Trainyard process survives, clients see only SERVICE_UNAVAILABLE (503 +
 * Retry-After) while the database is down, the API answers again within 1 s of
 * the database being back, and every acknowledged event is stored exactly once
 * (failed batches are retried with their idempotency key).
 */
const hasClusterTools = existsSync("/usr/bin/pg_createcluster") && existsSync("/usr/bin/pg_ctlcluster") && process.getuid?.() === 0;
if (!hasClusterTools) console.warn("[db-faults] skipped: pg_createcluster/pg_ctlcluster (run as root) are not available on this machine");

const KILLS = 5;
const CLUSTER = `ty_faults_${process.pid}_${randomBytes(3).toString("hex")}`;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.once("error", reject);
  });
}

const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: ["ignore", "pipe", "pipe"] }).toString();

function postmasterPid(dataDir: string): number {
  return Number(readFileSync(`${dataDir}/postmaster.pid`, "utf8").split("\n")[0]);
}

function childrenOf(pid: number): number[] {
  const out = spawnSync("pgrep", ["-P", String(pid)]).stdout.toString().trim();
  return out ? out.split("\n").map(Number) : [];
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!hasClusterTools)("database faults (a PostgreSQL cluster of this test's own)", () => {
  let port = 0;
  let dataDir = "";
  let url = "";
  let server: TestServer & { pid: number };
  let token = "";
  let deploymentId = "";

  const startCluster = () => sh("pg_ctlcluster", ["--skip-systemctl-redirect", "15", CLUSTER, "start"]);

  beforeAll(async () => {
    port = await freePort();
    // fsync off: killing processes keeps written WAL in the OS cache (only a machine crash would lose it), and a slow shared disk must not time out the seed. synchronous_commit stays on: an acknowledged commit is in the WAL.
    sh("pg_createcluster", ["15", CLUSTER, "--port", String(port), "-o", "fsync=off", "--", "--auth=trust"]);
    dataDir = `/var/lib/postgresql/15/${CLUSTER}`;
    appendFileSync(`/etc/postgresql/15/${CLUSTER}/pg_hba.conf`, "\nhost all all 127.0.0.1/32 trust\n");
    startCluster();
    url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    server = await startServer({
      databaseUrl: url,
      env: { TRAINYARD_SEED: "on", TRAINYARD_SIMULATOR: "off", TRAINYARD_EXECUTOR: "on", TRAINYARD_ROLLOUT: "on", DATABASE_POOL_SIZE: "5" },
    });
    const db = await openDatabase({ databaseUrl: url, poolSize: 1 });
    try {
      token = (await createApiToken(db.prisma, { input: { name: "fault-load", scopes: ["read", "ingest"] }, actor: "test" })).secret;
      const active = await db.prisma.deployment.findFirst({ where: { status: "ACTIVE" }, select: { id: true } });
      deploymentId = active!.id;
    } finally {
      await db.close();
    }
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    spawnSync("pg_dropcluster", ["--stop", "15", CLUSTER]);
  }, 60_000);

  async function gql(query: string, variables: Record<string, unknown> = {}) {
    const res = await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> };
    return { status: res.status, retryAfter: res.headers.get("retry-after"), body };
  }

  it(`survives ${KILLS} kill -9 of the postmaster under load: only SERVICE_UNAVAILABLE while down, back within 1 s, no event lost or doubled`, async () => {
    const baseline = await storedRequests();
    const failures: string[] = [];
    let unavailable = 0;
    let acknowledged = 0;
    let stop = false;

    const note = (what: string, r: Awaited<ReturnType<typeof gql>>) => {
      const codes = (r.body.errors ?? []).map((e) => e.extensions?.code);
      if (r.status === 503 && codes.length > 0 && codes.every((c) => c === "SERVICE_UNAVAILABLE") && r.retryAfter) {
        unavailable++;
        return false;
      }
      if (r.status !== 200 || r.body.errors?.length) failures.push(`${what}: HTTP ${r.status} ${JSON.stringify(r.body.errors ?? r.body).slice(0, 300)}`);
      return r.status === 200 && !r.body.errors?.length;
    };

    const writer = async () => {
      while (!stop) {
        const key = randomUUID();
        const events = Array.from({ length: 5 }, (_, i) => ({ timestamp: new Date().toISOString(), latencyMs: 20 + i, outcome: "OK" }));
        // A batch is retried with its key until the server acknowledges it, as a gateway would.
        for (;;) {
          const r = await gql(
            `mutation($d: ID!, $e: [InferenceEventInput!]!, $k: String) {
              recordInferenceEvents(deploymentId: $d, events: $e, idempotencyKey: $k) {
                __typename ... on RecordInferenceEventsSuccess { acceptedCount duplicate } ... on Error { code message }
              } }`,
            { d: deploymentId, e: events, k: key },
          ).catch((err: Error) => ({ status: 0, retryAfter: null, body: { errors: [{ message: `${err.message} ${String((err.cause as Error)?.message ?? err.cause)} ${(err.cause as any)?.code}` }] } }));
          if (note("recordInferenceEvents", r)) {
            const result = (r.body as { data: any }).data.recordInferenceEvents;
            if (result.__typename !== "RecordInferenceEventsSuccess") failures.push(`refused: ${JSON.stringify(result)}`);
            else acknowledged += events.length;
            break;
          }
          await sleep(100);
        }
      }
    };
    const reader = async () => {
      while (!stop) {
        const r = await gql(`{ deployments(first: 5) { totalCount nodes { id status } } trainingJobs { totalCount } }`).catch(
          (err: Error) => ({ status: 0, retryAfter: null, body: { errors: [{ message: err.message }] } }),
        );
        note("query", r);
        await sleep(50);
      }
    };
    const load = [writer(), writer(), reader()];

    const recoveries: number[] = [];
    for (let round = 0; round < KILLS; round++) {
      await sleep(1500);
      const postmaster = postmasterPid(dataDir);
      const backends = childrenOf(postmaster);
      process.kill(postmaster, "SIGKILL");
      // Orphaned backends notice their postmaster is gone and exit; a new postmaster waits for them.
      for (let i = 0; i < 50 && backends.some(alive); i++) await sleep(100);
      for (const b of backends.filter(alive)) process.kill(b, "SIGKILL");
      await sleep(1500);
      expect(alive(server.pid), "the Trainyard server process must survive").toBe(true);
      startCluster();
      const back = Date.now();
      for (;;) {
        const r = await gql(`{ deployments(first: 1) { totalCount } }`).catch(() => null);
        if (r?.status === 200 && !r.body.errors) break;
        if (Date.now() - back > 10_000) throw new Error(`no answer 10 s after PostgreSQL restarted:\n${server.output().slice(-2000)}`);
        await sleep(20);
      }
      recoveries.push(Date.now() - back);
    }
    await sleep(1000);
    stop = true;
    await Promise.all(load);

    console.info(`[db-faults] ${KILLS} kills; recovery ms: ${recoveries.join(", ")}; ${unavailable} SERVICE_UNAVAILABLE answers; ${acknowledged} events acknowledged`);
    expect(failures).toEqual([]);
    expect(alive(server.pid)).toBe(true);
    expect(unavailable).toBeGreaterThan(0);
    expect(Math.max(...recoveries)).toBeLessThanOrEqual(1000);
    expect(acknowledged).toBeGreaterThan(0);
    expect((await storedRequests()) - baseline).toBe(acknowledged);

    async function storedRequests(): Promise<number> {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        const rows = await c.query(
          `SELECT COALESCE(sum("requestCount"), 0)::int AS n FROM "InferenceRollup" WHERE "deploymentId" = $1::uuid
           AND resolution = 'MINUTE'`,
          [deploymentId],
        );
        return rows.rows[0].n;
      } finally {
        await c.end();
      }
    }
  }, 180_000);
});
