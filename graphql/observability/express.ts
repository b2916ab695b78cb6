import { timingSafeEqual } from "node:crypto";
import type express from "express";
import type { Database } from "../db.ts";
import { observeDatabase } from "./database.ts";
import { httpRequestDuration, registry, routeLabel } from "./registry.ts";

/**
 * GET /metrics (Prometheus text exposition) and the HTTP duration middleware.
 * With a token configured (TRAINYARD_METRICS_TOKEN) scrapes must send
 * `Authorization: Bearer <token>`; without one the endpoint is open, like /healthz.
 */
export function mountObservability(app: express.Express, db: Database, options: { token?: string | undefined } = {}) {
  observeDatabase(db);
  app.use((req, res, next) => {
    if (req.path === "/metrics") return next();
    const end = httpRequestDuration.startTimer();
    res.once("finish", () => end({ method: req.method, route: routeLabel(req.path), status: String(res.statusCode) }));
    next();
  });
  app.get("/metrics", async (req, res) => {
    if (options.token) {
      const given = Buffer.from(/^Bearer\s+(\S+)$/i.exec(req.get("authorization") ?? "")?.[1] ?? "");
      const expected = Buffer.from(options.token);
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        return void res.status(401).set("WWW-Authenticate", "Bearer").type("text/plain").send("Unauthorized: send Authorization: Bearer <TRAINYARD_METRICS_TOKEN>\n");
      }
    }
    try {
      const text = await registry.metrics();
      res.set("Content-Type", registry.contentType).send(Buffer.from(text));
    } catch (err) {
      res.status(503).type("text/plain").send(`metrics unavailable: ${(err as Error).message}\n`);
    }
  });
}
