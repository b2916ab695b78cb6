import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { afterAll, describe, expect, test } from "vitest";
import { openDatabase, type Database } from "../../graphql/db.ts";
import { deployJob } from "../../graphql/services/deployments.ts";
import { getDeploymentMetrics } from "../../graphql/services/metrics.ts";
import { applyMigrations } from "../../prisma/migrate.ts";
import { completeJob, ensureCatalogRows, request, startUpstream, type Upstream } from "./fixtures.ts";
import { processConfig } from "../../graphql/config.ts";

/**
 * A PostgreSQL cluster of this test's own (never the shared server on 5432), restarted while traffic flows
 * through a `trainyard gateway` process: no proxied request may fail because of it, and once the database is
 * back every request is counted exactly once (retried flushes carry their idempotency keys).
 */
const run = promisify(execFile);
const available = existsSync("/usr/bin/pg_createcluster") && process.getuid?.() === 0 && existsSync("/usr/lib/postgresql/15");
const ROOT = path.resolve(import.meta.dirname, "..", "..");
const cluster = `tygw${process.pid}`;

let db: Database | undefined;
let gatewayProcess: ChildProcess | undefined;
let upstream: Upstream | undefined;
let created = false;

afterAll(async () => {
  gatewayProcess?.kill("SIGTERM");
  await upstream?.stop();
  await db?.close().catch(() => {});
  if (created) await run("pg_dropcluster", ["15", cluster, "--stop"]).catch(() => {});
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

describe.skipIf(!available)("PostgreSQL restarted mid-traffic", () => {
  test("no proxied request fails and the recorded count equals the requests sent", { timeout: 120_000 }, async () => {
    const port = await freePort();
    execFileSync("pg_createcluster", ["15", cluster, "-p", String(port), "--start", "--", "--auth=trust"], { stdio: "ignore" });
    created = true;
    const url = `postgresql://postgres@127.0.0.1:${port}/postgres`;
    db = await openDatabase({ databaseUrl: url, poolSize: 2 });
    await applyMigrations(db);
    await ensureCatalogRows(db);
    upstream = await startUpstream({ UPSTREAM_NAME: "restart" });
    const jobId = await completeJob(db, "gw-restart");
    const d = await deployJob(db.prisma, { jobId, actor: "test", config: processConfig(), serving: { upstreamUrl: upstream.url, isPublic: true } });
    await db.prisma.deployment.update({ where: { id: d.id }, data: { status: "ACTIVE", activatedAt: new Date() } });

    gatewayProcess = spawn(process.execPath, ["--import", "tsx", "cli/gateway.ts"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url, TRAINYARD_GATEWAY_PORT: "0", HOST: "127.0.0.1", TRAINYARD_GATEWAY_FLUSH_MS: "200", TRAINYARD_GATEWAY_REFRESH_MS: "300" },
      stdio: ["ignore", "pipe", "inherit"],
    });
    const gatewayUrl = await new Promise<string>((resolve, reject) => {
      createInterface({ input: gatewayProcess!.stdout! }).on("line", (line) => {
        const m = /ready: (http:\/\/[^/\s]+)/.exec(line);
        if (m) resolve(m[1]!);
      });
      gatewayProcess!.once("exit", (code) => reject(new Error(`gateway exited with ${code}`)));
    });
    const target = `${gatewayUrl}/v1/models/gw-restart/versions/${d.version}/v1/echo`;

    let sent = 0;
    const failures: string[] = [];
    let stop = false;
    const callers = Array.from({ length: 4 }, async () => {
      while (!stop) {
        const r = await request(target, { body: "{}" }).catch((err: Error) => ({ status: 0, body: err.message }));
        sent++;
        if (r.status !== 200) failures.push(`${r.status} ${r.body}`);
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    const sentBeforeRestart = sent;
    await run("pg_ctlcluster", ["15", cluster, "restart", "-m", "fast"]);
    await new Promise((r) => setTimeout(r, 1500));
    stop = true;
    await Promise.all(callers);

    expect(sentBeforeRestart).toBeGreaterThan(0);
    expect(sent).toBeGreaterThan(sentBeforeRestart);
    expect(failures).toEqual([]);
    await expect
      .poll(async () => (await getDeploymentMetrics(db!.prisma, d.id, "LAST_15_MINUTES")).requestCount, { timeout: 20_000, interval: 250 })
      .toBe(sent);
  });
});
