import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import express from "express";
import { createReadableStreamFromReadable, createRequestHandler, writeReadableStreamToWritable, type ServerBuild } from "@remix-run/node";
import { listeningAt, loadConfig, type Config } from "../graphql/config.ts";
import { openDatabase, type Database } from "../graphql/db.ts";
import { getGraphiqlAssets, GRAPHIQL_ASSET_PREFIX } from "../graphql/graphiql.ts";
import { createRuntime } from "../graphql/runtime.ts";
import { sendNodeResponse } from "@whatwg-node/server";
import { startWorkers } from "../graphql/workers/index.ts";
import { applyMigrations } from "../prisma/migrate.ts";
import { seedDemoData } from "../prisma/seed.ts";
import { exitWithOneLine } from "./fail.ts";
import { Gateway } from "../graphql/gateway/gateway.ts";
import { mountIntegrations } from "./integrations.ts";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS, surviveDatabaseFaults } from "../graphql/security/faults.ts";
import { consoleBodyLimit, consoleUrlGuard, securityHeaders } from "../graphql/security/http.ts";
import { actorFor, consoleAuth, type ConsoleAuth, type ConsoleUser } from "../graphql/security/console-auth.ts";
import { adminExists, ensureAdmin } from "../graphql/services/accounts.ts";
import { watchTokenChanges } from "../graphql/services/tokens.ts";
import { anonymousActor } from "../graphql/context.ts";
import { ConfigError } from "../graphql/config.ts";
import { BaseError } from "../graphql/errors.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => console.log(`[trainyard] ${line}`);

export interface RunningServer {
  url: string;
  db: Database;
  close(): Promise<void>;
}

