import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { recordEvent } from "../audit.ts";
import { userActor, type Actor } from "../context.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db.ts";
import { BaseError } from "../errors.ts";
import {
  adminExists,
  checkPassword,
  normalizeUserName,
  createUser,
  endSession,
  ROLE_SCOPES,
  sessionUser,
  setPassword,
  signIn,
  verifyPassword,
  type Role,
} from "../services/accounts.ts";
import { LoginLimiter } from "./login-limit.ts";

/**
 * Console sign-in on the server side (docs/decisions/0012-console-accounts.md). The express
 * middleware resolves the session cookie to an account on every console request; the Remix
 * routes reach the account operations through the load context (`ConsoleRequest`), so the web
 * build never bundles the database code.
 */
export const SESSION_COOKIE = "ty_session";

export interface ConsoleUser {
  id: string;
  name: string;
  role: Role;
}

export type SignInOutcome =
  | { ok: true; setCookie: string; user: ConsoleUser }
  | { ok: false; status: 400 | 401 | 429 | 404; message: string; retryAfterSeconds?: number };

/** What a console route may do about accounts for the request at hand. */
export interface ConsoleRequest {
  user: ConsoleUser | null;
  address: string;
  signIn(name: unknown, password: unknown): Promise<SignInOutcome>;
  /** Ends this browser's session; returns the Set-Cookie that clears the cookie. */
  signOut(): Promise<string>;
  /** Changes the signed-in person's password; every other session of theirs ends. */
  changePassword(current: unknown, next: unknown): Promise<{ ok: true; sessionsEnded: number } | { ok: false; message: string }>;
  /** The one-time setup link (no admin yet): whether `token` is the live one. */
  setupTokenValid(token: unknown): boolean;
  completeSetup(token: unknown, name: unknown, password: unknown): Promise<SignInOutcome>;
}

/** The one-time link that creates the first admin. Only its sha256 is kept; single use; expires. */
export class SetupLink {
  private entry: { hash: Buffer; expiresAt: number } | undefined;
  static readonly TTL_MS = 24 * 3600 * 1000;

  issue(): string {
    const token = randomBytes(24).toString("base64url");
    this.entry = { hash: digest(token), expiresAt: Date.now() + SetupLink.TTL_MS };
    return token;
  }

  isValid(token: unknown): boolean {
    if (typeof token !== "string" || !this.entry || this.entry.expiresAt <= Date.now()) return false;
    return timingSafeEqual(digest(token), this.entry.hash);
  }

  /** Takes the token if it is valid: synchronous, so of two concurrent uses exactly one wins. */
  consume(token: unknown): boolean {
    if (!this.isValid(token)) return false;
    this.entry = undefined;
    return true;
  }

