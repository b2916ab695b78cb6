import type { NextFunction, Request, RequestHandler, Response } from "express";
import helmet from "helmet";
import { textProblem } from "./text.ts";

/**
 * Security headers on every response. The CSP is what the console (Remix's
 * inline hydration scripts, Tailwind styles) and the offline GraphiQL
 * playground (assets served from this origin) work under: nothing is loaded
 * from elsewhere, nothing may frame the console, no plugins, forms post only
 * here. HSTS is left to the TLS-terminating proxy: Trainyard serves plain HTTP.
 */
export function securityHeaders(): RequestHandler {
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'", "'unsafe-inline'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", "data:", "blob:"],
        fontSrc: ["'self'", "data:"],
        connectSrc: ["'self'"],
        workerSrc: ["'self'", "blob:"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    frameguard: { action: "deny" },
    referrerPolicy: { policy: "strict-origin-when-cross-origin" },
    strictTransportSecurity: false,
    crossOriginEmbedderPolicy: false,
  });
}

/** Longest console URL accepted (path and query); browsers and proxies cap around 8 KB anyway. */
export const MAX_URL_LENGTH = 8192;
/** Query parameters holding search text follow the search rule; the rest are free text. */
const SEARCH_PARAMS = new Set(["q", "search", "name", "model", "filter"]);
/** Path segments the console routes on: ids, slugs, route names. */
const SEGMENT_SHAPE = /^[A-Za-z0-9_][A-Za-z0-9._:@-]*$/;

/** Why a console URL is refused, with the HTTP status to answer, or null when it is fine. */
export function consoleUrlProblem(rawUrl: string): { status: 400 | 404 | 414; message: string } | null {
  if (rawUrl.length > MAX_URL_LENGTH) return { status: 414, message: `URL longer than ${MAX_URL_LENGTH} characters` };
  const [rawPath = "/", rawQuery = ""] = rawUrl.split("?", 2);
  for (const raw of rawPath.split("/").slice(1)) {
    if (raw === "") continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { status: 400, message: "Malformed percent-encoding in the URL path" };
    }
    const problem = textProblem(segment, "name");
    if (problem) return { status: 400, message: `URL path segment ${problem}` };
    // Not the shape of any route or id: no such page (ids are looked up only when well-formed).
    if (!SEGMENT_SHAPE.test(segment)) return { status: 404, message: "Not found" };
  }
  let params: URLSearchParams;
  try {
    params = new URLSearchParams(rawQuery);
    for (const [key, value] of params) {
      const problem = textProblem(key, "name") ?? textProblem(value, SEARCH_PARAMS.has(key) ? "search" : "text");
      if (problem) return { status: 400, message: `URL parameter "${key.slice(0, 40)}" ${problem}` };
    }
  } catch {
    return { status: 400, message: "Malformed URL query" };
  }
  return null;
}

/**
 * The one check for console URL parameters (path segments and query string),
 * in front of every route: NUL, lone surrogates, control characters and
 * oversize values are a 400 (malformed ids a 404) before a loader runs.
 * /graphql is left to the schema, which bounds every argument itself.
 */
export function consoleUrlGuard(): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.path === "/graphql") return next();
    const problem = consoleUrlProblem(req.originalUrl);
    if (!problem) return next();
    res.status(problem.status).type("text/plain").send(problem.message);
  };
}

/** Largest console form body accepted (forms carry a few fields; the token page's is the largest). */
export const MAX_CONSOLE_BODY_BYTES = 1024 * 1024;
/** Beyond the limit, this much more is read and dropped so the client sees the 413, then the connection is cut. */
const DRAIN_BYTES = 64 * 1024 * 1024;

declare module "express-serve-static-core" {
  interface Request {
    /** The body of a console form post, read in full by `consoleBodyLimit`. */
    consoleBody?: Buffer;
  }
}

/**
 * Reads console form bodies (any method but GET/HEAD) in full, counting bytes as
 * they arrive: Content-Length is not trusted and chunked bodies are counted too.
 * Too large → 413 with a plain message once the upload has been read and dropped
 * (up to 64 MB), so the client reads the answer instead of a connection reset.
 */
export function consoleBodyLimit(limit = MAX_CONSOLE_BODY_BYTES): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    // /graphql counts its own body while streaming (graphql/yoga.ts) and answers in GraphQL's shape.
    if (req.method === "GET" || req.method === "HEAD" || req.path === "/graphql") return next();
    const tooLarge = () => {
      if (res.headersSent) return;
      res.status(413).set("Connection", "close").type("text/plain").send(`The form is too large (the limit is ${limit.toLocaleString("en-US")} bytes).`);
    };
    // Not trusted, only a hint: a declared oversize body is refused without being kept.
    const declared = Number(req.headers["content-length"]);
    let received = 0;
    let refused = Number.isFinite(declared) && declared > limit;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => {
      received += chunk.length;
      if (!refused && received > limit) {
        refused = true;
        chunks.length = 0;
      }
      if (!refused) return void chunks.push(chunk);
      // Answering while the client still sends makes it see a reset: read on, answer at the end.
      if (received > DRAIN_BYTES) {
        tooLarge();
        req.destroy();
      }
    });
    req.once("end", () => {
      if (refused) return tooLarge();
      req.consoleBody = Buffer.concat(chunks);
      next();
    });
    req.once("error", (err) => {
      if (!refused && !res.headersSent) next(err);
    });
  };
}
