import { isUuid } from "../ids.ts";
import { createHash, randomBytes } from "node:crypto";
import { inTransaction, isClient, type Database, type Db, type PrismaClient } from "../db.ts";
import { subscribe, type Subscription } from "../listen.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { SCOPES, type Scope } from "../scopes.ts";
import { NotFoundError, ValidationError } from "../errors.ts";
import { createApiTokenInput, type CreateApiTokenInput } from "../validation/tokens.ts";

/**
 * API tokens are bearer secrets: `ty_` + 43 base64url characters (256 random
 * bits). Only their sha256 is stored, so a database dump yields no usable
 * credential; the first characters are kept as a `prefix` so people can tell
 * tokens apart in lists and logs. The `ty_` marker lets secret scanners spot
 * leaked tokens.
 */
export const TOKEN_MARKER = "ty_";
const SECRET_PATTERN = /^ty_[A-Za-z0-9_-]{43}$/;
const PREFIX_LENGTH = TOKEN_MARKER.length + 8;
/** lastUsedAt is written at most this often per token, so busy pipelines do not write on every request. */
const LAST_USED_RESOLUTION_MS = 60_000;

export const hashSecret = (secret: string) => createHash("sha256").update(secret, "utf8").digest("hex");

export const isWellFormedSecret = (secret: string) => SECRET_PATTERN.test(secret);

export type TokenStatus = "ACTIVE" | "EXPIRED" | "REVOKED";

export function tokenStatus(token: { expiresAt: Date | null; revokedAt: Date | null }, now = new Date()): TokenStatus {
  if (token.revokedAt) return "REVOKED";
  if (token.expiresAt && token.expiresAt.getTime() <= now.getTime()) return "EXPIRED";
  return "ACTIVE";
}