  get active(): boolean {
    return this.entry !== undefined && this.entry.expiresAt > Date.now();
  }
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

export const actorFor = (user: ConsoleUser): Actor => userActor(user.name, ROLE_SCOPES[user.role]);

function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** `secure`: config.cookies.secure (NODE_ENV=production unless TRAINYARD_INSECURE_COOKIES=1). */
export function sessionCookie(args: { sessionId: string; maxAgeSeconds: number; secure: boolean }): string {
  return `${SESSION_COOKIE}=${args.sessionId}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${args.maxAgeSeconds}${args.secure ? "; Secure" : ""}`;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// /__manifest is Remix route discovery: route metadata, no data.
const OPEN_PATHS = new Set(["/login", "/setup", "/__manifest"]);
/** Posts any signed-in person may make whatever the role: their own session and password. */
const SELF_SERVICE_PATHS = new Set(["/logout", "/account"]);

export interface ConsoleAuth {
  guard: RequestHandler;
  /** The per-request account operations, for the Remix load context. */
  forRequest(req: Request, res: Response): ConsoleRequest;
  limiter: LoginLimiter;
  setup: SetupLink;
}

export function consoleAuth(
  db: Database,
  options: { cookies: Pick<Config["cookies"], "secure">; limiter?: LoginLimiter; setup?: SetupLink },
): ConsoleAuth {
  const secure = options.cookies.secure;
  const clearCookie = () => sessionCookie({ sessionId: "", maxAgeSeconds: 0, secure });
  const limiter = options.limiter ?? new LoginLimiter();
  const setup = options.setup ?? new SetupLink();
  const prisma = db.prisma;

  /**
   * In front of the Remix handler:
   * 1. Form posts must come from the console's own pages (Sec-Fetch-Site, or Origin).
   * 2. Every page and form needs a signed-in account (/login and /setup excepted).
   * 3. The role decides which forms may be posted: a viewer posts none, only an admin posts under /settings.
   */
  const guard: RequestHandler = async (req: Request, res: Response, next: NextFunction) => {
    try {
      if (req.path === "/graphql") return next();
      if (!SAFE_METHODS.has(req.method) && isCrossSite(req)) {
        return void res.status(403).type("text/plain").send("Cross-site form submission refused.");
      }
      const sessionId = cookieValue(req.headers.cookie, SESSION_COOKIE);
      const user = await sessionUser(prisma, sessionId);
      res.locals.consoleUser = user;
      res.locals.consoleSessionId = user ? sessionId : undefined;
      if (OPEN_PATHS.has(req.path)) return next();
      if (!user) {
        const back = req.method === "GET" ? req.originalUrl.replace(/([?&])_data=[^&]*&?/, "$1").replace(/[?&]$/, "") : "/";
        const location = `/login${back && back !== "/" ? `?redirectTo=${encodeURIComponent(back)}` : ""}`;
        // Remix fetches loader data with ?_data=…; it follows a redirect given in these headers.
        if (req.query._data !== undefined) return void res.status(204).set({ "X-Remix-Redirect": location, "X-Remix-Status": "302" }).end();
        return void res.redirect(302, location);
      }
      if (!SAFE_METHODS.has(req.method) && !SELF_SERVICE_PATHS.has(req.path)) {
        const needed: Role | null = user.role === "VIEWER" ? "OPERATOR" : req.path.startsWith("/settings") && user.role !== "ADMIN" ? "ADMIN" : null;
        if (needed) {
          await recordEvent(prisma, actorFor(user), {
            action: `console ${req.method} ${req.path}`,
            outcome: "REFUSED",
            errorCode: "FORBIDDEN",
            detail: { reason: `role ${user.role.toLowerCase()} may not do this (needs ${needed.toLowerCase()})` },
          });
          // Drain what the browser sends, then answer: a form post gets its page, not a reset.
          req.resume();
          return void res
            .status(403)
            .type("text/plain")
            .send(`Your account "${user.name}" has the ${user.role.toLowerCase()} role, which may not do this. Ask an admin for the ${needed.toLowerCase()} role.`);
        }
      }
      next();
    } catch (err) {
      next(err);
    }
  };

  const forRequest = (req: Request, res: Response): ConsoleRequest => {
    const address = req.socket.remoteAddress ?? "unknown";
    const user = (res.locals.consoleUser as ConsoleUser | null | undefined) ?? null;
    const sessionId = res.locals.consoleSessionId as string | undefined;
    return {
      user,
      address,
      async signIn(rawName, password) {
        const name = typeof rawName === "string" ? rawName.trim().slice(0, 200) : "";
        const wait = limiter.retryAfterSeconds(name, address);
        if (wait > 0) {
          await recordEvent(prisma, { kind: "CONSOLE", name: name || "anonymous" }, { action: "signIn", outcome: "REFUSED", errorCode: "RATE_LIMITED", detail: { address } });
          const minutes = Math.ceil(wait / 60);
          return { ok: false, status: 429, retryAfterSeconds: wait, message: `Too many failed sign-in attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.` };
        }
        const result = await signIn(prisma, { name, password });
        if (!result.ok) {
          limiter.recordFailure(name, address);
          await recordEvent(prisma, { kind: "CONSOLE", name: name || "anonymous" }, { action: "signIn", outcome: "REFUSED", errorCode: "UNAUTHENTICATED", detail: { address } });
          return { ok: false, status: 401, message: "That name and password do not match an account." };
        }
        limiter.recordSuccess(name, address);
        await recordEvent(prisma, actorFor(result.user), { action: "signIn", outcome: "SUCCESS", detail: { address } });
        return { ok: true, user: result.user, setCookie: sessionCookie({ sessionId: result.sessionId, maxAgeSeconds: 7 * 24 * 3600, secure }) };
      },
      async signOut() {
        if (sessionId) await endSession(prisma, sessionId);
        if (user) await recordEvent(prisma, actorFor(user), { action: "signOut", outcome: "SUCCESS" });
        return clearCookie();
      },
      async changePassword(current, next) {
        if (!user) return { ok: false, message: "Sign in first." };
        const row = await prisma.user.findUnique({ where: { id: user.id } });
        if (!row || typeof current !== "string" || !(await verifyPassword(current, row.passwordHash))) {
          await recordEvent(prisma, actorFor(user), { action: "changePassword", outcome: "REFUSED", errorCode: "UNAUTHENTICATED", targetType: "User", targetId: user.name });
          return { ok: false, message: "The current password is not correct." };
        }
        try {
          const changed = await setPassword(prisma, { name: user.name, password: next, keepSessionId: sessionId });
          await recordEvent(prisma, actorFor(user), { action: "changePassword", outcome: "SUCCESS", targetType: "User", targetId: user.name, detail: { sessionsEnded: changed.sessionsEnded } });
          return { ok: true, sessionsEnded: changed.sessionsEnded };
        } catch (err) {
          if (err instanceof BaseError) return { ok: false, message: err.message };
          throw err;
        }
      },
      setupTokenValid: (token) => setup.isValid(token),
      async completeSetup(token, rawName, password) {
        if (!setup.isValid(token) || (await adminExists(prisma))) {
          return { ok: false, status: 404, message: "This setup link is no longer valid: an admin exists already. Sign in instead." };
        }
        let created;
        try {
          // Validate before taking the token, so a typo in the form does not burn the link.
          normalizeUserName(rawName);
          checkPassword(password);
          if (!setup.consume(token)) return { ok: false, status: 404, message: "This setup link has just been used." };
          created = await createUser(prisma, { name: rawName, password, role: "ADMIN" });
        } catch (err) {
          if (err instanceof BaseError) return { ok: false, status: 400, message: err.message };
          throw err;
        }
        await recordEvent(prisma, { kind: "CONSOLE", name: created.name }, { action: "createFirstAdmin", outcome: "SUCCESS", targetType: "User", targetId: created.name, detail: { via: "setup link" } });
        return this.signIn(created.name, password);
      },
    };
  };

  return { guard, forRequest, limiter, setup };
}

function isCrossSite(req: Request): boolean {
  const site = req.get("sec-fetch-site");
  if (site) return site !== "same-origin" && site !== "none";
  const origin = req.get("origin");
  if (!origin) return false;
  if (origin === "null") return true;
  const host = req.get("x-forwarded-host") ?? req.get("host");
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
