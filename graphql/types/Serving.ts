import { builder } from "../builder.ts";
import { runMutation } from "../audit.ts";
import { ForbiddenError, InvalidStateError, NotFoundError, ValidationError } from "../errors.ts";
import { modelRoute, promoteDeployment, setDeploymentUpstream, setTrafficSplit } from "../services/serving.ts";
import { DeploymentRef } from "./Deployment.ts";
import { pageRowExtras, productionLoader } from "./deployment-loaders.ts";

export function gatewayPath(modelName: string, version?: string): string {
  const model = `/v1/models/${encodeURIComponent(modelName)}`;
  return version ? `${model}/versions/${encodeURIComponent(version)}` : model;
}

builder.prismaObjectFields("Deployment", (t) => ({
  upstreamUrl: t.exposeString("upstreamUrl", {
    nullable: true,
    description: "Where the model server for this version listens; null: served by the built-in simulated model server.",
  }),
  simulated: t.boolean({
    description: "True when the built-in simulated model server answers for this version (no upstream): its responses are synthetic.",
    resolve: (d) => d.upstreamUrl === null,
  }),
  healthPath: t.exposeString("healthPath", { description: "Readiness probe path on the upstream." }),
  public: t.exposeBoolean("isPublic", { description: "Gateway callers need no token with the invoke scope." }),
  healthy: t.exposeBoolean("healthy", {
    nullable: true,
    description: "How the last readiness probe of the upstream went; null before the first probe and for simulated deployments.",
  }),
  lastProbeAt: t.expose("lastProbeAt", { type: "DateTime", nullable: true }),
  lastProbeError: t.exposeString("lastProbeError", { nullable: true, description: "Why the last probe failed, e.g. `GET …/health answered HTTP 503`." }),
  artifact: t.relation("artifact", { nullable: true, description: "The artifact this deployment serves, pinned at deploy time." }),
  gatewayUrl: t.string({
    description: "This version's URL on the inference gateway: append the model server's own path (e.g. /v1/chat/completions).",
    resolve: (d, _args, ctx) => `${ctx.config.gatewayUrl}${gatewayPath(d.modelName, d.version)}`,
  }),
  isProduction: t.boolean({
    description: "Whether `/v1/models/{modelName}/…` serves this version (the production alias; the newest ACTIVE version unless promoted).",
    // Batched per request: a page of 50 rows costs one query, not two per row (issue 12).
    resolve: (d, _args, ctx) => {
      const read = pageRowExtras.get(d)?.production;
      return read !== undefined ? read === d.id : productionLoader(ctx).load(d.modelName).then((id) => id === d.id);
    },
  }),
}));

interface SplitShape {
  deploymentId: string;
  percent: number;
}

const TrafficSplitEntry = builder.objectRef<SplitShape>("TrafficSplitEntry").implement({
  description: "One version's share of `/v1/models/{modelName}/…`.",
  fields: (t) => ({
    percent: t.exposeInt("percent"),
    deployment: t.prismaField({
      type: "Deployment",
      nullable: true,
      resolve: (query, s, _args, ctx) => ctx.prisma.deployment.findUnique({ ...query, where: { id: s.deploymentId } }),
    }),
  }),
});

interface ModelServingShape {
  modelName: string;
  productionDeploymentId: string | null;
  explicit: boolean;
  splits: SplitShape[] | null;
}

const ModelServing = builder.objectRef<ModelServingShape>("ModelServing").implement({
  description: "How a model name is served on the gateway: its versions, the production alias and any traffic split.",
  fields: (t) => ({
    modelName: t.exposeString("modelName"),
    gatewayUrl: t.string({
      description: "The model's URL on the gateway (production or split).",
      resolve: (m, _args, ctx) => `${ctx.config.gatewayUrl}${gatewayPath(m.modelName)}`,
    }),
    production: t.prismaField({
      type: "Deployment",
      nullable: true,
      description: "The version `/v1/models/{modelName}/…` serves when no split is set.",
      resolve: (query, m, _args, ctx) =>
        m.productionDeploymentId ? ctx.prisma.deployment.findUnique({ ...query, where: { id: m.productionDeploymentId } }) : null,
    }),
    productionPromoted: t.boolean({
      description: "True when production was set by promote or rollback; false when it is implicitly the newest ACTIVE version.",
      resolve: (m) => m.explicit,
    }),
    splits: t.field({ type: [TrafficSplitEntry], description: "The weighted split, empty when production takes everything.", resolve: (m) => m.splits ?? [] }),
    versions: t.prismaField({
      type: ["Deployment"],
      description: "Every version of the model, newest first.",
      resolve: (query, m, _args, ctx) =>
        ctx.prisma.deployment.findMany({
          ...query,
          where: { modelName: m.modelName },
          orderBy: [{ versionMajor: "desc" }, { versionMinor: "desc" }, { versionPatch: "desc" }],
        }),
    }),
  }),
});

