import { builder } from "../builder.ts";
import { TrainerKind } from "./Trainer.ts";
import { trainerWhere } from "../services/training-queries.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import { direction, pageArgs, pageWindow, SortDirection, pageOf, sharedTotalFor, type PageQuery } from "./common.ts";
import { pageRowExtras } from "./deployment-loaders.ts";
import { loadDeploymentPage, type DeploymentColumn, type DeploymentListSpec, type DeploymentOrder, type DeploymentPageWants } from "../services/deployment-page.ts";
import { isUuid } from "../ids.ts";
import { likeLiteral } from "../services/like.ts";
import { MetricsWindow } from "./Metrics.ts";
import { statsColumn, WINDOWS, type MetricsWindowName } from "../services/metrics.ts";
import { runMutation } from "../audit.ts";
import { DuplicateDeploymentError, ForbiddenError, InvalidStateError, JobNotCompleteError, NotFoundError, ValidationError } from "../errors.ts";
import {
  DEPLOYMENT_ACTIONS,
  deployJob,
  deploymentActions,
  pauseDeployment,
  resumeDeployment,
  retireDeployment,
  rollbackDeployment,
} from "../services/deployments.ts";

export const DeploymentStatus = builder.enumType("DeploymentStatus", {
  values: ["DEPLOYING", "ACTIVE", "PAUSED", "FAILED", "RETIRED"] as const,
});

export const DeploymentAction = builder.enumType("DeploymentAction", {
  description: "A lifecycle mutation: PAUSE (pauseDeployment), RESUME, RETIRE, ROLLBACK (rollbackDeployment to this version).",
  values: DEPLOYMENT_ACTIONS,
});

builder.prismaObject("DeploymentEvent", {
  description: "One lifecycle change of a deployment, for the model's version history.",
  fields: (t) => ({
    id: t.id({ resolve: (e) => e.id.toString() }),
    action: t.exposeString("action"),
    fromStatus: t.expose("fromStatus", { type: DeploymentStatus, nullable: true }),
    toStatus: t.expose("toStatus", { type: DeploymentStatus }),
    actor: t.exposeString("actor"),
    detail: t.exposeString("detail", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
  }),
});

export const DeploymentRef = builder.prismaObject("Deployment", {
  description: "A versioned model serving inference traffic.",
  fields: (t) => ({
    id: t.exposeID("id"),
    modelName: t.exposeString("modelName"),
    version: t.exposeString("version", { description: "Semantic version, generated per model name: v1.0.0, v1.1.0, …" }),
    status: t.expose("status", { type: DeploymentStatus }),
    endpointUrl: t.exposeString("endpointUrl"),
    deployedBy: t.exposeString("deployedBy"),
    failureReason: t.exposeString("failureReason", { nullable: true }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was deployed." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime" }),
    activatedAt: t.expose("activatedAt", { type: "DateTime", nullable: true }),
    retiredAt: t.expose("retiredAt", { type: "DateTime", nullable: true }),
    availableActions: t.field({
      type: [DeploymentAction],
      description:
        "The lifecycle mutations this deployment accepts in its current status, from the same table the mutations check. Clients offer these and nothing else.",
      resolve: (d) => deploymentActions(d.status),
    }),
    job: t.relation("job"),
    events: t.relation("events", { query: { orderBy: { id: "asc" } } }),
    history: t.prismaField({
      type: ["Deployment"],
      description: "Every version of this deployment's model (including this one), newest first.",
      resolve: (query, deployment, _args, ctx) =>
        ctx.prisma.deployment.findMany({
          ...query,
          where: { modelName: deployment.modelName },
          orderBy: [{ versionMajor: "desc" }, { versionMinor: "desc" }, { versionPatch: "desc" }],
        }),
    }),
  }),
});

const DeploymentSortField = builder.enumType("DeploymentSortField", {
  values: ["MODEL_NAME", "DEPLOYED", "STATUS", "REQUESTS_PER_SECOND", "P95_LATENCY", "ERROR_RATE"] as const,
});

