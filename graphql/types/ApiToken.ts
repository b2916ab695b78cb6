import type { Prisma } from "../generated/prisma/client.ts";
import { builder } from "../builder.ts";
import type { Scope } from "../scopes.ts";
import { authorize, runMutation } from "../audit.ts";
import { ForbiddenError, NotFoundError, ValidationError } from "../errors.ts";
import { createApiToken, revokeApiToken, tokenStatus } from "../services/tokens.ts";
import { pageArgs, pageWindow, pageOf, type PageQuery } from "./common.ts";

export const ApiTokenScope = builder.enumType("ApiTokenScope", {
  description: "What a token may do: READ queries, TRAIN jobs, DEPLOY models, INGEST inference events, INVOKE models through the gateway, ADMIN tokens.",
  values: {
    READ: { value: "read" },
    TRAIN: { value: "train" },
    DEPLOY: { value: "deploy" },
    INGEST: { value: "ingest" },
    INVOKE: { value: "invoke" },
    ADMIN: { value: "admin" },
  } as const,
});

const ApiTokenStatus = builder.enumType("ApiTokenStatus", { values: ["ACTIVE", "EXPIRED", "REVOKED"] as const });

export const ApiTokenRef = builder.prismaObject("ApiToken", {
  description: "A bearer token for CI pipelines and scripts. Its secret is shown once, at creation; only a hash is stored.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    prefix: t.exposeString("prefix", { description: "The secret's first characters, to recognise the token (e.g. `ty_Ab3dE9xQ`)." }),
    scopes: t.field({
      type: [ApiTokenScope],
      select: { scopes: true },
      resolve: (token) => token.scopes as Scope[],
    }),
    status: t.field({
      type: ApiTokenStatus,
      select: { expiresAt: true, revokedAt: true },
      resolve: (token) => tokenStatus(token),
    }),
    createdBy: t.exposeString("createdBy"),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    lastUsedAt: t.expose("lastUsedAt", { type: "DateTime", nullable: true }),
    revokedAt: t.expose("revokedAt", { type: "DateTime", nullable: true }),
  }),
});

const ApiTokenPage = pageOf<PageQuery<Prisma.ApiTokenWhereInput>>({
  name: "ApiTokenPage",
  model: "ApiToken",
  delegate: (prisma) => prisma.apiToken,
  defaultOrder: [{ createdAt: "desc" }, { id: "asc" }],
});

builder.queryFields((t) => ({
  apiTokens: t.field({
    type: ApiTokenPage,
    description: "API tokens, newest first (scope: admin). Secrets are never returned.",
    args: { includeRevoked: t.arg.boolean({ required: false, description: "Also list revoked tokens (default true)." }), ...pageArgs },
    resolve: (_root, args, ctx) => {
      authorize(ctx.actor, "admin");
      return { where: (args.includeRevoked ?? true) ? {} : { revokedAt: null }, ...pageWindow(args) };
    },
  }),
}));

const CreateApiTokenInput = builder.inputType("CreateApiTokenInput", {
  fields: (t) => ({
    name: t.string({ required: true, description: "Who or what uses it, e.g. `github-actions-deploy`." }),
    scopes: t.field({ type: [ApiTokenScope], required: true }),
    expiresAt: t.field({ type: "DateTime", required: false, description: "Leave empty for a token that does not expire." }),
  }),
});

type CreatedToken = Awaited<ReturnType<typeof createApiToken>>["token"] & { secret: string };

builder.mutationField("createApiToken", (t) =>
  t.field({
    type: ApiTokenRef,
    description: "Creates an API token (scope: admin). The secret is in the result and cannot be retrieved again.",
    errors: {
      types: [ValidationError, ForbiddenError],
      dataField: { name: "token" },
      result: {
        fields: (r) => ({
          secret: r.string({
            description: "The bearer secret. Shown once: store it now (e.g. as a CI secret).",
            resolve: (token) => (token as CreatedToken).secret,
          }),
        }),
      },
    },
    args: { input: t.arg({ type: CreateApiTokenInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      runMutation(
        ctx,
        { action: "createApiToken", scope: "admin", targetType: "ApiToken", detail: { name: input.name, scopes: input.scopes } },
        async (): Promise<CreatedToken> => {
          const { token, secret } = await createApiToken(ctx.prisma, { input, actor: ctx.actor.name });
          return { ...token, secret };
        },
        (token) => ({ targetId: token.id }),
      ),
  }),
);

builder.mutationField("revokeApiToken", (t) =>
  t.field({
    type: ApiTokenRef,
    description: "Revokes an API token (scope: admin); requests using it are refused from then on.",
    errors: { types: [NotFoundError, ForbiddenError], dataField: { name: "token" } },
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      runMutation(ctx, { action: "revokeApiToken", scope: "admin", targetType: "ApiToken", targetId: String(args.id) }, () =>
        revokeApiToken(ctx.prisma, String(args.id)),
      ),
  }),
);
