import { isUuid } from "../ids.ts";
import { createHash, randomBytes } from "node:crypto";
import { inTransaction, type Db, type PrismaClient } from "../db.ts";
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
  await prisma.apiToken.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  const token = await prisma.apiToken.findUnique({ where: { id } });
  if (!token) throw new NotFoundError("API token", id);
  return token;
}

export type TokenCheck =
  | { ok: true; id: string; name: string; scopes: Scope[] }
  | { ok: false; reason: string; name?: string };

/** Resolves a presented secret to its token, or says why it cannot be used. */
export async function authenticateToken(prisma: Db, args: { secret: string; now?: Date }): Promise<TokenCheck> {
  const { secret, now = new Date() } = args;
  if (!isWellFormedSecret(secret)) {
    return { ok: false, reason: `Malformed API token: expected "${TOKEN_MARKER}" followed by 43 characters` };
  }
  const token = await prisma.apiToken.findUnique({ where: { secretHash: hashSecret(secret) } });
  if (!token) return { ok: false, reason: "Unknown API token" };
  const status = tokenStatus(token, now);
  if (status === "REVOKED") return { ok: false, reason: `API token "${token.name}" has been revoked`, name: token.name };
  if (status === "EXPIRED") return { ok: false, reason: `API token "${token.name}" expired on ${token.expiresAt!.toISOString()}`, name: token.name };
  if (!token.lastUsedAt || now.getTime() - token.lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await prisma.apiToken.updateMany({
      where: { id: token.id, OR: [{ lastUsedAt: null }, { lastUsedAt: { lt: new Date(now.getTime() - LAST_USED_RESOLUTION_MS) } }] },
      data: { lastUsedAt: now },
    });
  }
  return { ok: true, id: token.id, name: token.name, scopes: token.scopes.filter((s): s is Scope => (SCOPES as readonly string[]).includes(s)) };
}
