// Runs `prisma generate` without network access. The Prisma CLI insists on
// locating a native schema engine before generating, and would download one;
// generate never runs it, so any existing executable satisfies the check.
// See docs/decisions/0002-migrations.md.
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const prismaCli = require.resolve("prisma/build/index.js");
const result = spawnSync(process.execPath, [prismaCli, "generate", ...process.argv.slice(2)], {
  stdio: "inherit",
  env: {
    ...process.env,
    // generators such as prisma-pothos-types are found on PATH, as under `npm run`
    PATH: [path.resolve("node_modules/.bin"), process.env.PATH].join(path.delimiter),
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath,
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
    CHECKPOINT_DISABLE: "1",
  },
});
process.exit(result.status ?? 1);
