import { createHash } from "node:crypto";
import type { PrismaClient } from "../db.ts";
import { BaseError } from "../errors.ts";
import { ingestInTransaction, refreshDeploymentStats, validateBatch } from "./metrics.ts";
import type { InferenceEventInput } from "../validation/inference.ts";
import { logNormal, poisson, seededRandom } from "./random.ts";

/**
 * The built-in traffic simulator: realistic inference events for every ACTIVE
 * deployment, written through the same ingestion service gateways use, so the
 * demo's numbers are computed from stored events like real ones.
 *
 * Each deployment has a SimulatorCursor row saying how far it has been fed.
 * A process claims the row with FOR UPDATE SKIP LOCKED, generates the events
 * between the cursor and now, ingests them and moves the cursor in the same
 * transaction: one process feeds a deployment at a time and no interval is
 * fed twice, however many web processes run. A new cursor starts 24 hours back
 * (or at the deployment's activation, if later), so the charts are full at once.
 */

const SECOND_MS = 1000;
const HOUR_MS = 3600 * SECOND_MS;
const BACKFILL_MS = 24 * HOUR_MS;
/** Events are generated and validated an hour at a time, well under the batch limit. */
const CHUNK_MS = HOUR_MS;

export interface TrafficProfile {
  name: string;
  /** Mean requests per second at the daily average. */
  baseRps: number;
  /** Median latency (the log-normal's e^μ) and its σ. */
  medianMs: number;
  sigma: number;
  serverErrorRate: number;
  clientErrorRate: number;
}

/** Different enough that the demo shows healthy, slow (P50 > 200 ms, P95 > 500 ms) and failing (> 1 % errors) deployments. */
export const PROFILES: readonly TrafficProfile[] = [
  { name: "steady", baseRps: 2.5, medianMs: 85, sigma: 0.35, serverErrorRate: 0.002, clientErrorRate: 0.01 },
  { name: "heavy", baseRps: 1.0, medianMs: 235, sigma: 0.5, serverErrorRate: 0.004, clientErrorRate: 0.006 },
  { name: "flaky", baseRps: 1.8, medianMs: 140, sigma: 0.55, serverErrorRate: 0.018, clientErrorRate: 0.025 },
  { name: "snappy", baseRps: 4.0, medianMs: 18, sigma: 0.3, serverErrorRate: 0.001, clientErrorRate: 0.004 },
];

function hash32(text: string): number {
  return createHash("sha1").update(text).digest().readUInt32BE(0);
}

/** The salt is picked so the demo seed's three active deployments get three different profiles. */
export function profileFor(deploymentId: string): TrafficProfile {
  return PROFILES[hash32(`trainyard-traffic-13:${deploymentId}`) % PROFILES.length]!;
}

/** Busy afternoons (UTC), quiet nights: 0.45× to 1.55× the base rate. */
function dailyRhythm(ms: number): number {
  const hour = (ms % (24 * HOUR_MS)) / HOUR_MS;
  return 1 + 0.55 * Math.sin((2 * Math.PI * (hour - 8)) / 24);
}

/** Incidents come in 10-minute blocks, the same for a deployment whichever process generates them. */
function incidentsAt(deploymentId: string, ms: number) {
  const block = Math.floor(ms / (10 * 60 * SECOND_MS));
  const h = hash32(`${deploymentId}:${block}`);
  return { errorBurst: h % 100 < 4, slowPeriod: (h >>> 8) % 100 < 5 };
}