const DeploymentFilter = builder.inputType("DeploymentFilter", {
  fields: (t) => ({
    modelName: t.string({ required: false, description: "Matches part of the model name (case-insensitive)." }),
    status: t.field({ type: [DeploymentStatus], required: false }),
    trainer: t.field({ type: TrainerKind, required: false, description: "Only deployments of jobs the simulated trainer ran, or only real ones." }),
  }),
});

const DeploymentSort = builder.inputType("DeploymentSort", {
  fields: (t) => ({
    field: t.field({ type: DeploymentSortField, required: true }),
    direction: t.field({ type: SortDirection, required: false }),
    window: t.field({
      type: MetricsWindow,
      required: false,
      description: "The window the metric sort fields (REQUESTS_PER_SECOND, P95_LATENCY, ERROR_RATE) use; default LAST_HOUR.",
    }),
  }),
});

type DeploymentPageQuery = PageQuery<Prisma.DeploymentWhereInput, Prisma.DeploymentOrderByWithRelationInput> & { spec: DeploymentListSpec };

/**
 * The columns each field of a page's row reads from the row itself (ADR 0051): a selection made only of these
 * fields gets only their columns from the page statement (the id, job and model name always). A field missing here
 * (a relation, anything added to Deployment later) makes the statement read every column.
 */
const ROW_FIELD_COLUMNS: Readonly<Record<string, readonly DeploymentColumn[]>> = {
  __typename: [],
  id: [],
  modelName: [],
  version: ["version"],
  status: ["status"],
  availableActions: ["status"],
  endpointUrl: ["endpointUrl"],
  deployedBy: ["deployedBy"],
  failureReason: ["failureReason"],
  createdAt: ["createdAt"],
  updatedAt: ["updatedAt"],
  activatedAt: ["activatedAt"],
  retiredAt: ["retiredAt"],
  upstreamUrl: ["upstreamUrl"],
  simulated: ["upstreamUrl"],
  healthPath: ["healthPath"],
  public: ["isPublic"],
  healthy: ["healthy"],
  lastProbeAt: ["lastProbeAt"],
  lastProbeError: ["lastProbeError"],
  gatewayUrl: ["version"],
  // From what the page statement read beside each row (`pageRowExtras`), not from the row's columns.
  trainer: [],
  simulatedTraffic: [],
  isProduction: [],
  metrics: [],
};

/** What a page's rows ask for beside their columns, and the columns they read, from the `nodes` selection (fragments included). */
function rowWants(info: GraphQLResolveInfo): Omit<DeploymentPageWants, "count"> {
  let provenance = false;
  let production = false;
  let series = false;
  let columns: Set<DeploymentColumn> | null = new Set();
  const windows = new Set<string>();
  const visit = (set: SelectionSetNode | undefined, inMetrics: boolean) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet, inMetrics);
      else if (s.kind === Kind.FRAGMENT_SPREAD) visit(info.fragments[s.name.value]?.selectionSet, inMetrics);
      else if (inMetrics) series ||= s.name.value === "series";
      else {
        const name = s.name.value;
        const reads = Object.hasOwn(ROW_FIELD_COLUMNS, name) ? ROW_FIELD_COLUMNS[name]! : null;
        if (!reads) columns = null;
        else for (const column of reads) columns?.add(column);
        if (name === "trainer" || name === "simulatedTraffic") provenance = true;
        else if (name === "isProduction") production = true;
        else if (name === "metrics") {
          const arg = s.arguments?.find((a) => a.name.value === "window")?.value;
          windows.add(String(arg?.kind === Kind.VARIABLE ? info.variableValues[arg.name.value] : arg?.kind === Kind.ENUM ? arg.value : ""));
          visit(s.selectionSet, true);
        }
      }
    }
  };
  for (const node of info.fieldNodes) visit(node.selectionSet, false);
  const [window] = windows;
  const metricsWindow = windows.size === 1 && !series && WINDOWS.some((w) => w.name === window) ? (window as MetricsWindowName) : null;
  return { provenance, production, metricsWindow, columns: columns ? [...(columns as Set<DeploymentColumn>)] : null };
}

/** Whether Pothos' query for the rows asks for relations (then Prisma loads them) or only the row's own columns. */
function onlyColumns(query: object): boolean {
  const q = query as { select?: object; include?: Record<string, unknown> };
  return !q.select && Object.values(q.include ?? {}).every((v) => !v);
}

