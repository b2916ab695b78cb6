import { builder } from "../builder.ts";
import { runMutation } from "../audit.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { metricsLoader, pageRowExtras, selects } from "./deployment-loaders.ts";
import {
  scheduleStatsRefresh,
  WINDOWS,
  recordInferenceEvents,
  type IngestResult,
  type MetricsPoint,
  type MetricsWindowName,
  type WindowMetrics,
} from "../services/metrics.ts";
import { INFERENCE_OUTCOMES, INGEST_LIMITS } from "../validation/inference.ts";
import { HEALTH_LEVELS, HEALTH_METRICS, HEALTH_THRESHOLDS, metricsHealth, type HealthThreshold, type MetricsHealth } from "../services/health.ts";

export const HealthLevel = builder.enumType("HealthLevel", {
  description: "OK, or how bad a figure is against the console's health thresholds (see `healthThresholds`).",
  values: HEALTH_LEVELS,
});

const HealthMetric = builder.enumType("HealthMetric", { values: HEALTH_METRICS });

const MetricsHealthRef = builder.objectRef<MetricsHealth>("MetricsHealth").implement({
  description: "Each headline figure judged against the health thresholds; a figure without traffic is OK.",
  fields: (t) => ({
    p50: t.expose("p50", { type: HealthLevel }),
    p95: t.expose("p95", { type: HealthLevel }),
    errorRate: t.expose("errorRate", { type: HealthLevel }),
    overall: t.expose("overall", { type: HealthLevel, description: "The worst of the three." }),
  }),
});

const HealthThresholdRef = builder.objectRef<HealthThreshold>("HealthThreshold").implement({
  description: "A figure strictly above `above` reaches `level`. The same limits seed every deployment's default alert rules.",
  fields: (t) => ({
    metric: t.expose("metric", { type: HealthMetric }),
    above: t.exposeFloat("above", { description: "Milliseconds for latencies, a fraction (0.01 = 1 %) for the error rate." }),
    level: t.expose("level", { type: HealthLevel }),
    cue: t.exposeString("cue", { description: "A short text such as \"Above 200 ms\", shown next to the colour." }),
  }),
});

builder.queryField("healthThresholds", (t) =>
  t.field({ type: [HealthThresholdRef], description: "The limits behind every `health` level.", resolve: () => [...HEALTH_THRESHOLDS] }),
);

export const MetricsWindow = builder.enumType("MetricsWindow", {
  description: "A trailing window of whole buckets ending with the current one (minute buckets for the short windows, hour buckets for the long ones).",
  values: Object.fromEntries(WINDOWS.map((w) => [w.name, { description: w.description }])) as Record<MetricsWindowName, { description: string }>,
});

const InferenceOutcome = builder.enumType("InferenceOutcome", {
  values: {
    OK: { description: "The request succeeded." },
    CLIENT_ERROR: { description: "The caller's fault (HTTP 4xx); shown apart, not counted in the error rate." },
    SERVER_ERROR: { description: "A server or model error; counted in the error rate." },
  },
});

const MetricsPointRef = builder.objectRef<MetricsPoint>("MetricsPoint").implement({
  description: "One bucket of a metrics time series.",
  fields: (t) => ({
    bucketStart: t.expose("bucketStart", { type: "DateTime" }),
    requests: t.exposeInt("requests"),
    errors: t.exposeInt("errors", { description: "Server or model errors." }),
    clientErrors: t.exposeInt("clientErrors"),
    p50LatencyMs: t.exposeFloat("p50LatencyMs", { nullable: true }),
    p95LatencyMs: t.exposeFloat("p95LatencyMs", { nullable: true }),
  }),
});

const DeploymentMetricsRef = builder.objectRef<WindowMetrics>("DeploymentMetrics").implement({
  description: "Inference figures for one window, computed from recorded events. Percentiles are within 1 % of the exact value.",
  fields: (t) => ({
    window: t.expose("window", { type: MetricsWindow }),
    windowStart: t.expose("windowStart", { type: "DateTime" }),
    windowEnd: t.expose("windowEnd", { type: "DateTime", description: "Exclusive." }),
    requestCount: t.exposeInt("requestCount"),
    requestsPerSecond: t.exposeFloat("requestsPerSecond", { description: "Requests ÷ the window's length in seconds." }),
    p50LatencyMs: t.exposeFloat("p50LatencyMs", { nullable: true, description: "Null when the window has no requests." }),
    p95LatencyMs: t.exposeFloat("p95LatencyMs", { nullable: true }),
    p99LatencyMs: t.exposeFloat("p99LatencyMs", { nullable: true }),
    averageLatencyMs: t.exposeFloat("averageLatencyMs", { nullable: true }),
    errorRate: t.exposeFloat("errorRate", { nullable: true, description: "Server or model errors ÷ requests; null without requests." }),
    clientErrorRate: t.exposeFloat("clientErrorRate", { nullable: true, description: "Client errors (4xx) ÷ requests; null without requests." }),
    serverErrorCount: t.exposeInt("serverErrorCount"),
    clientErrorCount: t.exposeInt("clientErrorCount"),
    health: t.field({ type: MetricsHealthRef, resolve: (m) => metricsHealth(m) }),
    series: t.field({ type: [MetricsPointRef], resolve: (m) => m.series() }),
  }),
});

