import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import PrismaPlugin from "@pothos/plugin-prisma";
import type PrismaTypes from "./generated/pothos-types.ts";
import { getDatamodel } from "./generated/pothos-types.ts";
import type { Context } from "./context.ts";

/** The SchemaBuilder and its plugins only; types live in graphql/types/*. */
export const builder = new SchemaBuilder<{
  Context: Context;
  PrismaTypes: PrismaTypes;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Order matters: the errors plugin wraps resolvers before the prisma plugin sees them.
  plugins: [ErrorsPlugin, PrismaPlugin],
  defaultFieldNullability: false,
  prisma: {
    client: (ctx) => ctx.prisma,
    dmmf: getDatamodel(),
  },
  errors: {
    // Mutation results read as `DeployJobResult = DeployJobSuccess | NotFoundError | …`.
    defaultUnionOptions: { name: ({ parentTypeName, fieldName }) => resultName(parentTypeName, fieldName, "Result") },
    defaultResultOptions: { name: ({ parentTypeName, fieldName }) => resultName(parentTypeName, fieldName, "Success") },
  },
});

function resultName(parentTypeName: string, fieldName: string, suffix: string) {
  const field = fieldName.charAt(0).toUpperCase() + fieldName.slice(1);
  return parentTypeName === "Mutation" ? `${field}${suffix}` : `${parentTypeName}${field}${suffix}`;
}

builder.queryType({});

builder.mutationType({});
