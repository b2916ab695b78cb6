import { inTransaction, type Db } from "../db.ts";
import { InvalidStateError, NotFoundError, ValidationError } from "../errors.ts";
import { Prisma, type DeploymentStatus } from "../generated/prisma/client.ts";
import { isUuid } from "../ids.ts";

type Tx = Prisma.TransactionClient;
/** Stores SQL NULL in a Json? column. */
const PrismaJsonNull = Prisma.DbNull;

/** Same namespace as deployments.ts: one model's versions, production and split change one at a time. */
const MODEL_LOCK_NAMESPACE = 7270_4001;
const TX_OPTIONS = { maxWait: 30_000, timeout: 30_000 } as const;

export const UPSTREAM_URL_MAX = 2048;
export const HEALTH_PATH_MAX = 512;

/**
 * An upstream is where the model server for one version listens: an absolute
 * http(s) URL with a host, no credentials, query or fragment (the gateway
 * appends the caller's path). Returned without a trailing slash.
 */
export function validateUpstreamUrl(raw: string, path = "upstreamUrl"): string {
  const fail = (message: string): never => {
    throw new ValidationError(`Invalid upstream URL: ${message}`, [{ path, message }]);
  };
  const text = raw.trim();
  if (text.length === 0) fail("it is empty");
  if (text.length > UPSTREAM_URL_MAX) fail(`at most ${UPSTREAM_URL_MAX} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail(`"${text.slice(0, 80)}" is not an absolute URL (expected e.g. http://10.0.0.5:8000)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") fail(`it must start with http:// or https:// (got ${url.protocol}//)`);
  if (!url.hostname) fail("it has no host");
  if (url.username || url.password) fail("credentials in the URL are not allowed");
  if (url.search || url.hash) fail("a query string or fragment is not allowed");
  return url.toString().replace(/\/+$/, "");
}

export function validateHealthPath(raw: string, path = "healthPath"): string {
  const text = raw.trim();
  if (!/^\/[\x21-\x7e]*$/.test(text) || text.length > HEALTH_PATH_MAX) {
    throw new ValidationError(`Invalid health path: it must start with "/" and hold at most ${HEALTH_PATH_MAX} printable characters`, [
      { path, message: 'starts with "/", printable ASCII' },
    ]);
  }
  return text;
}

export interface ServingInput {
  upstreamUrl?: string | null;
  healthPath?: string | null;
  isPublic?: boolean | null;
}

/** Validated serving fields for a new deployment; a null upstream means the simulated model server. */
export function servingFields(input: ServingInput | undefined) {
  const upstreamUrl = input?.upstreamUrl == null ? null : validateUpstreamUrl(input.upstreamUrl);
  const healthPath = input?.healthPath == null ? "/health" : validateHealthPath(input.healthPath);
  return { upstreamUrl, healthPath, isPublic: input?.isPublic ?? false };
}

async function lockModel(tx: Tx, modelName: string) {
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(${MODEL_LOCK_NAMESPACE}::int, hashtext(${modelName}))`;
}

async function lockDeployment(tx: Tx, id: string) {
  const rows = await tx.$queryRaw<Array<{ status: DeploymentStatus; modelName: string; version: string }>>`
    SELECT status::text AS status, "modelName", version FROM "Deployment" WHERE id = ${id}::uuid FOR UPDATE`;
  if (!rows[0]) throw new NotFoundError("Deployment", id);
  return rows[0];
}

/**
 * Points a deployment at another model server (or, with null, at the simulated
 * one). Its readiness starts over: a DEPLOYING rollout gets a fresh timeout,
 * an ACTIVE one stays ACTIVE and is shown unhealthy until the new upstream answers.
 */
export async function setDeploymentUpstream(
  db: Db,
  options: {
    id: string;
    input: ServingInput;
    actor: string;
    /** config.serving.rolloutTimeoutMs and config.rollout.seconds */
    rolloutTimeoutMs: number;
    simulatedRolloutSeconds: number;
    now?: Date;
  },
) {
  const { id, input, actor: actorName } = options;
  if (!isUuid(id)) throw new NotFoundError("Deployment", id);
  const upstreamUrl = input.upstreamUrl == null ? null : validateUpstreamUrl(input.upstreamUrl);
  const healthPath = input.healthPath == null ? undefined : validateHealthPath(input.healthPath);
  return inTransaction(
    db,
    async (tx) => {
      const current = await lockDeployment(tx, id);
      if (current.status === "RETIRED" || current.status === "FAILED") {
        throw new InvalidStateError(`The upstream of a ${current.status.toLowerCase()} deployment cannot change; deploy the job again`);
      }
      const now = options.now ?? new Date();
      const rollout =
        current.status === "DEPLOYING"
          ? upstreamUrl
            ? { rolloutDeadline: new Date(now.getTime() + options.rolloutTimeoutMs), rolloutReadyAt: null }
            : { rolloutDeadline: null, rolloutReadyAt: new Date(now.getTime() + options.simulatedRolloutSeconds * 1000) }
          : {};
      await tx.deploymentEvent.create({
        data: {
          deploymentId: id,
          action: "SET_UPSTREAM",
          fromStatus: current.status,
          toStatus: current.status,
          actor: actorName,
          detail: upstreamUrl ? `Upstream set to ${upstreamUrl}${healthPath ? ` (health ${healthPath})` : ""}` : "Served by the simulated model server",
        },
      });
      return tx.deployment.update({
        where: { id },
        data: {
          upstreamUrl,
          ...(healthPath ? { healthPath } : {}),
          ...(input.isPublic == null ? {} : { isPublic: input.isPublic }),
          probeSuccesses: 0,
          healthy: null,
          lastProbeAt: null,
          lastProbeError: null,
          ...rollout,
        },
      });
    },
    TX_OPTIONS,
  );
}

export interface SplitEntry {
  deploymentId: string;
  percent: number;
}

/** Production moves (promote, rollback): the split, if any, is cleared. Call inside the model's lock. */
export async function setProduction(tx: Tx, args: { modelName: string; deploymentId: string; actor: string }) {
  const { modelName, deploymentId, actor: actorName } = args;
  await tx.modelRoute.upsert({
    where: { modelName },
    create: { modelName, productionDeploymentId: deploymentId, splits: undefined, updatedBy: actorName },
    update: { productionDeploymentId: deploymentId, splits: PrismaJsonNull, updatedBy: actorName },
  });
}


/** Makes an ACTIVE version the one `/v1/models/{modelName}/…` serves; any traffic split is cleared. */
export async function promoteDeployment(db: Db, args: { id: string; actor: string }) {
  const { id, actor: actorName } = args;
  if (!isUuid(id)) throw new NotFoundError("Deployment", id);
  return inTransaction(
    db,
    async (tx) => {
      const found = await tx.deployment.findUnique({ where: { id }, select: { modelName: true } });
      if (!found) throw new NotFoundError("Deployment", id);
      await lockModel(tx, found.modelName);
      const current = await lockDeployment(tx, id);
      if (current.status !== "ACTIVE") {
        throw new InvalidStateError(`Only an active version can be promoted to production; ${current.version} is ${current.status.toLowerCase()}`);
      }
      await setProduction(tx, { modelName: current.modelName, deploymentId: id, actor: actorName });
      await tx.deploymentEvent.create({
        data: { deploymentId: id, action: "PROMOTE", fromStatus: "ACTIVE", toStatus: "ACTIVE", actor: actorName, detail: `${current.version} is production` },
      });
      return tx.deployment.findUniqueOrThrow({ where: { id } });
    },
    TX_OPTIONS,
  );
}

/**
 * Sends `/v1/models/{modelName}/…` to several versions by weight (canary). The
 * percents are whole numbers summing to 100, each version named once, all of
 * this model and ACTIVE or PAUSED (a paused one answers 503 for its share).
 * An empty list clears the split: production serves everything again.
 */
export async function setTrafficSplit(db: Db, args: { modelName: string; splits: readonly SplitEntry[]; actor: string }) {
  const { modelName, splits, actor: actorName } = args;
  const name = modelName.trim();
  if (!name || name.length > 200) throw new ValidationError("modelName is required (at most 200 characters)", [{ path: "modelName", message: "required" }]);
  if (splits.length > 10) throw new ValidationError("A split names at most 10 versions", [{ path: "splits", message: "at most 10 entries" }]);
  const seen = new Set<string>();
  splits.forEach((s, i) => {
    if (!Number.isInteger(s.percent) || s.percent < 0 || s.percent > 100) {
      throw new ValidationError(`splits.${i}.percent must be a whole number from 0 to 100`, [{ path: `splits.${i}.percent`, message: "0 to 100" }]);
    }
    if (seen.has(s.deploymentId)) {
      throw new ValidationError(`splits.${i} names a version already in the split`, [{ path: `splits.${i}.deploymentId`, message: "duplicate" }]);
    }
    seen.add(s.deploymentId);
  });
  const total = splits.reduce((sum, s) => sum + s.percent, 0);
  if (splits.length > 0 && total !== 100) {
    throw new ValidationError(`Split percents must sum to 100 (they sum to ${total})`, [{ path: "splits", message: `sum is ${total}, not 100` }]);
  }
  return inTransaction(
    db,
    async (tx) => {
      await lockModel(tx, name);
      const anyVersion = await tx.deployment.findFirst({ where: { modelName: name }, select: { id: true } });
      if (!anyVersion) throw new NotFoundError("Model", name);
      for (const [i, s] of splits.entries()) {
        const d = isUuid(s.deploymentId)
          ? await tx.deployment.findUnique({ where: { id: s.deploymentId }, select: { modelName: true, status: true, version: true } })
          : null;
        if (!d) throw new NotFoundError("Deployment", s.deploymentId);
        if (d.modelName !== name) {
          throw new ValidationError(`splits.${i} is a version of ${d.modelName}, not ${name}`, [{ path: `splits.${i}.deploymentId`, message: "another model's version" }]);
        }
        if (d.status !== "ACTIVE" && d.status !== "PAUSED") {
          throw new InvalidStateError(`${d.version} is ${d.status.toLowerCase()}: only active or paused versions can take traffic`);
        }
      }
      const value = splits.length ? (splits.map((s) => ({ deploymentId: s.deploymentId, percent: s.percent })) as Prisma.InputJsonValue) : PrismaJsonNull;
      return tx.modelRoute.upsert({
        where: { modelName: name },
        create: { modelName: name, productionDeploymentId: null, splits: value, updatedBy: actorName },
        update: { splits: value, updatedBy: actorName },
      });
    },
    TX_OPTIONS,
  );
}

/** The stored route of a model, or its implicit one (production: the newest ACTIVE version). */
export async function modelRoute(db: Db, modelName: string) {
  const route = await db.modelRoute.findUnique({ where: { modelName } });
  let productionId = route?.productionDeploymentId ?? null;
  if (!productionId) {
    const newest = await db.deployment.findFirst({
      where: { modelName, status: "ACTIVE" },
      orderBy: [{ versionMajor: "desc" }, { versionMinor: "desc" }, { versionPatch: "desc" }],
      select: { id: true },
    });
    productionId = newest?.id ?? null;
  }
  return { modelName, productionDeploymentId: productionId, explicit: Boolean(route?.productionDeploymentId), splits: parseSplits(route?.splits ?? null) };
}

/**
 * The production deployment of each model name, as `modelRoute` decides it (the pinned one, else the newest
 * ACTIVE version), for many names in one query: a page of deployments asks once, not once per row.
 */
export async function productionDeploymentIds(db: Db, modelNames: readonly string[]): Promise<Map<string, string | null>> {
  const rows = await db.$queryRaw<Array<{ name: string; id: string | null }>>`
    SELECT m.name, COALESCE(r."productionDeploymentId", n.id)::text AS id
    FROM unnest(${[...modelNames]}::text[]) AS m(name)
    LEFT JOIN "ModelRoute" r ON r."modelName" = m.name
    LEFT JOIN LATERAL (
      SELECT d.id FROM "Deployment" d WHERE d."modelName" = m.name AND d."status" = 'ACTIVE'
      ORDER BY d."versionMajor" DESC, d."versionMinor" DESC, d."versionPatch" DESC LIMIT 1) n ON true`;
  return new Map(rows.map((r) => [r.name, r.id]));
}

export function parseSplits(value: unknown): SplitEntry[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  return value
    .filter((v): v is SplitEntry => typeof v === "object" && v !== null && typeof (v as SplitEntry).deploymentId === "string")
    .map((v) => ({ deploymentId: v.deploymentId, percent: Number(v.percent) }));
}
