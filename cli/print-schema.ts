import { writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { printSdl } from "../graphql/schema.ts";

// Writes graphql/schema.graphql; a test fails when the committed file is stale.
const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "graphql", "schema.graphql");
writeFileSync(target, printSdl());
console.log(`wrote ${path.relative(process.cwd(), target)}`);
