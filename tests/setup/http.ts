import { createServer, type RequestListener, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import { mountIntegrations } from "../../cli/integrations.ts";
import type { Database } from "../../graphql/db.ts";

export interface LocalServer {
  server: Server;
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  base: string;
  /** Stops accepting connections and resolves once the open ones are done (or cut, with `force`). */
  close(options?: { force?: boolean }): Promise<void>;
}

/** `handler` (or an existing server) listening on a free port of the loopback interface. */
export async function listenLocally(handler: RequestListener | Server): Promise<LocalServer> {
  const server = typeof handler === "function" ? createServer(handler) : handler;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    base: `http://127.0.0.1:${port}`,
    close({ force = false } = {}) {
      if (force) server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The integration endpoints (OTLP, events, /metrics) as `npm start` mounts them, on a real HTTP server at a
 * free port; `extend` adds routes after them (e.g. /graphql).
 */
export function serveIntegrations(db: Database, options: { metricsToken?: string; extend?: (app: express.Express) => void } = {}): Promise<LocalServer> {
  const app = express();
  mountIntegrations(app, db, { metricsToken: options.metricsToken });
  options.extend?.(app);
  return listenLocally(app);
}