builder.prismaObjectField("Deployment", "metrics", (t) =>
  t.field({
    type: DeploymentMetricsRef,
    description: "Inference metrics for a window, computed from stored events whatever the status (the console shows them only for active deployments).",
    args: { window: t.arg({ type: MetricsWindow, required: true }) },
    resolve: (deployment, args, ctx, info) => {
      // The deployments page's statement read the window's figures (without series: asking for them fetches them).
      const read = pageRowExtras.get(deployment);
      if (read?.metrics && read.window === args.window) return read.metrics;
      return metricsLoader(ctx, ctx.prisma, selects(info, "series"))
        .load(`${args.window}|${deployment.id}`)
        .then((m) => m!);
    },
  }),
);

const InferenceEventInput = builder.inputType("InferenceEventInput", {
  fields: (t) => ({
    timestamp: t.field({ type: "DateTime", required: true, description: "When the request arrived (at most 60 s ahead, at most 7 days old)." }),
    latencyMs: t.float({ required: true, description: "Time to the last byte, in milliseconds (0 to 3,600,000)." }),
    outcome: t.field({ type: InferenceOutcome, required: true }),
  }),
});

const RecordInferenceEventsSuccess = builder.objectRef<IngestResult>("RecordInferenceEventsSuccess").implement({
  isTypeOf: (value) => typeof value === "object" && value !== null && "acceptedCount" in value,
  fields: (t) => ({
    acceptedCount: t.exposeInt("acceptedCount", { description: "Events recorded: always the whole batch." }),
    duplicate: t.exposeBoolean("duplicate", {
      description: "True when this batch's idempotency key was already recorded: the batch was counted once, before, and not again.",
    }),
    deployment: t.prismaField({
      type: "Deployment",
      resolve: (query, result, _args, ctx) => ctx.prisma.deployment.findUniqueOrThrow({ ...query, where: { id: result.deploymentId } }),
    }),
  }),
});

builder.mutationField("recordInferenceEvents", (t) =>
  t.field({
    type: RecordInferenceEventsSuccess,
    description: `Records a batch of up to ${INGEST_LIMITS.maxBatch.toLocaleString("en-US")} inference events for one ACTIVE deployment. All or nothing: one bad event refuses the batch with a VALIDATION error naming its index. Needs the "ingest" scope.`,
    errors: { types: [NotFoundError, ValidationError, ForbiddenError], directResult: true },
    args: {
      deploymentId: t.arg.id({ required: true }),
      events: t.arg({ type: [InferenceEventInput], required: true }),
      idempotencyKey: t.arg.string({
        description:
          "Makes a retried batch count once: a key already recorded for this deployment (kept 48 hours) answers success with `duplicate: true` and records nothing. 1–200 printable ASCII characters, e.g. a UUID per batch.",
      }),
    },
    resolve: async (_root, args, ctx) => {
      const deploymentId = String(args.deploymentId);
      const now = new Date();
      const result = await runMutation(
        ctx,
        { action: "recordInferenceEvents", scope: "ingest", targetType: "Deployment", targetId: deploymentId, detail: { events: args.events.length } },
        (tx) =>
          recordInferenceEvents(
            tx,
            deploymentId,
            args.events.map((e) => ({ timestamp: e.timestamp, latencyMs: e.latencyMs, outcome: e.outcome as (typeof INFERENCE_OUTCOMES)[number] })),
            now,
            { idempotencyKey: args.idempotencyKey },
          ),
      );
      // The batch and its audit row are committed; the figures the list sorts by follow within a second,
      // recomputed together with every other deployment that received traffic meanwhile (ADR 0025).
      if (!result.duplicate) scheduleStatsRefresh(ctx.db.prisma, [deploymentId]);
      return result;
    },
  }),
);
