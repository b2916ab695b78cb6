import type { Db, PrismaClient } from "../db.ts";
import { msUntilEarliest } from "./due.ts";
import type { DeploymentStatus } from "../generated/prisma/client.ts";

/** Consecutive 2xx readiness answers that finish a rollout. */
export const PROBES_TO_ACTIVATE = 3;
const PROBE_ACTOR = "rollout-probe";

export interface ProbeOptions {
  /** How often a DEPLOYING upstream is probed. */
  probeIntervalMs: number;
  /** How often an ACTIVE upstream is probed. */
  healthIntervalMs: number;
  probeTimeoutMs: number;
  now?: Date;
  limit?: number;
}

export interface ProbeResult {
  ok: boolean;
  /** Why not: "HTTP 503", "connection refused", "timed out after 2000 ms", … */
  error: string | null;
}

/** One readiness probe: GET {upstream}{healthPath}; 2xx is ready, anything else (or no answer) is the reason it is not. */
export async function probeUpstream(args: { upstreamUrl: string; healthPath: string; timeoutMs: number }): Promise<ProbeResult> {
  const { upstreamUrl, healthPath, timeoutMs } = args;
  const target = `${upstreamUrl}${healthPath}`;
  try {
    const res = await fetch(target, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { ok: true, error: null };
    return { ok: false, error: `GET ${target} answered HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    if (e.name === "TimeoutError" || e.name === "AbortError") return { ok: false, error: `GET ${target} did not answer within ${timeoutMs} ms` };
    const code = e.cause?.code;
    const why = code === "ECONNREFUSED" ? "connection refused" : code === "ENOTFOUND" ? "host not found" : (e.cause?.message ?? e.message);
    return { ok: false, error: `GET ${target} failed: ${why}` };
  }
}

interface Claimed {
  id: string;
  status: DeploymentStatus;
  upstreamUrl: string;
  healthPath: string;
}

/**
 * Probes the upstreams that are due, across any number of processes: a row is
 * claimed by stamping `lastProbeAt` under FOR UPDATE SKIP LOCKED (so two
 * processes never probe one deployment in the same period), probed with no
 * transaction open, and its outcome applied under a row lock that re-checks the
 * status. DEPLOYING → ACTIVE after 3 consecutive 2xx; → FAILED once the
 * rollout deadline has passed, with the last probe error as the reason. ACTIVE
 * upstreams keep being probed; `healthy` says how the last probe went.
 */
/** Milliseconds until the next upstream is due for a probe (null: no deployment has an upstream to probe). */
export function nextProbeDueInMs(db: Db, options: Pick<ProbeOptions, "probeIntervalMs" | "healthIntervalMs">, now = new Date()) {
  return msUntilEarliest(
    db,
    {
      from: `"Deployment"`,
      due: `COALESCE("lastProbeAt", '-infinity'::timestamp) + make_interval(secs => CASE WHEN status = 'DEPLOYING' THEN $2::float8 ELSE $3::float8 END / 1000)`,
      where: `"upstreamUrl" IS NOT NULL AND status IN ('DEPLOYING', 'ACTIVE')`,
    },
    now,
    [options.probeIntervalMs, options.healthIntervalMs],
  );
}

export async function probeUpstreams(prisma: PrismaClient, options: ProbeOptions): Promise<number> {
  const now = options.now ?? new Date();
  const deployingDue = new Date(now.getTime() - options.probeIntervalMs + 20).toISOString();
  const activeDue = new Date(now.getTime() - options.healthIntervalMs + 20).toISOString();
  const claimed = await prisma.$queryRaw<Claimed[]>`
    UPDATE "Deployment" d SET "lastProbeAt" = ${now.toISOString()}::timestamp
    WHERE d.id IN (
      SELECT id FROM "Deployment"
      WHERE "upstreamUrl" IS NOT NULL
        AND ((status = 'DEPLOYING' AND ("lastProbeAt" IS NULL OR "lastProbeAt" <= ${deployingDue}::timestamp))
          OR (status = 'ACTIVE' AND ("lastProbeAt" IS NULL OR "lastProbeAt" <= ${activeDue}::timestamp)))
      ORDER BY "lastProbeAt" NULLS FIRST, id
      LIMIT ${options.limit ?? 50}
      FOR UPDATE SKIP LOCKED)
    RETURNING d.id::text AS id, d.status::text AS status, d."upstreamUrl", d."healthPath"`;
  await Promise.all(
    claimed.map(async (c) => {
      const result = await probeUpstream({ upstreamUrl: c.upstreamUrl, healthPath: c.healthPath, timeoutMs: options.probeTimeoutMs });
      await applyProbe(prisma, c, result, new Date()).catch((err) => console.warn(`[rollout] could not record a probe of ${c.id}: ${(err as Error).message}`));
    }),
  );
  return claimed.length;
}

async function applyProbe(prisma: PrismaClient, probed: Claimed, result: ProbeResult, now: Date) {
  await prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<
      Array<{ status: DeploymentStatus; upstreamUrl: string | null; probeSuccesses: number; rolloutDeadline: Date | null; healthy: boolean | null }>
    >`
      SELECT status::text AS status, "upstreamUrl", "probeSuccesses", "rolloutDeadline", healthy
      FROM "Deployment" WHERE id = ${probed.id}::uuid FOR UPDATE`;
    const d = rows[0];
    // Changed while we probed (paused, retired, pointed elsewhere): this answer is about something else.
    if (!d || d.status !== probed.status || d.upstreamUrl !== probed.upstreamUrl) return;
    const successes = result.ok ? d.probeSuccesses + 1 : 0;
    if (d.status === "DEPLOYING") {
      if (successes >= PROBES_TO_ACTIVATE) {
        await tx.deployment.update({
          where: { id: probed.id },
          data: { status: "ACTIVE", activatedAt: now, probeSuccesses: successes, healthy: true, lastProbeError: null },
        });
        await tx.deploymentEvent.create({
          data: {
            deploymentId: probed.id,
            action: "ACTIVATE",
            fromStatus: "DEPLOYING",
            toStatus: "ACTIVE",
            actor: PROBE_ACTOR,
            detail: `Readiness probe GET ${probed.healthPath} answered 2xx ${PROBES_TO_ACTIVATE} times in a row`,
          },
        });
        return;
      }
      if (!result.ok && d.rolloutDeadline && now >= d.rolloutDeadline) {
        const reason = `Rollout timed out: the upstream never became ready. Last probe: ${result.error}`;
        await tx.deployment.update({
          where: { id: probed.id },
          data: { status: "FAILED", failureReason: reason, probeSuccesses: 0, healthy: false, lastProbeError: result.error },
        });
        await tx.deploymentEvent.create({
          data: { deploymentId: probed.id, action: "FAIL", fromStatus: "DEPLOYING", toStatus: "FAILED", actor: PROBE_ACTOR, detail: reason },
        });
        return;
      }
      await tx.deployment.update({
        where: { id: probed.id },
        data: { probeSuccesses: successes, healthy: result.ok, lastProbeError: result.error ?? undefined },
      });
      return;
    }
    // ACTIVE: record health; a change of health is written to the version history.
    await tx.deployment.update({
      where: { id: probed.id },
      data: { probeSuccesses: successes, healthy: result.ok, lastProbeError: result.ok ? null : result.error },
    });
    if (d.healthy !== null && d.healthy !== result.ok) {
      await tx.deploymentEvent.create({
        data: {
          deploymentId: probed.id,
          action: result.ok ? "HEALTHY" : "UNHEALTHY",
          fromStatus: "ACTIVE",
          toStatus: "ACTIVE",
          actor: PROBE_ACTOR,
          detail: result.ok ? "Readiness probe answers 2xx again" : result.error,
        },
      });
    }
  });
}