/** The events a deployment received in [fromMs, toMs). */
export function generateEvents(deploymentId: string, fromMs: number, toMs: number): InferenceEventInput[] {
  const profile = profileFor(deploymentId);
  const random = seededRandom(hash32(`${deploymentId}:${fromMs}`));
  const events: InferenceEventInput[] = [];
  for (let second = fromMs; second < toMs; second += SECOND_MS) {
    const span = Math.min(SECOND_MS, toMs - second);
    const count = poisson((profile.baseRps * dailyRhythm(second) * span) / SECOND_MS, random);
    if (count === 0) continue;
    const { errorBurst, slowPeriod } = incidentsAt(deploymentId, second);
    const serverErrorRate = errorBurst ? profile.serverErrorRate + 0.15 : profile.serverErrorRate;
    for (let i = 0; i < count; i++) {
      let latencyMs = logNormal(random, profile.medianMs, profile.sigma);
      if (slowPeriod) latencyMs *= 2.2;
      const roll = random();
      const outcome = roll < serverErrorRate ? "SERVER_ERROR" : roll < serverErrorRate + profile.clientErrorRate ? "CLIENT_ERROR" : "OK";
      // Failed requests tend to fail fast or time out; client errors are rejected early.
      if (outcome === "CLIENT_ERROR") latencyMs *= 0.3;
      events.push({ timestamp: new Date(second + Math.floor(random() * span)), latencyMs: Math.round(latencyMs * 100) / 100, outcome });
    }
  }
  return events;
}

/**
 * One pass: makes sure every ACTIVE deployment has a cursor, then feeds each
 * one this process can claim up to `now`. Returns the events written per deployment.
 */
export async function simulateTraffic(prisma: PrismaClient, now = new Date()): Promise<Map<string, number>> {
  const backfillFrom = new Date(now.getTime() - BACKFILL_MS).toISOString();
  await prisma.$executeRaw`
    INSERT INTO "SimulatorCursor" ("deploymentId", "fedUntil")
    SELECT d."id", GREATEST(${backfillFrom}::timestamp, COALESCE(d."activatedAt", d."createdAt"))
    FROM "Deployment" d WHERE d."status" = 'ACTIVE' AND d."upstreamUrl" IS NULL
    ON CONFLICT ("deploymentId") DO NOTHING`;
  // A paused deployment receives nothing: keep its cursor at now so a resume does not replay the pause as traffic.
  await prisma.$executeRaw`
    UPDATE "SimulatorCursor" c SET "fedUntil" = ${now.toISOString()}::timestamp
    FROM "Deployment" d WHERE d."id" = c."deploymentId" AND d."status" <> 'ACTIVE' AND c."fedUntil" < ${now.toISOString()}::timestamp`;
  const active = await prisma.$queryRaw<Array<{ id: string }>>`
    SELECT c."deploymentId"::text AS id FROM "SimulatorCursor" c JOIN "Deployment" d ON d."id" = c."deploymentId"
    WHERE d."status" = 'ACTIVE' AND d."upstreamUrl" IS NULL ORDER BY c."fedUntil"`;
  const fed = new Map<string, number>();
  for (const { id } of active) {
    const written = await feedDeployment(prisma, id, now).catch((err) => {
      // Paused or retired since it was listed: it simply gets no traffic now.
      if (err instanceof BaseError) return 0;
      throw err;
    });
    if (written > 0) fed.set(id, written);
  }
  if (fed.size > 0) await refreshDeploymentStats(prisma, [...fed.keys()], now);
  return fed;
}

function feedDeployment(prisma: PrismaClient, id: string, now: Date): Promise<number> {
  return prisma.$transaction(
      async (tx) => {
        const claimed = await tx.$queryRaw<Array<{ fedUntil: Date }>>`
          SELECT c."fedUntil" FROM "SimulatorCursor" c
          WHERE c."deploymentId" = ${id}::uuid FOR UPDATE SKIP LOCKED`;
        const cursor = claimed[0];
        if (!cursor) return 0;
        // A process that was down for days resumes with the last 24 hours, not a week of catch-up.
        const from = Math.max(cursor.fedUntil.getTime(), now.getTime() - BACKFILL_MS);
        if (now.getTime() - from < SECOND_MS) return 0;
        let total = 0;
        for (let start = from; start < now.getTime(); start += CHUNK_MS) {
          const events = generateEvents(id, start, Math.min(start + CHUNK_MS, now.getTime()));
          validateBatch(events, now);
          await ingestInTransaction(tx, id, events);
          total += events.length;
        }
        await tx.$executeRaw`UPDATE "SimulatorCursor" SET "fedUntil" = ${now.toISOString()}::timestamp WHERE "deploymentId" = ${id}::uuid`;
        return total;
      },
      { timeout: 120_000, maxWait: 10_000 },
  );
}
