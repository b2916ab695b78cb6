import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { printSdl } from "../../graphql/schema.ts";

test("the committed graphql/schema.graphql matches the schema (run `npm run schema:print` after changing the API)", () => {
  const committed = readFileSync(new URL("../../graphql/schema.graphql", import.meta.url), "utf8");
  expect(committed).toBe(printSdl());
});

test("the API names that CI scripts depend on are in the schema", () => {
  const sdl = printSdl();
  for (const field of ["baseModels(", "baseModel(", "datasets:", "trainingJobs(", "trainingJob(", "deployments(", "deployment(", "dashboard:"]) {
    expect(sdl).toContain(`  ${field}`);
  }
  expect(sdl).toMatch(/interface Error \{\n  code: String!\n  message: String!\n\}/);
});
