import { GraphQLError, Kind } from "graphql";
import { builder } from "../builder.ts";

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
