import { isUuid } from "../ids.ts";
import client from "prom-client";

/**
 * Trainyard's own Prometheus metrics (GET /metrics). One registry per process;
 * other code (the inference gateway, workers) imports the instruments below or
 * registers its own with `registry` — names start with `trainyard_`.
 */
export const registry = new client.Registry();
// The event-loop lag sampler times a timer; at its default 10 ms resolution that timer alone woke an idle
// server 6,000 times a minute. Once a second still catches every stall worth a scrape.
client.collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1_000 });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The process's one instance of a metric: re-imported modules (tests, dev reloads) get the registered one. */
function once<T extends client.Metric>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

function histogram<L extends string>(name: string, labelNames: readonly L[], buckets: number[], help: string) {
  return once(name, () => new client.Histogram<L>({ name, help, labelNames, buckets, registers: [registry] }));
}

function counter<L extends string>(name: string, labelNames: readonly L[], help: string) {
  return once(name, () => new client.Counter<L>({ name, help, labelNames, registers: [registry] }));
}

// One instrument a declaration: the name and labels (and buckets) on the first line, the help text on the second.
export const httpRequestDuration = histogram("trainyard_http_request_duration_seconds", ["method", "route", "status"], LATENCY_BUCKETS,
  "HTTP request durations by method, route pattern and status code.");
export const graphqlOperationDuration = histogram("trainyard_graphql_operation_duration_seconds", ["operation", "type"], LATENCY_BUCKETS,
  'GraphQL operation durations by operation name and type (anonymous operations are "anonymous").');

// Inference data arriving from outside: OTLP, the events endpoint, the gateway's flushes.
export const ingestionLag = histogram("trainyard_ingestion_lag_seconds", ["source"], [0.5, 1, 5, 10, 30, 60, 120, 300, 900, 3600],
  "Seconds between when inference data was measured and when Trainyard stored it, by source.");
export const ingestedDataPoints = counter("trainyard_ingested_data_points_total", ["source", "result"],
  "Inference data points received, by source and result (accepted, rejected, ignored).");
export const gatewayFlushFailures = counter("trainyard_gateway_flush_failures_total", [],
  "Failed flushes of the inference gateway's aggregated metrics to the database.");
export const gatewayDroppedEvents = counter("trainyard_gateway_dropped_events_total", ["reason"],
  "Inference events the gateway measured but could not record, by reason.");

// Background workers (graphql/workers/).
export const workerLoopDuration = histogram("trainyard_worker_loop_duration_seconds", ["worker"], [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  "Duration of one pass of a background worker loop.");
export const workerLoopErrors = counter("trainyard_worker_loop_errors_total", ["worker"],
  "Passes of a background worker loop that failed (logged and retried).");

/** Times one pass of a worker loop: what `startLoop` wraps each tick in. */
export async function observeWorkerTick(worker: string, tick: () => Promise<void>): Promise<void> {
  const end = workerLoopDuration.startTimer({ worker });
  try {
    await tick();
  } catch (err) {
    workerLoopErrors.inc({ worker });
    throw err;
  } finally {
    end();
  }
}

/** A stable route label: ids and numbers folded into placeholders, static assets into one pattern each. */
export function routeLabel(path: string): string {
  if (path.startsWith("/build/")) return "/build/*";
  if (path.startsWith("/graphiql-assets/") || path.startsWith("/graphql/assets/")) return "/graphiql-assets/*";
  const parts = path.split("?")[0]!.split("/").slice(0, 6);
  return (
    parts
      .map((p) =>
        isUuid(p) ? ":id" : /^\d+$/.test(p) ? ":n" : p.length > 40 ? ":value" : p,
      )
      .join("/") || "/"
  );
}

/** A yoga/envelop plugin: times every executed operation by its name. */
export function useOperationMetrics() {
  return {
    onExecute({ args }: { args: { operationName?: string | null; document: { definitions: ReadonlyArray<{ kind: string; operation?: string; name?: { value: string } }> } } }) {
      const op = args.document.definitions.find((d) => d.kind === "OperationDefinition" && (!args.operationName || d.name?.value === args.operationName));
      const name = args.operationName ?? op?.name?.value ?? "anonymous";
      // Names are the client's to choose: anything unusual is folded into "other" to bound the label set.
      const operation = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(name) ? name : "other";
      const end = graphqlOperationDuration.startTimer({ operation, type: op?.operation ?? "unknown" });
      return { onExecuteDone: () => void end() };
    },
  };
}