/** Creates a token and returns it with its secret: the only time the secret exists outside the caller's hands. */
export async function createApiToken(prisma: Db, args: { input: CreateApiTokenInput; actor: string }) {
  const createdBy = args.actor;
  const parsed = createApiTokenInput.safeParse(args.input);
  if (!parsed.success) {
    throw new ValidationError(
      parsed.error.issues[0]!.message,
      parsed.error.issues.map((i) => ({ path: ["input", ...i.path].join("."), message: i.message })),
    );
  }
  const { name, scopes, expiresAt } = parsed.data;
  // A prefix collision (48 random bits) is astronomically rare; the unique index settles it and we draw again.
  for (let attempt = 0; ; attempt++) {
    const secret = `${TOKEN_MARKER}${randomBytes(32).toString("base64url")}`;
    try {
      const token = await prisma.apiToken.create({
        data: { name, scopes, expiresAt: expiresAt ?? null, createdBy, prefix: secret.slice(0, PREFIX_LENGTH), secretHash: hashSecret(secret) },
      });
      return { token, secret };
    } catch (err) {
      if (attempt < 3 && err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") continue;
      throw err;
    }
  }
}

/** Revokes a token; revoking it again keeps the first revocation time. */
export async function revokeApiToken(prisma: Db, id: string) {
  if (!isUuid(id)) throw new NotFoundError("API token", id);
  // Before the write: from now on this process reads the token from the database on every use (its own
  // transaction may not have committed yet), until the database shows it revoked (ADR 0038).
  revokingInProcess.add(id);
  await prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const token = await prisma.apiToken.findUnique({ where: { id } });
  if (!token) {
    revokingInProcess.delete(id);
    throw new NotFoundError("API token", id);
  }
  return token;
}

export type TokenCheck =
  | { ok: true; id: string; name: string; scopes: Scope[] }
  | { ok: false; reason: string; name?: string };

/**
 * How long a process may answer for a token from what it read, without reading it again: the bound on how
 * late another process learns of a revocation when change notifications are not heard (PostgreSQL down, no
 * `watchTokenChanges`). With them, it learns at the revoking transaction's commit; the revoking process
 * itself refuses the token at once (docs/decisions/0038-ingestion-hot-path.md).
 */
export const TOKEN_CACHE_MS = 5_000;
/** The channel token changes are announced on (payload: the token's id; migration 20261128510000_token_notify). */
export const TOKEN_CHANNEL = "trainyard_tokens";

interface CachedToken {
  id: string;
  name: string;
  scopes: Scope[];
  expiresAt: Date | null;
  revokedAt: Date | null;
  /** When the read that produced this entry started (performance.now()): older than any change heard after it. */
  readAt: number;
}
/** Per client: secret hash → the token as last read. Only tokens that exist are kept, so it holds at most one entry per token. */
const tokenCaches = new WeakMap<object, Map<string, CachedToken>>();
const MAX_CACHED_TOKENS = 10_000;
/** Tokens this process is revoking: always read from the database until it shows them revoked. */
const revokingInProcess = new Set<string>();
/** Token id → when a change to it was heard (performance.now()); entries read before that are stale. */
const changedAt = new Map<string, number>();
/** When every entry became stale (the notification session reconnected: anything may have changed). */
let everythingChangedAt = -Infinity;

/** A change to token `id` (or to any token, for null) committed: entries read before now are not used again. */
export function forgetTokens(id: string | null): void {
  const at = performance.now();
  if (id === null) everythingChangedAt = at;
  else changedAt.set(id, at);
  for (const [key, when] of changedAt) if (at - when > TOKEN_CACHE_MS) changedAt.delete(key);
}

/**
 * Hears token changes committed by any process (revocations, expiry or scope changes: a trigger announces
 * them) and forgets what this process had read of those tokens. The server runs one for its lifetime.
 */
export function watchTokenChanges(db: Database): Subscription {
  return subscribe(db, [TOKEN_CHANNEL], (_channel, payload) => forgetTokens(payload === "" ? null : payload), {
    log: (line) => console.warn(`[tokens] ${line}`),
  });
}

function cachedToken(cache: Map<string, CachedToken> | undefined, hash: string): CachedToken | undefined {
  const entry = cache?.get(hash);
  if (!entry) return undefined;
  const fresh =
    performance.now() - entry.readAt < TOKEN_CACHE_MS &&
    entry.readAt > everythingChangedAt &&
    entry.readAt > (changedAt.get(entry.id) ?? -Infinity) &&
    !revokingInProcess.has(entry.id);
  return fresh ? entry : undefined;
}

function check(token: { name: string; expiresAt: Date | null; revokedAt: Date | null }, now: Date): TokenCheck | null {
  const status = tokenStatus(token, now);
  if (status === "REVOKED") return { ok: false, reason: `API token "${token.name}" has been revoked`, name: token.name };
  if (status === "EXPIRED") return { ok: false, reason: `API token "${token.name}" expired on ${token.expiresAt!.toISOString()}`, name: token.name };
  return null;
}

/**
 * Resolves a presented secret to its token, or says why it cannot be used. On a client (not inside a
 * transaction) what was read is reused for up to TOKEN_CACHE_MS, so a busy client's requests do not each
 * cost a round trip; expiry is still checked against `now` on every use, and a change heard from the
 * database or a revocation by this process makes the next use read the token again.
 */
export async function authenticateToken(prisma: Db, args: { secret: string; now?: Date }): Promise<TokenCheck> {
  const { secret, now = new Date() } = args;
  if (!isWellFormedSecret(secret)) {
    return { ok: false, reason: `Malformed API token: expected "${TOKEN_MARKER}" followed by 43 characters` };
  }
  const hash = hashSecret(secret);
  let cache = isClient(prisma) ? tokenCaches.get(prisma) : undefined;
  const hit = cachedToken(cache, hash);
  if (hit) return check(hit, now) ?? { ok: true, id: hit.id, name: hit.name, scopes: hit.scopes };

  const readAt = performance.now();
  const token = await prisma.apiToken.findUnique({ where: { secretHash: hash } });
  if (!token) return { ok: false, reason: "Unknown API token" };
  if (token.revokedAt) revokingInProcess.delete(token.id);
  const scopes = token.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s));
  if (isClient(prisma)) {
    if (!cache) tokenCaches.set(prisma, (cache = new Map()));
    if (cache.size >= MAX_CACHED_TOKENS) cache.clear();
    cache.set(hash, { id: token.id, name: token.name, scopes, expiresAt: token.expiresAt, revokedAt: token.revokedAt, readAt });
  }
  const refused = check(token, now);
  if (refused) return refused;
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await prisma.apiToken.updateMany({
      where: { id: token.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }] },
      data: { lastUsedAt: now },
    });
  }
  return { ok: true, id: token.id, name: token.name, scopes };
}
