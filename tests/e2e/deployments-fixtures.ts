import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { openDatabase, type Database } from "../../graphql/db.ts";
import { recordInferenceEvents } from "../../graphql/services/metrics.ts";
import type { InferenceEventInput } from "../../graphql/validation/inference.ts";
import { applyMigrations } from "../../prisma/migrate.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { withDatabase } from "../setup/global-setup.ts";
import { startServer, type TestServer } from "../setup/server.ts";

/**
 * A server on the demo data with known inference traffic instead of the
 * random simulator, so tests can assert exact colour cues and sort orders.
 * Rollouts take one second and never fail.
 */

/** Latency at quantile q: P50 ≈ 250 ms and P95 ≈ 650 ms before scaling. */
function latencyAt(q: number, scale: number): number {
  const ms = q < 0.5 ? 100 + 300 * q : q < 0.95 ? 250 + ((q - 0.5) / 0.45) * 400 : 650 + ((q - 0.95) / 0.05) * 350;
  return Math.round(ms * scale * 100) / 100;
}

export interface TrafficSpec {
  count: number;
  latencyScale: number;
  serverErrorRate: number;
  clientErrorRate: number;
}

/** `count` requests spread over the last ten minutes, with exact error shares. */
export function knownTraffic(spec: TrafficSpec, now = Date.now()): InferenceEventInput[] {
  const serverErrors = Math.round(spec.count * spec.serverErrorRate);
  const clientErrors = Math.round(spec.count * spec.clientErrorRate);
  return Array.from({ length: spec.count }, (_, i) => ({
    timestamp: new Date(now - 30_000 - Math.floor((i / spec.count) * 9 * 60_000)),
    latencyMs: latencyAt((i + 0.5) / spec.count, spec.latencyScale),
    outcome: i < serverErrors ? "SERVER_ERROR" : i < serverErrors + clientErrors ? "CLIENT_ERROR" : "OK",
  }));
}

/** The seeded deployments the tests look at, and the traffic each one gets. */
export const FLEET = {
  /** support-assistant v1.1.0: slow and failing — every warning. */
  slow: { id: seedUuid("deployment:support-v2"), traffic: { count: 900, latencyScale: 1, serverErrorRate: 0.03, clientErrorRate: 0.02 } },
  /** faq-embedder v1.0.0: fast and healthy — no warning. */
  fast: { id: seedUuid("deployment:faq-v1"), traffic: { count: 600, latencyScale: 0.15, serverErrorRate: 0.005, clientErrorRate: 0.01 } },
  /** sql-copilot v1.0.0: in between, under every threshold. */
  middle: { id: seedUuid("deployment:sql-v1"), traffic: { count: 300, latencyScale: 0.6, serverErrorRate: 0, clientErrorRate: 0 } },
} as const;

async function writeFleetTraffic(db: Database) {
  for (const { id, traffic } of Object.values(FLEET)) await recordInferenceEvents(db.prisma, id, knownTraffic(traffic));
}

const ENV = {
  TRAINYARD_SIMULATOR: "off",
  TRAINYARD_ROLLOUT_SECONDS: "1",
  TRAINYARD_ROLLOUT_FAILURE_RATE: "0",
};

export async function startServerWithKnownTraffic(): Promise<TestServer> {
  const target = inject("testDatabase");
  if (target.kind === "pglite") {
    // One process at a time may open a PGlite directory: prepare it, then hand it to the server.
    const dataDir = await mkdtemp(path.join(tmpdir(), "trainyard-e2e-deployments-"));
    const db = await openDatabase({ dataDir });
    await applyMigrations(db);
    await seedDemoData(db);
    await writeFleetTraffic(db);
    await db.close();
    const server = await startServer({ dataDir, env: ENV });
    return {
      ...server,
      async stop(options) {
        await server.stop(options);
        await rm(dataDir, { recursive: true, force: true });
      },
    };
  }
  // A server database is shared by design: write next to the running server, in the database it logged.
  const server = await startServer({ env: ENV });
  const name = server.output().match(/database: PostgreSQL \S+?\/(\S+)/)?.[1];
  if (!name) throw new Error(`could not tell which database the server uses:\n${server.output()}`);
  const db = await openDatabase({ databaseUrl: withDatabase(target.serverUrl, name), poolSize: 2 });
  try {
    await writeFleetTraffic(db);
  } finally {
    await db.close();
  }
  return server;
}
