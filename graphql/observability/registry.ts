import { isUuid } from "../ids.ts";
import client from "prom-client";

/**
 * Trainyard's own Prometheus metrics (GET /metrics). One registry per process;
 * other code (the inference gateway, workers) imports the instruments below or
 * registers its own with `registry` — names start with `trainyard_`.
 */
export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

function once<T extends client.Metric>(name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

export const httpRequestDuration = once(
  "trainyard_http_request_duration_seconds",
  () =>
    new client.Histogram({
      name: "trainyard_http_request_duration_seconds",
      help: "HTTP request durations by method, route pattern and status code.",
      labelNames: ["method", "route", "status"] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
);

export const graphqlOperationDuration = once(
  "trainyard_graphql_operation_duration_seconds",
  () =>
    new client.Histogram({
      name: "trainyard_graphql_operation_duration_seconds",
      help: "GraphQL operation durations by operation name and type (anonymous operations are \"anonymous\").",
      labelNames: ["operation", "type"] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
);

export const ingestionLag = once(
  "trainyard_ingestion_lag_seconds",
  () =>
    new client.Histogram({
      name: "trainyard_ingestion_lag_seconds",
      help: "Seconds between when inference data was measured and when Trainyard stored it, by source.",
      labelNames: ["source"] as const,
      buckets: [0.5, 1, 5, 10, 30, 60, 120, 300, 900, 3600],
      registers: [registry],
    }),
);

export const ingestedDataPoints = once(
  "trainyard_ingested_data_points_total",
  () =>
    new client.Counter({
      name: "trainyard_ingested_data_points_total",
      help: "Inference data points received, by source and result (accepted, rejected, ignored).",
      labelNames: ["source", "result"] as const,
      registers: [registry],
    }),
);

export const gatewayFlushFailures = once(
  "trainyard_gateway_flush_failures_total",
  () =>
    new client.Counter({
      name: "trainyard_gateway_flush_failures_total",
      help: "Failed flushes of the inference gateway's aggregated metrics to the database.",
      registers: [registry],
    }),
);

export const gatewayDroppedEvents = once(
  "trainyard_gateway_dropped_events_total",
  () =>
    new client.Counter({
      name: "trainyard_gateway_dropped_events_total",
      help: "Inference events the gateway measured but could not record, by reason.",
      labelNames: ["reason"] as const,
      registers: [registry],
    }),
);

export const workerLoopDuration = once(
  "trainyard_worker_loop_duration_seconds",
  () =>
    new client.Histogram({
      name: "trainyard_worker_loop_duration_seconds",
      help: "Duration of one pass of a background worker loop.",
      labelNames: ["worker"] as const,
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
);

export const workerLoopErrors = once(
  "trainyard_worker_loop_errors_total",
  () =>
    new client.Counter({
      name: "trainyard_worker_loop_errors_total",
      help: "Passes of a background worker loop that failed (logged and retried).",
      labelNames: ["worker"] as const,
      registers: [registry],
    }),
);

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
