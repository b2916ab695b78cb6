import { initGraphQLTada } from "gql.tada";
import type { introspection } from "../graphql-env.d.ts";

/**
 * Typed GraphQL documents, checked against the committed SDL
 * (graphql/schema.graphql → app/graphql-env.d.ts via `gql.tada generate output`).
 */
export const graphql = /* @__PURE__ */ initGraphQLTada<{
  introspection: introspection;
  scalars: { DateTime: string; JSON: unknown };
}>();

export type { FragmentOf, ResultOf, VariablesOf } from "gql.tada";
export { readFragment } from "gql.tada";
