import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import type { Db, PrismaClient } from "../db.ts";
import { Prisma } from "../generated/prisma/client.ts";
import { BaseError, NotFoundError, ValidationError } from "../errors.ts";
import type { Scope } from "../scopes.ts";
import { textProblem } from "../security/text.ts";

/**
 * Console accounts (docs/decisions/0012-console-accounts.md): people sign in
 * with a name and a password; their role is a set of the API scopes, so the
 * console is authorized by the same rule as tokens (`authorize` in audit.ts).
 */
export const ROLES = ["VIEWER", "OPERATOR", "ADMIN"] as const;
export type Role = (typeof ROLES)[number];

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  /** Looks at everything, changes nothing. */
  VIEWER: ["read"],
  /** Runs the platform: trains, deploys, routes traffic, ingests and invokes; no tokens, channels or accounts. */
  OPERATOR: ["read", "train", "deploy", "ingest", "invoke"],
  /** Everything, including API tokens, notification channels and accounts. */
  ADMIN: ["read", "train", "deploy", "ingest", "invoke", "admin"],
};

export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
const NAME_SHAPE = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$/;
/** A console session lasts this long after sign-in (then the user signs in again). */
export const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

/** scrypt with N = 2^15, r = 8, p = 1: 32 MiB and ~50–100 ms per hash (OWASP's minimum is N = 2^17 at r = 8 / p = 1 or equivalent). */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, keylen: 32 } as const;
const SCRYPT_MAXMEM = 128 * 1024 * 1024;

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT_MAXMEM });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  if (kind !== "scrypt" || !salt || !hash) return false;
  const expected = Buffer.from(hash, "base64url");
  const key = await scrypt(password, Buffer.from(salt, "base64url"), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: SCRYPT_MAXMEM });
  return timingSafeEqual(key, expected);
}

/** A stored hash to compare against when the account does not exist, so a wrong name costs as long as a wrong password. */
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hashPassword(randomBytes(16).toString("hex")));

export function normalizeUserName(raw: unknown): string {
  const name = typeof raw === "string" ? raw.trim() : "";
  const problem = textProblem(name, "name");
  if (problem) throw new ValidationError(`Name ${problem}`, [{ path: "name", message: problem }]);
  if (!NAME_SHAPE.test(name)) {
    const message = "Name must be 1–64 letters, digits, '.', '_', '@' or '-', starting with a letter or digit";
    throw new ValidationError(message, [{ path: "name", message }]);
  }
  return name;
}

export function checkPassword(raw: unknown): string {
  const password = typeof raw === "string" ? raw : "";
  let message: string | undefined;
  if (password.length < MIN_PASSWORD_LENGTH) message = `Password must be at least ${MIN_PASSWORD_LENGTH} characters`;
  else if (password.length > MAX_PASSWORD_LENGTH) message = `Password must be at most ${MAX_PASSWORD_LENGTH} characters`;
  else if (textProblem(password, "text")) message = "Password contains characters that cannot be typed (control characters or broken Unicode)";
  if (message) throw new ValidationError(message, [{ path: "password", message }]);
  return password;
}

export function parseRole(raw: unknown): Role {
  const role = typeof raw === "string" ? raw.trim().toUpperCase() : "";
  if ((ROLES as readonly string[]).includes(role)) return role as Role;
  const message = `Role must be one of ${ROLES.map((r) => r.toLowerCase()).join(", ")}`;
  throw new ValidationError(message, [{ path: "role", message }]);
}

export class ConflictError extends BaseError {
  constructor(message: string) {
    super("CONFLICT", message);
  }
}

export async function createUser(prisma: Db, input: { name: unknown; password: unknown; role: unknown }) {
  const name = normalizeUserName(input.name);
  const password = checkPassword(input.password);
  const role = parseRole(input.role);
  try {
    return await prisma.user.create({ data: { name, role, passwordHash: await hashPassword(password) }, select: USER_FIELDS });
  } catch (err) {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002") throw new ConflictError(`An account named "${name}" already exists`);
    throw err;
  }
}

const USER_FIELDS = { id: true, name: true, role: true, createdAt: true, passwordChangedAt: true } as const;

export const listUsers = (prisma: Db) => prisma.user.findMany({ select: USER_FIELDS, orderBy: { name: "asc" } });

export const adminExists = async (prisma: Db) => (await prisma.user.count({ where: { role: "ADMIN" } })) > 0;

/**
 * Sets a password and ends the account's sessions, all but `keepSessionId`
 * (the browser that changed it stays signed in; every other one is signed out).
 */