builder.queryField("servedModel", (t) =>
  t.field({
    type: ModelServing,
    nullable: true,
    description: "How a model name is served (versions, production, split); null when it has no versions.",
    args: { modelName: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const exists = await ctx.prisma.deployment.findFirst({ where: { modelName: args.modelName }, select: { id: true } });
      return exists ? modelRoute(ctx.prisma, args.modelName) : null;
    },
  }),
);

builder.mutationField("setDeploymentUpstream", (t) =>
  t.field({
    type: DeploymentRef,
    description:
      "Points a deployment at another model server (http/https), or with a null upstreamUrl at the simulated model server. Readiness starts over (scope: deploy).",
    errors: { types: [NotFoundError, InvalidStateError, ValidationError, ForbiddenError], dataField: { name: "deployment" } },
    args: {
      id: t.arg.id({ required: true }),
      upstreamUrl: t.arg.string({ required: false }),
      healthPath: t.arg.string({ required: false }),
      public: t.arg.boolean({ required: false }),
    },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        { action: "setDeploymentUpstream", scope: "deploy", targetType: "Deployment", targetId: String(args.id), detail: { upstreamUrl: args.upstreamUrl ?? null } },
        () =>
          setDeploymentUpstream(ctx.prisma, {
            id: String(args.id),
            input: { upstreamUrl: args.upstreamUrl, healthPath: args.healthPath, isPublic: args.public },
            actor: ctx.actor.name,
            rolloutTimeoutMs: ctx.config.serving.rolloutTimeoutMs,
            simulatedRolloutSeconds: ctx.config.rollout.seconds,
          }),
      ),
  }),
);

builder.mutationField("promoteDeployment", (t) =>
  t.field({
    type: DeploymentRef,
    description: "Makes an ACTIVE version the production alias: `/v1/models/{modelName}/…` serves it; any traffic split is cleared (scope: deploy).",
    errors: { types: [NotFoundError, InvalidStateError, ForbiddenError], dataField: { name: "deployment" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      runMutation(ctx, { action: "promoteDeployment", scope: "deploy", targetType: "Deployment", targetId: String(args.id) }, () =>
        promoteDeployment(ctx.prisma, { id: String(args.id), actor: ctx.actor.name }),
      ),
  }),
);

const TrafficSplitInput = builder.inputType("TrafficSplitInput", {
  fields: (t) => ({
    deploymentId: t.id({ required: true }),
    percent: t.int({ required: true, description: "Whole percent, 0–100; the entries sum to 100." }),
  }),
});

builder.mutationField("setTrafficSplit", (t) =>
  t.field({
    type: ModelServing,
    description:
      "Splits `/v1/models/{modelName}/…` across versions of that model by weight (canary); sticky per `x-trainyard-route-key`. An empty list clears it (scope: deploy).",
    errors: { types: [NotFoundError, InvalidStateError, ValidationError, ForbiddenError], dataField: { name: "model" } },
    args: {
      modelName: t.arg.string({ required: true }),
      splits: t.arg({ type: [TrafficSplitInput], required: true }),
    },
    resolve: (_root, args, ctx) =>
      runMutation(
        ctx,
        {
          action: "setTrafficSplit",
          scope: "deploy",
          targetType: "Model",
          targetId: args.modelName.slice(0, 200),
          detail: { splits: args.splits.slice(0, 10).map((s) => ({ deploymentId: String(s.deploymentId), percent: s.percent })) },
        },
        async () => {
          await setTrafficSplit(ctx.prisma, {
            modelName: args.modelName,
            splits: args.splits.map((s) => ({ deploymentId: String(s.deploymentId), percent: s.percent })),
            actor: ctx.actor.name,
          });
          return modelRoute(ctx.prisma, args.modelName.trim());
        },
      ),
  }),
);