const DeploymentPage = pageOf<DeploymentPageQuery>({
  name: "DeploymentPage",
  model: "Deployment",
  delegate: (prisma) => prisma.deployment,
  defaultOrder: [{ id: "asc" }],
  statusCounted: "Deployment",
  // One statement for the page, its total and what the rows show (ADR 0046); relations go through Prisma.
  load: (query, page, ctx, info, withTotal, withCounts) => {
    if (!onlyColumns(query)) return null;
    const wants = { ...rowWants(info), count: withTotal, statusCounts: withCounts };
    return loadDeploymentPage(ctx.prisma, page.spec, wants).then((loaded) => {
      for (const row of loaded.rows) {
        pageRowExtras.set(row, {
          provenance: wants.provenance ? loaded.provenance.get(row.id) : undefined,
          production: wants.production ? (loaded.production.get(row.modelName) ?? null) : undefined,
          window: wants.metricsWindow ?? undefined,
          metrics: wants.metricsWindow ? loaded.metrics.get(row.id) : undefined,
        });
      }
      return { nodes: loaded.rows, total: loaded.total, counts: loaded.statusCounts };
    });
  },
});

const sortColumns = { MODEL_NAME: "modelName", DEPLOYED: "createdAt", STATUS: "status" } as const;
const metricSorts = { REQUESTS_PER_SECOND: "requestsPerSecond", P95_LATENCY: "p95LatencyMs", ERROR_RATE: "errorRate" } as const;

/**
 * Metric sorts read DeploymentStats (kept current by ingestion and the metrics worker), so the database sorts and
 * pages. The order twice: as Prisma's orderBy, and as the page statement's.
 */
function deploymentOrder(sort: { field: string; direction?: "ASC" | "DESC" | null; window?: MetricsWindowName | null } | null | undefined): {
  prisma: Prisma.DeploymentOrderByWithRelationInput;
  sql: DeploymentOrder;
} {
  const field = (sort?.field ?? "DEPLOYED") as keyof typeof sortColumns | keyof typeof metricSorts;
  if (field in metricSorts) {
    const column = statsColumn(metricSorts[field as keyof typeof metricSorts], sort?.window ?? "LAST_HOUR");
    const dir = direction(sort?.direction, "desc");
    // Without traffic a deployment serves 0 requests per second (the table shows "0"), so for that
    // column no figure sorts as the lowest; latency and error rate have no figure ("—"): last either way.
    const nulls = field === "REQUESTS_PER_SECOND" && dir === "asc" ? "first" : "last";
    return {
      prisma: { stats: { [column]: { sort: dir, nulls } } } as Prisma.DeploymentOrderByWithRelationInput,
      sql: { statsColumn: column, direction: dir, nulls },
    };
  }
  const column = sortColumns[field as keyof typeof sortColumns];
  const dir = direction(sort?.direction, field === "DEPLOYED" ? "desc" : "asc");
  return { prisma: { [column]: dir } as Prisma.DeploymentOrderByWithRelationInput, sql: { column, direction: dir } };
}

builder.queryFields((t) => ({
  deployments: t.field({
    type: DeploymentPage,
    args: {
      filter: t.arg({ type: DeploymentFilter, required: false }),
      sort: t.arg({ type: DeploymentSort, required: false }),
      ...pageArgs,
    },
    resolve: (_root, args, _ctx, info): DeploymentPageQuery => {
      const f = args.filter ?? {};
      // Matched as typed, wildcards included.
      const name = f.modelName?.trim() ? likeLiteral(f.modelName.trim()) : null;
      const where: Prisma.DeploymentWhereInput = {
        ...(f.status?.length ? { status: { in: f.status } } : {}),
        ...(name ? { modelName: { contains: name, mode: "insensitive" as const } } : {}),
        ...(f.trainer ? { job: trainerWhere(f.trainer) } : {}),
      };
      const order = deploymentOrder(args.sort);
      const window = pageWindow(args);
      return {
        where,
        orderBy: [order.prisma, { id: "asc" as const }],
        ...window,
        spec: { statuses: f.status, modelNameContains: name, trainer: f.trainer, order: order.sql, ...window },
        totalFromNodes: sharedTotalFor(info),
      };
    },
  }),
  deployment: t.prismaField({
    type: "Deployment",
    nullable: true,
    args: { id: t.arg.id({ required: true }) },
    resolve: (query, _root, args, ctx) => {
      const id = String(args.id);
      if (!isUuid(id)) return null;
      return ctx.prisma.deployment.findUnique({ ...query, where: { id } });
    },
  }),
}));