export async function setPassword(prisma: Db, args: { name: unknown; password: unknown; keepSessionId?: string }) {
  const name = normalizeUserName(args.name);
  const password = checkPassword(args.password);
  const { keepSessionId } = args;
  const passwordHash = await hashPassword(password);
  const user = await prisma.user.update({ where: { name }, data: { passwordHash, passwordChangedAt: new Date() }, select: USER_FIELDS }).catch((err) => {
    if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2025") throw new NotFoundError("Account", name);
    throw err;
  });
  const keep = keepSessionId ? [hashSessionId(keepSessionId)] : [];
  const ended = await prisma.session.deleteMany({ where: { userId: user.id, idHash: { notIn: keep } } });
  return { user, sessionsEnded: ended.count };
}

/**
 * TRAINYARD_ADMIN_PASSWORD (+ TRAINYARD_ADMIN_USER) at start: creates that admin, or makes the
 * existing account an admin with this password. An unchanged password is left alone (its sessions live on).
 */
export async function ensureAdmin(prisma: PrismaClient, args: { name: unknown; password: unknown }): Promise<"created" | "updated" | "unchanged"> {
  const name = normalizeUserName(args.name);
  const password = checkPassword(args.password);
  const existing = await prisma.user.findUnique({ where: { name } });
  if (!existing) {
    try {
      await createUser(prisma, { name, password, role: "ADMIN" });
      return "created";
    } catch (err) {
      // Another process (same PostgreSQL) created it a moment ago: fall through and compare.
      if (!(err instanceof ConflictError)) throw err;
      return ensureAdmin(prisma, { name, password });
    }
  }
  const samePassword = await verifyPassword(password, existing.passwordHash);
  if (samePassword && existing.role === "ADMIN") return "unchanged";
  if (!samePassword) await setPassword(prisma, { name, password });
  if (existing.role !== "ADMIN") await prisma.user.update({ where: { name }, data: { role: "ADMIN" } });
  return "updated";
}

export type SignInResult =
  | { ok: true; user: { id: string; name: string; role: Role }; sessionId: string }
  | { ok: false };

/** Checks a name and password; on success opens a session and returns its (secret) id for the cookie. */
export async function signIn(prisma: PrismaClient, args: { name: unknown; password: unknown }): Promise<SignInResult> {
  const name = typeof args.name === "string" ? args.name.trim() : "";
  const password = typeof args.password === "string" ? args.password : "";
  const user = NAME_SHAPE.test(name) && password.length <= MAX_PASSWORD_LENGTH ? await prisma.user.findUnique({ where: { name } }) : null;
  const matches = await verifyPassword(password.slice(0, MAX_PASSWORD_LENGTH), user?.passwordHash ?? (await dummy()));
  if (!user || !matches) return { ok: false };
  const sessionId = randomBytes(32).toString("base64url");
  await prisma.session.create({ data: { idHash: hashSessionId(sessionId), userId: user.id, expiresAt: new Date(Date.now() + SESSION_TTL_MS) } });
  // Expired sessions are removed as people sign in: the table holds live sessions and a few stragglers.
  await prisma.session.deleteMany({ where: { expiresAt: { lt: new Date() } } });
  return { ok: true, user: { id: user.id, name: user.name, role: user.role as Role }, sessionId };
}

export const hashSessionId = (id: string) => createHash("sha256").update(id, "utf8").digest("hex");
const SESSION_ID_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** The signed-in account for a cookie's session id, or null (unknown, ended or expired). */
export async function sessionUser(prisma: Db, sessionId: string | undefined): Promise<{ id: string; name: string; role: Role } | null> {
  if (!sessionId || !SESSION_ID_SHAPE.test(sessionId)) return null;
  // One statement (a findUnique with its user costs two round trips), read for every console page and form.
  const [user] = await prisma.$queryRaw<Array<{ id: string; name: string; role: Role }>>`
    SELECT u."id"::text AS id, u."name", u."role"::text AS role
    FROM "Session" s JOIN "User" u ON u."id" = s."userId"
    WHERE s."idHash" = ${hashSessionId(sessionId)} AND s."expiresAt" > ${new Date().toISOString()}::timestamp`;
  return user ?? null;
}

export async function endSession(prisma: Db, sessionId: string | undefined): Promise<void> {
  if (!sessionId || !SESSION_ID_SHAPE.test(sessionId)) return;
  await prisma.session.deleteMany({ where: { idHash: hashSessionId(sessionId) } });
}
