import http from "node:http";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import express from "express";
import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import { loadConfig, type Config } from "../graphql/config.ts";
import { openDatabase, type Database } from "../graphql/db.ts";
import { getGraphiqlAssets, GRAPHIQL_ASSET_PREFIX } from "../graphql/graphiql.ts";
import { createRuntime } from "../graphql/runtime.ts";
import { startWorkers } from "../graphql/workers/index.ts";
import { applyMigrations } from "../prisma/migrate.ts";
import { seedDemoData } from "../prisma/seed.ts";
import { consoleGuard } from "../app/server/session.server.ts";
import { exitWithOneLine } from "./fail.ts";
import { Gateway } from "../graphql/gateway/gateway.ts";
import { setDefaultGatewayBaseUrl } from "../graphql/types/Serving.ts";
import { mountIntegrations } from "./integrations.ts";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS, surviveDatabaseFaults } from "../graphql/security/faults.ts";
import { consoleUrlGuard, securityHeaders } from "../graphql/security/http.ts";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const log = (line: string) => console.log(`[trainyard] ${line}`);

export interface RunningServer {
  url: string;
  db: Database;
  close(): Promise<void>;
}

/** Opens the database, migrates, seeds (if configured) and serves the Remix app and /graphql. */
export async function serve(config: Config): Promise<RunningServer> {
  const started = Date.now();
  const buildPath = path.join(root, "build", "index.js");
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

  const runtime = createRuntime(db);
  const workers = startWorkers(db, config);
  if (workers.length) log(`background workers: ${workers.map((w) => w.name).join(", ")}`);
  const graphiql = await getGraphiqlAssets();
  // The inference gateway, mounted for the embedded default (`trainyard gateway` runs it on its own).
  const gateway = new Gateway(db, config.serving.gateway);
  gateway.start();
  const app = express();
  app.disable("x-powered-by");
  app.use(securityHeaders());
  app.use("/build", express.static(path.join(root, "public", "build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
  app.get(`${GRAPHIQL_ASSET_PREFIX}:name`, (req, res) => {
    const asset = graphiql.files.get(req.params.name);
    if (!asset) return void res.status(404).type("text/plain").send("Not found");
    res.set("Cache-Control", "public, max-age=31536000, immutable").type(asset.contentType).send(asset.body);
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
  app.use(consoleGuard());
  app.all("*", createRequestHandler({ build, mode: "production", getLoadContext: () => ({ trainyard: runtime }) }));
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
    s.once("error", reject);
    s.listen(config.port, config.host, () => resolve(s));
  }).catch(async (err: NodeJS.ErrnoException) => {
    await db.close();
    if (err.code === "EADDRINUSE") throw new Error(`Port ${config.port} is already in use. Set PORT to a free port.`);
    throw err;
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const url = `http://localhost:${port}`;
  setDefaultGatewayBaseUrl(url);
  if (config.openConsole) {
    const loopback = ["127.0.0.1", "::1", "localhost"].includes(config.host);
    log(
      loopback
        ? `the console is open (no TRAINYARD_ADMIN_PASSWORD), so it listens on ${config.host} only; set TRAINYARD_ADMIN_PASSWORD to serve other machines`
        : `WARNING: the console is open (no TRAINYARD_ADMIN_PASSWORD) and listens on ${config.host}: anyone who can reach port ${port} can create admin API tokens. Set TRAINYARD_ADMIN_PASSWORD.`,
    );
  }
  log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s: ${url} (GraphQL playground: ${url}/graphql)`);

  return {
    url,
    db,
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      server.closeAllConnections();
      await gateway.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await db.close();
    },
  };
}

async function main() {
  surviveDatabaseFaults((line) => log(line));
  const running = await serve(loadConfig());
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

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch(exitWithOneLine);
}
