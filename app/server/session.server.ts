import { createHash, timingSafeEqual } from "node:crypto";
import { createCookieSessionStorage, redirect } from "@remix-run/node";
import type { NextFunction, Request as ExpressRequest, Response as ExpressResponse } from "express";

/**
 * Optional sign-in for the console. With TRAINYARD_ADMIN_PASSWORD unset the
 * console is open (a trusted network, like the API's reads); set, every page
 * and form needs a signed-in cookie session. The API at /graphql never uses
 * the cookie: it authenticates bearer tokens only.
 */
const adminPassword = () => process.env.TRAINYARD_ADMIN_PASSWORD || undefined;

export const signInRequired = () => adminPassword() !== undefined;

function sessionSecret(): string {
  if (process.env.SESSION_SECRET) return process.env.SESSION_SECRET;
  // Without an explicit secret, one derived from the password keeps cookies unforgeable
  // and signs everyone out when the password changes.
  return createHash("sha256").update(`trainyard-session:${adminPassword() ?? ""}`).digest("hex");
}

type ConsoleSession = { signedIn: boolean };
let storage: { secret: string; value: ReturnType<typeof createCookieSessionStorage<ConsoleSession>> } | undefined;
function sessionStorage() {
  const secret = sessionSecret();
  if (storage?.secret !== secret) {
    storage = {
      secret,
      value: createCookieSessionStorage<ConsoleSession>({
        cookie: {
          name: "ty_session",
          path: "/",
          httpOnly: true,
          sameSite: "lax",
          maxAge: 7 * 24 * 3600,
          secrets: [secret],
          secure: process.env.NODE_ENV === "production" && process.env.TRAINYARD_INSECURE_COOKIES !== "1",
        },
      }),
    };
  }
  return storage.value;
}

export function passwordMatches(candidate: string): boolean {
  const expected = adminPassword();
  if (!expected) return false;
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  return timingSafeEqual(digest(candidate), digest(expected));
}

export async function isSignedIn(cookieHeader: string | null | undefined): Promise<boolean> {
  if (!signInRequired()) return true;
  const session = await sessionStorage().getSession(cookieHeader);
  return session.get("signedIn") === true;
}

/** Only paths inside the console: a query parameter must not send the browser elsewhere. */
export function safeRedirect(value: unknown, fallback = "/"): string {
  const to = typeof value === "string" ? value : "";
  return to.startsWith("/") && !to.startsWith("//") && !to.startsWith("/\\") ? to : fallback;
}

export async function signIn(request: Request, redirectTo: string) {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  session.set("signedIn", true);
  return redirect(safeRedirect(redirectTo), { headers: { "Set-Cookie": await sessionStorage().commitSession(session) } });
}

export async function signOut(request: Request) {
  const session = await sessionStorage().getSession(request.headers.get("Cookie"));
  return redirect(signInRequired() ? "/login" : "/", { headers: { "Set-Cookie": await sessionStorage().destroySession(session) } });
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);
// /__manifest is Remix route discovery: route metadata, no data.
const OPEN_PATHS = new Set(["/login", "/graphql", "/__manifest"]);

/**
 * Runs in front of the Remix handler (cli/server.ts). Two duties:
 * 1. Form posts must come from the console's own pages. Browsers label every
 *    request with Sec-Fetch-Site (or at least Origin on a POST); anything
 *    cross-site is refused. /graphql is exempt: it ignores cookies and needs a
 *    bearer token to change anything, so a forged request carries no authority.
 * 2. With an admin password configured, pages and forms need a signed-in session.
 */
export function consoleGuard() {
  return async (req: ExpressRequest, res: ExpressResponse, next: NextFunction) => {
    try {
      if (req.path === "/graphql") return next();
      if (!SAFE_METHODS.has(req.method) && isCrossSite(req)) {
        return void res.status(403).type("text/plain").send("Cross-site form submission refused.");
      }
      if (OPEN_PATHS.has(req.path) || (await isSignedIn(req.headers.cookie))) return next();
      const back = req.method === "GET" ? req.originalUrl.replace(/([?&])_data=[^&]*&?/, "$1").replace(/[?&]$/, "") : "/";
      const location = `/login${back && back !== "/" ? `?redirectTo=${encodeURIComponent(back)}` : ""}`;
      // Remix fetches loader data with ?_data=…; it follows a redirect given in these headers.
      if (req.query._data !== undefined) return void res.status(204).set({ "X-Remix-Redirect": location, "X-Remix-Status": "302" }).end();
      res.redirect(302, location);
    } catch (err) {
      next(err);
    }
  };
}

function isCrossSite(req: ExpressRequest): boolean {
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