/** Opens the database, migrates, seeds (if configured) and serves the Remix app and /graphql. */
export async function serve(configured: Config): Promise<RunningServer> {
  let config = configured;
  const started = Date.now();
  const buildPath = path.join(root, "build", "index.js");
  // React, react-dom/server and React Router pick their development or production builds from NODE_ENV when the
  // console's build first imports them. `npm start` sets none, and the console rendered every page with their
  // development builds (1.3-1.7x the server CPU per page, measured). It always serves as production (Remix's handler
  // runs in "production" mode below); what NODE_ENV means for cookies (`Secure`) was read into `configured` already.
  process.env.NODE_ENV ??= "production";
  let build: ServerBuild;
  try {
    build = (await import(pathToFileURL(buildPath).href)) as ServerBuild;
  } catch {
    throw new Error(`No web build at ${path.relative(process.cwd(), buildPath)}. Run \`npm run build\` first (npm start does).`);
  }

  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: config.poolSize });
  log(`database: ${db.label}`);
  try {
    const migrated = await applyMigrations(db, { log });
    for (const w of migrated.warnings) log(`warning: ${w}`);
    if (config.seedDemoData) {
      const seeded = await seedDemoData(db);
      log(seeded.demoHistoryWritten ? "seeded demo data" : "demo data already present");
    }
  } catch (err) {
    await db.close();
    throw err;
  }

  const auth = consoleAuth(db, { cookies: config.cookies });
  let signInHelp: (url: string) => string;
  try {
    signInHelp = await prepareSignIn(db, auth, config);
  } catch (err) {
    await db.close();
    throw err;
  }

  // The runtime and the workers are made once the address is known (PORT=0 picks one; links name it).
  let runtime: ReturnType<typeof createRuntime> | undefined;
  const graphiql = await getGraphiqlAssets();
  // The inference gateway, mounted for the embedded default (`trainyard gateway` runs it on its own).
  const gateway = new Gateway(db, config.serving.gateway);
  gateway.start();
  // Token checks are reused for a few seconds; a revocation committed by any process is heard here at once (ADR 0038).
  const tokenChanges = watchTokenChanges(db);
  const app = express();
  app.disable("x-powered-by");
  app.use(securityHeaders());
  // The API straight to yoga, ahead of the static files and the console's guards (which all pass /graphql through
  // anyway) and without Remix's route matching. Over HTTP the API authenticates by token only (graphql/context.ts),
  // so nothing of the console's session is needed here. A database fault that escapes yoga reaches the 503 handler.
  // Yoga reads the Node request and writes the Node response itself (its own light fetch classes): building the
  // global (undici) Request and piping a web stream back cost more server CPU than a dashboard query's resolvers.
  app.all("/graphql", async (req, res, next) => {
    try {
      if (!runtime) return void res.status(503).set("Retry-After", "1").type("text/plain").send("Starting up; retry in a moment.");
      const response = await runtime.yoga.handleNodeRequestAndResponse(req, res, {});
      await sendNodeResponse(response, res, req, false);
    } catch (err) {
      next(err);
    }
  });
  app.use("/build", express.static(path.join(root, "public", "build"), { immutable: true, maxAge: "1y" }));
  // public/ holds build/ (above) and the favicon, nothing else: a static handler at / would look every page's path
  // up on disk first (a failed stat, an error object and a trip through libuv's thread pool for each page).
  app.get("/favicon.svg", (_req, res, next) => res.sendFile(path.join(root, "public", "favicon.svg"), { maxAge: "1h" }, (err) => err && next(err)));
  app.get(`${GRAPHIQL_ASSET_PREFIX}:name`, (req, res) => {
    const asset = graphiql.file(req.params.name);
    if (!asset) return void res.status(404).type("text/plain").send("Not found");
    res.sendFile(asset.path, { maxAge: "1y", immutable: true, headers: { "Content-Type": asset.contentType } }, (err) => {
      if (err && !res.headersSent) res.status(500).type("text/plain").send("The playground's files are missing: run `npm run build`.");
    });
  });
  app.get("/healthz", async (_req, res) => {
    try {
      await db.prisma.$queryRawUnsafe("SELECT 1");
      res.json({ ok: true, database: db.kind });
    } catch {
      res.status(503).json({ ok: false });
    }
  });
  mountIntegrations(app, db, config);
  app.use(consoleUrlGuard());
  app.use(consoleBodyLimit());
  app.use(auth.guard);
  const handleRequest = createRequestHandler(build, "production");
  app.all("*", async (req, res, next) => {
    try {
      const user = res.locals.consoleUser as ConsoleUser | null | undefined;
      // Signed out (only /login and /setup get here so): nothing but reads.
      const actor = user ? actorFor(user) : anonymousActor();
      if (!runtime) return void res.status(503).set("Retry-After", "1").type("text/plain").send("Starting up; retry in a moment.");
      const loadContext = { trainyard: runtime.forActor(actor), console: auth.forRequest(req, res) };
      await sendRemixResponse(res, await handleRequest(remixRequest(req, res), loadContext));
    } catch (err) {
      next(err);
    }
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!isDatabaseUnavailable(err) || res.headersSent) return next(err);
    res.status(503).set("Retry-After", String(RETRY_AFTER_SECONDS)).type("text/plain").send("The database is unavailable right now. Retry shortly.");
  });

  // The gateway's fast path: /v1/models/… goes straight to the gateway, past express and its middleware
  // (security headers are for the console; the gateway answers JSON or whatever the model server sends).
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = req.url ?? "/";
    if (url.startsWith("/v1/models") && (url.length === 10 || url[10] === "/" || url[10] === "?")) return gateway.handle(req, res);
    app(req, res);
  };
  const server = await new Promise<http.Server>((resolve, reject) => {
    const s = http.createServer(handler);
    // Idle keep-alive connections outlive the clients' own idle timeouts (undici's 4 s, browsers', load balancers'
    // 60 s): a client must never send a request on a connection the server is closing at that moment, which a
    // client sees as "fetch failed" for a POST it cannot safely retry (as `trainyard gateway` does).
    s.keepAliveTimeout = 65_000;
    s.headersTimeout = 66_000;
    s.once("error", reject);
    s.listen(config.port, config.host, () => resolve(s));
  }).catch(async (err: NodeJS.ErrnoException) => {
    await tokenChanges.close();
    await db.close();
    if (err.code === "EADDRINUSE") throw new Error(`Port ${config.port} is already in use. Set PORT to a free port.`);
    throw err;
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  config = listeningAt(config, url);
  runtime = createRuntime(db, { config });
  const workers = startWorkers(db, config);
  if (workers.names.length) log(`background workers: ${workers.names.join(", ")}`);
  log(signInHelp(url));
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${url} (GraphQL playground: ${url}/graphql)`);

  return {
    url,
    db,
    async close() {
      await workers.stop();
      server.closeAllConnections();
      await gateway.stop();
      await tokenChanges.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}

/**
 * Console accounts at start: TRAINYARD_ADMIN_PASSWORD creates or updates that admin; with no admin
 * at all, a one-time setup link is issued (printed once the port is known). Returns the line that
 * tells the operator how to sign in.
 */
async function prepareSignIn(db: Database, auth: ConsoleAuth, config: Config): Promise<(url: string) => string> {
  if (config.admin) {
    const { name, password } = config.admin;
    let outcome: string;
    try {
      outcome = await ensureAdmin(db.prisma, { name, password });
    } catch (err) {
      if (err instanceof BaseError) throw new ConfigError(`TRAINYARD_ADMIN_PASSWORD / TRAINYARD_ADMIN_USER: ${err.message}.`);
      throw err;
    }
    log(`console admin "${name}" ${outcome === "unchanged" ? "is set" : outcome} from TRAINYARD_ADMIN_PASSWORD`);
    return (url) => `sign in at ${url}/login as "${name}" with TRAINYARD_ADMIN_PASSWORD`;
  }
  if (await adminExists(db.prisma)) return (url) => `sign in at ${url}/login (accounts: \`trainyard users list\`)`;
  const token = auth.setup.issue();
  return (url) =>
    `no console admin yet: open ${url}/setup?token=${token} to create one (single use, valid 24 h), or run \`trainyard users create --admin --name NAME\` on this host`;
}

/** The web Request for Remix: the console form body read by consoleBodyLimit, or the request stream. */
function remixRequest(req: express.Request, res: express.Response): Request {
  const url = new URL(`${req.protocol}://${req.get("host") ?? "localhost"}${req.originalUrl}`);
  let controller: AbortController | null = new AbortController();
  const headers = new Headers();
  for (const [key, values] of Object.entries(req.headers)) {
    if (Array.isArray(values)) for (const v of values) headers.append(key, v);
    else if (values) headers.set(key, values);
  }
  const init: RequestInit & { duplex?: "half" } = { method: req.method, headers, signal: controller.signal };
  if (req.method !== "GET" && req.method !== "HEAD") {
    init.body = req.consoleBody ? new Uint8Array(req.consoleBody) : (createReadableStreamFromReadable(req) as unknown as ReadableStream);
    init.duplex = "half";
  }
  res.on("finish", () => (controller = null));
  res.on("close", () => controller?.abort());
  return new Request(url.href, init);
}

/** Writes Remix's web Response to express (as @remix-run/express does). */
async function sendRemixResponse(res: express.Response, response: Response): Promise<void> {
  res.statusMessage = response.statusText;
  res.status(response.status);
  for (const [key, value] of response.headers.entries()) res.append(key, value);
  if (response.headers.get("Content-Type")?.match(/text\/event-stream/i)) res.flushHeaders();
  if (response.body) await writeReadableStreamToWritable(response.body, res);
  else res.end();
}

/** Runs the server until SIGINT/SIGTERM; `env` is the configuration's environment (build/server.mjs passes the operator's). */
async function main(env: Record<string, string | undefined> = process.env) {
  surviveDatabaseFaults((line) => log(line));
  const running = await serve(loadConfig(env));
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: shutting down`);
    // Closing PGlite cleanly keeps the data directory consistent for the next start.
    await running.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
}

/** Starts the server; a failure to start is one line on stderr and exit code 1. */
export function start(env: Record<string, string | undefined> = process.env) {
  main(env).catch(exitWithOneLine);
}

// `npm run dev` runs this file through tsx; `npm start` runs build/server.mjs, which calls start() itself.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) start();
