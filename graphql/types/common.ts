import type { FieldRef } from "@pothos/core";
import { GraphQLError, Kind, type GraphQLResolveInfo } from "graphql";
import { builder } from "../builder.ts";
import type { PrismaClient } from "../db.ts";
import type PrismaTypes from "../generated/pothos-types.ts";
import { offerStatusCounts, requestStatusCounts, statusOnlyFilter, sumOfStatuses, type CountedTable } from "../services/status-counts.ts";
import { loaderFor } from "../context.ts";

builder.scalarType("DateTime", {
  description: "An ISO-8601 timestamp in UTC.",
  serialize: (value) => value.toISOString(),
  parseValue: (value) => {
    const date = typeof value === "string" || typeof value === "number" ? new Date(value) : null;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError("DateTime must be an ISO-8601 string");
    return date;
  },
  parseLiteral: (ast) => {
    if (ast.kind !== Kind.STRING) throw new GraphQLError("DateTime must be an ISO-8601 string");
    const date = new Date(ast.value);
    if (Number.isNaN(date.getTime())) throw new GraphQLError("DateTime must be an ISO-8601 string");
    return date;
  },
});

builder.scalarType("JSON", {
  description: "Arbitrary JSON.",
  serialize: (value) => value,
  parseValue: (value) => value,
});

export const SortDirection = builder.enumType("SortDirection", { values: ["ASC", "DESC"] as const });
export type SortDirectionValue = "ASC" | "DESC";

export const MAX_PAGE_SIZE = 200;
export const DEFAULT_PAGE_SIZE = 25;

/** `first` / `offset` arguments shared by every list field (offset paging suits numbered table pages). */
export const pageArgs = builder.args((t) => ({
  first: t.int({ required: false, description: `Page size, at most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}).` }),
  offset: t.int({ required: false, description: "Rows to skip (default 0)." }),
}));

export function pageWindow(args: { first?: number | null; offset?: number | null }) {
  const take = Math.min(Math.max(args.first ?? DEFAULT_PAGE_SIZE, 0), MAX_PAGE_SIZE);
  const skip = Math.max(args.offset ?? 0, 0);
  return { take, skip };
}

export const direction = (d: SortDirectionValue | null | undefined, fallback: "asc" | "desc" = "asc") =>
  d === "ASC" ? "asc" : d === "DESC" ? "desc" : fallback;

/** What a list field resolves to: the filter, the order (the page type's default when absent) and the window. */
export interface PageQuery<Where = object, Order = object> {
  where: Where;
  orderBy?: Order[];
  take: number;
  skip: number;
  /** Set when the selection asks for `nodes` and `totalCount` together: `nodes`' statement may carry the total (see `load`). */
  totalFromNodes?: SharedTotal;
}

/** A total that `nodes` settles (null: it has none) and `totalCount` awaits. */
export interface SharedTotal {
  promise: Promise<number | null>;
  settle(total: number | null): void;
}

/**
 * A SharedTotal when the list field's selection holds both `nodes` and `totalCount` as plain fields (no fragment,
 * no directive: then `nodes` surely runs and settles it), else undefined.
 */
export function sharedTotalFor(info: GraphQLResolveInfo): SharedTotal | undefined {
  const plain = new Set<string>();
  for (const node of info.fieldNodes) {
    for (const s of node.selectionSet?.selections ?? []) if (s.kind === Kind.FIELD && !s.directives?.length) plain.add(s.name.value);
  }
  if (!plain.has("nodes") || !plain.has("totalCount")) return undefined;
  let settle!: (total: number | null) => void;
  const promise = new Promise<number | null>((resolve) => (settle = resolve));
  return { promise, settle };
}

/** The two calls a page makes on a Prisma model delegate. */
interface PageDelegate {
  findMany(args: object): PromiseLike<unknown[]>;
  count(args: { where: object }): Promise<number>;
}

type Types = typeof builder extends PothosSchemaTypes.SchemaBuilder<infer T> ? T : never;

type PageContext = { prisma: PrismaClient };

