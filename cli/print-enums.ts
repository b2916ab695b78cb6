import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { buildSchema, GraphQLEnumType } from "graphql";

// Writes app/lib/schema-enums.ts from the committed SDL, so the console's option lists are the schema's
// enum values (run by `npm run gql:types`; tests/graphql/schema-enums.test.ts fails when the file is stale).
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const target = path.join(root, "app", "lib", "schema-enums.ts");

export function printEnums(sdl: string): string {
  const schema = buildSchema(sdl);
  const enums = Object.values(schema.getTypeMap())
    .filter((t): t is GraphQLEnumType => t instanceof GraphQLEnumType && !t.name.startsWith("__"))
    .sort((a, b) => a.name.localeCompare(b.name));
  const lines = [
    "// Generated from graphql/schema.graphql by cli/print-enums.ts (npm run gql:types). Do not edit.",
    "",
    ...enums.map((e) => `export const ${e.name} = ${JSON.stringify(e.getValues().map((v) => v.name))} as const;`),
    "",
  ];
  return lines.join("\n");
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  writeFileSync(target, printEnums(readFileSync(path.join(root, "graphql", "schema.graphql"), "utf8")));
  console.log(`wrote ${path.relative(process.cwd(), target)}`);
}
