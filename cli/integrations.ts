import type express from "express";
import type { Config } from "../graphql/config.ts";
import type { Database } from "../graphql/db.ts";
import { errorResponse, handleEventsPost, MAX_EVENTS_BODY_BYTES } from "../graphql/ingest/events-http.ts";
import { handleOtlpMetrics, MAX_OTLP_BODY_BYTES } from "../graphql/otlp/http.ts";
import { mountObservability } from "../graphql/observability/express.ts";

/**
 * The integration endpoints next to the app: OTLP/HTTP metrics ingestion at
 * POST /v1/metrics, inference events at POST /api/v1/deployments/{id}/events
 * (ADR 0034) and the Prometheus exposition at GET /metrics. Mounted
 * before the console guard: both authenticate with API tokens of their own.
 */
export function mountIntegrations(app: express.Express, db: Database, config: Partial<Pick<Config, "metricsToken">> = {}) {
  mountObservability(app, db, { token: config.metricsToken });
  app.post("/v1/metrics", async (req: express.Request, res: express.Response) => {
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const body = await readBody(req, MAX_OTLP_BODY_BYTES);
    if (body === "too-large") {
      res.set("Connection", "close");
      return void res.status(413).type("application/json").send(JSON.stringify({ code: 3, message: `An export is at most ${MAX_OTLP_BODY_BYTES} bytes: send smaller batches` }));
    }
    if (body === "aborted") return;
    try {
      const answer = await handleOtlpMetrics(db, { headers, body });
      res.status(answer.status).type(answer.contentType).send(answer.body);
    } catch (err) {
      // The database is down or similar: retryable for the exporter.
      console.error(`[otlp] ${(err as Error).message}`);
      res.status(503).type("application/json").send(JSON.stringify({ code: 14, message: "Ingestion is unavailable; retry later" }));
    }
  });
  app.post("/api/v1/deployments/:id/events", async (req: express.Request, res: express.Response) => {
    const send = (answer: { status: number; body: string }) => res.status(answer.status).type("application/json").send(answer.body);
    const body = await readBody(req, MAX_EVENTS_BODY_BYTES);
    if (body === "too-large") {
      res.set("Connection", "close");
      return void send(errorResponse(413, "VALIDATION", `A batch is at most ${MAX_EVENTS_BODY_BYTES} bytes of JSON: send smaller batches`));
    }
    if (body === "aborted") return;
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    try {
      send(await handleEventsPost(db, { deploymentId: String(req.params.id), headers, body }));
    } catch (err) {
      // The database is down or similar: retryable, nothing was recorded.
      console.error(`[events] ${(err as Error).message}`);
      send(errorResponse(503, "UNAVAILABLE", "Ingestion is unavailable; retry later"));
    }
  });
}

/** The raw body (still compressed, if it is), or "too-large" as soon as it passes `limit` bytes. */
function readBody(req: express.Request, limit: number): Promise<Buffer | "too-large" | "aborted"> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"]);
    if (declared > limit) {
      req.resume();
      return resolve("too-large");
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        req.resume();
        return resolve("too-large");
      }
      chunks.push(chunk);
    });
    req.on("end", () => !done && ((done = true), resolve(Buffer.concat(chunks))));
    req.on("error", () => !done && ((done = true), resolve("aborted")));
  });
}