/**
 * The one definition of a list page type (`<Name>Page { nodes, totalCount }`): `nodes` spreads the GraphQL
 * selection into one `findMany` (the selection decides the SQL), `totalCount` is one `count` with the same filter.
 * `nodes` may be replaced for an order Prisma cannot express; `fields` adds page-level fields.
 */
export function pageOf<Shape extends PageQuery>(options: {
  name: string;
  model: keyof PrismaTypes;
  delegate: (prisma: PrismaClient) => unknown;
  defaultOrder: object[];
  nodes?: (query: object, page: Shape, ctx: PageContext) => Promise<unknown[]>;
  /**
   * The page and what its rows show in one statement, with the filtered total when `withTotal` (ADR 0046); null
   * when this selection needs the Prisma query (`query` holds relations, say). Takes precedence over `nodes`.
   * With `withCounts` (a `statusCounted` type), the statement also carries the table's kept counts for the
   * request's status-only totals (`counts`; null when it could not, as on an empty page).
   */
  load?: (
    query: object,
    page: Shape,
    ctx: PageContext,
    info: GraphQLResolveInfo,
    withTotal: boolean,
    withCounts: boolean,
  ) => Promise<{ nodes: unknown[]; total: number | null; counts?: ReadonlyMap<string, number> | null }> | null;
  fields?: (t: PothosSchemaTypes.ObjectFieldBuilder<Types, Shape>) => Record<string, FieldRef<Types>>;
  description?: string;
  /** A table whose rows per status the database keeps: a total filtered by status alone is read from there (ADR 0039). */
  statusCounted?: CountedTable;
}) {
  const delegate = (ctx: PageContext) => options.delegate(ctx.prisma) as PageDelegate;
  return builder.objectRef<Shape>(options.name).implement({
    description: options.description,
    fields: (t) => ({
      nodes: t.prismaField({
        type: [options.model] as never,
        resolve: ((query: object, page: Shape, _args: unknown, ctx: PageContext, info: GraphQLResolveInfo) => {
          const shared = page.totalFromNodes;
          // The kept counts answer a status-only total more cheaply than a count over the page's rows.
          const withTotal = !!shared && (options.statusCounted ? statusOnlyFilter(page.where) : undefined) === undefined;
          // The request's status-only totals (this page's, an unfiltered one beside it) ride on the page's statement
          // rather than send one of their own: they are read in the same tick, before that statement returns.
          const ride = options.load && options.statusCounted ? offerStatusCounts(ctx, options.statusCounted) : undefined;
          let loaded: Promise<{ nodes: unknown[]; total: number | null; counts?: ReadonlyMap<string, number> | null }> | null = null;
          try {
            loaded = options.load?.(query, page, ctx, info, withTotal, !!ride) ?? null;
          } finally {
            if (!loaded) (shared?.settle(null), ride?.(null));
          }
          if (loaded) {
            return loaded.then(
              (r) => (shared?.settle(withTotal ? r.total : null), ride?.(r.counts ?? null), r.nodes),
              (err) => (shared?.settle(null), ride?.(null), Promise.reject(err)),
            );
          }
          return options.nodes
            ? options.nodes(query, page, ctx)
            : delegate(ctx).findMany({ ...query, where: page.where, orderBy: page.orderBy ?? options.defaultOrder, take: page.take, skip: page.skip });
        }) as never,
      }),
      totalCount: t.int({
        resolve: async (page, _args, ctx) => {
          const statuses = options.statusCounted ? statusOnlyFilter(page.where) : undefined;
          if (statuses === undefined) {
            const fromNodes = page.totalFromNodes ? await page.totalFromNodes.promise : null;
            return fromNodes ?? delegate(ctx).count({ where: page.where });
          }
          // One read of the kept counts per request, shared by every total it holds (a list page asks for its
          // filtered total and for the unfiltered one), carried by the page's statement when it can (above).
          const counts = loaderFor(ctx, "statusCounts", (tables) => requestStatusCounts(ctx, ctx.prisma, tables as CountedTable[]));
          return counts.load(options.statusCounted!).then((byStatus) => sumOfStatuses(byStatus, statuses));
        },
      }),
      ...options.fields?.(t),
    }),
  });
}
