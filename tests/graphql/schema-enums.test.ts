import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { printEnums } from "../../cli/print-enums.ts";
import { printSdl } from "../../graphql/schema.ts";

test("the console's enum module (app/lib/schema-enums.ts) matches the schema (run `npm run gql:types` after changing the API)", () => {
  const committed = readFileSync(new URL("../../app/lib/schema-enums.ts", import.meta.url), "utf8");
  expect(committed).toBe(printEnums(printSdl()));
  expect(committed).toContain('export const DeploymentStatus = ["ACTIVE","DEPLOYING","FAILED","PAUSED","RETIRED"] as const;');
});