builder.mutationField("deployJob", (t) =>
  t.field({
    type: DeploymentRef,
    description:
      "Deploys a COMPLETE training job as the next version of its model name (v1.0.0, v1.1.0, …). The deployment starts DEPLOYING and becomes ACTIVE when its rollout finishes (scope: deploy).",
    errors: { types: [NotFoundError, JobNotCompleteError, DuplicateDeploymentError, ValidationError, ForbiddenError], dataField: { name: "deployment" } },
    args: {
      jobId: t.arg.id({ required: true }),
      upstreamUrl: t.arg.string({
        required: false,
        description: "Where the model server for this version listens (http:// or https://). Omitted: the built-in simulated model server.",
      }),
      healthPath: t.arg.string({ required: false, description: 'Readiness probe path on the upstream (default "/health").' }),
      public: t.arg.boolean({ required: false, description: "Gateway callers need no token with the invoke scope (default false)." }),
    },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        // The deployment's id is known only on success; a refusal records the job it was about.
        { action: "deployJob", scope: "deploy", targetType: "Deployment", detail: { jobId: String(args.jobId), upstreamUrl: args.upstreamUrl ?? null } },
        () =>
          deployJob(ctx.prisma, {
            jobId: String(args.jobId),
            actor: ctx.actor.name,
            config: ctx.config,
            serving: { upstreamUrl: args.upstreamUrl, healthPath: args.healthPath, isPublic: args.public },
          }),
        (d) => ({ targetId: d.id, detail: { jobId: d.jobId, modelName: d.modelName, version: d.version, upstreamUrl: d.upstreamUrl } }),
      ),
  }),
);

const LIFECYCLE = {
  pauseDeployment: { service: pauseDeployment, description: "Stops serving an ACTIVE deployment; its endpoint URL is kept for resume (scope: deploy)." },
  resumeDeployment: { service: resumeDeployment, description: "Serves a PAUSED deployment again, at the same endpoint URL (scope: deploy)." },
  retireDeployment: { service: retireDeployment, description: "Retires a deployment for good, from any state but RETIRED (scope: deploy)." },
} as const;

for (const [name, { service, description }] of Object.entries(LIFECYCLE)) {
  builder.mutationField(name, (t) =>
    t.field({
      type: DeploymentRef,
      description,
      errors: { types: [NotFoundError, InvalidStateError, ForbiddenError], dataField: { name: "deployment" } },
      args: { id: t.arg.id({ required: true }) },
      resolve: (_root, args, ctx) =>
        runMutation(ctx, { action: name, scope: "deploy", targetType: "Deployment", targetId: String(args.id) }, () =>
          service(ctx.prisma, { id: String(args.id), actor: ctx.actor.name }),
        ),
    }),
  );
}

builder.mutationField("rollbackDeployment", (t) =>
  t.field({
    type: DeploymentRef,
    description:
      "Makes an earlier (RETIRED or PAUSED) version ACTIVE again and, in the same transaction, retires the model's current ACTIVE and DEPLOYING versions — or pauses the ACTIVE one with `pauseCurrent: true` (scope: deploy).",
    errors: { types: [NotFoundError, InvalidStateError, DuplicateDeploymentError, ForbiddenError], dataField: { name: "deployment" } },
    args: {
      id: t.arg.id({ required: true, description: "The version to make ACTIVE again." }),
      pauseCurrent: t.arg.boolean({ required: false, defaultValue: false, description: "Pause the current version instead of retiring it." }),
    },
    resolve: (_root, args, ctx) =>
      runMutation(ctx, { action: "rollbackDeployment", scope: "deploy", targetType: "Deployment", targetId: String(args.id) }, () =>
        rollbackDeployment(ctx.prisma, { id: String(args.id), actor: ctx.actor.name, pauseCurrent: args.pauseCurrent ?? false }),
      ),
  }),
);
