import { readFileSync } from "node:fs";
import path from "node:path";
import { parse, validate } from "graphql";
import { expect, test } from "vitest";
import { schema } from "../../graphql/schema.ts";

// docs/external-trainer.md is what people copy into their trainers: its operations must stay valid.
test("every GraphQL operation in the external trainer guide validates against the schema", () => {
  const md = readFileSync(path.resolve(import.meta.dirname, "../../docs/external-trainer.md"), "utf8");
  const operations = [...md.matchAll(/"""([\s\S]*?)"""/g)].map((m) => m[1]!);
  for (const m of md.matchAll(/^q '([^']+)'/gm)) operations.push(m[1]!);
  expect(operations.length).toBeGreaterThanOrEqual(6);
  for (const op of operations) {
    expect(validate(schema, parse(op)).map((e) => e.message), op).toEqual([]);
  }
});
