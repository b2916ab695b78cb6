import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ConfigError, loadConfig, type Config } from "../graphql/config.ts";
import { openDatabase } from "../graphql/db.ts";
import { Gateway, gatewayMetricsText, sendError } from "../graphql/gateway/gateway.ts";
import { exitWithOneLine } from "./fail.ts";

const log = (line: string) => console.log(`[gateway] ${line}`);

export interface RunningGateway {
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

/**
 * `trainyard gateway`: the inference gateway as a process of its own, stateless
 * (any number of replicas behind a load balancer). It needs PostgreSQL
 * (DATABASE_URL): the embedded database belongs to the one web process, which
 * mounts the gateway itself.
 */
export async function startGatewayServer(config: Config, options: { port?: number; host?: string } = {}): Promise<RunningGateway> {
  if (!config.databaseUrl) {
    throw new ConfigError(
      "trainyard gateway needs DATABASE_URL (PostgreSQL): the embedded database is opened by one process only, and `npm start` already serves the gateway at /v1/models.",
    );
  }
  const db = await openDatabase({ databaseUrl: config.databaseUrl, poolSize: Math.min(config.poolSize, 4) });
  const gateway = new Gateway(db, config.serving.gateway, log);
  await gateway.refresh();
  gateway.start();
  const server = http.createServer((req, res) => {
    const url = req.url ?? "/";
    if (url.startsWith("/v1/models/")) return gateway.handle(req, res);
    if (url === "/metrics") {
      res.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
      return void res.end(gatewayMetricsText());
    }
    if (url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" });
      return void res.end(JSON.stringify({ ok: true, ...gateway.stats() }));
    }
    sendError(res, 404, "NOT_FOUND", "Not a gateway path: use /v1/models/{modelName}/…");
  });
  server.keepAliveTimeout = 65_000;
  const port = options.port ?? config.serving.gateway.port;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, options.host ?? config.gatewayHost, () => resolve());
  });
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : port}`;
  log(`${gateway.id} ready: ${url}/v1/models/{modelName}/… (database ${db.label})`);
  return {
    url,
    gateway,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await gateway.stop();
      await db.close();
    },
  };
}

async function main() {
  const running = await startGatewayServer(loadConfig());
  let stopping = false;
  const stop = async () => {
    // Ctrl-C reaches this process twice under `trainyard gateway` (from the terminal and forwarded by the parent).
    if (stopping) return;
    stopping = true;
    await running.close();
    process.exit(0);
  };
  process.on("SIGINT", () => void stop());
  process.on("SIGTERM", () => void stop());
}

/** The process's entry: `node build/gateway.mjs`, `node --import tsx cli/gateway.ts`, or `trainyard gateway` (cli/trainyard.mjs). */
export function runGatewayProcess(): void {
  main().catch(exitWithOneLine);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) runGatewayProcess();
