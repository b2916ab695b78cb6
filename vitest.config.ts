import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Pothos and yoga load graphql's CommonJS build; make our imports use the same
    // instance, or graphql-js rejects types "from another module or realm".
    alias: [{ find: /^graphql$/, replacement: "graphql/index.js" }],
  },
  test: {
    include: ["tests/**/*.test.ts"],
    globalSetup: ["tests/setup/global-setup.ts"],
    setupFiles: ["tests/setup/fail-on-console-error.ts"],
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    // On CI (a loaded 2-core machine, PGlite and PostgreSQL runs back to back) a test that fails is run once
    // more before the run is red: a real regression fails twice; a timing hiccup does not sink the run.
    // Locally (no CI variable) nothing is retried, so a flaky test shows itself. See docs/decisions/0030.
    retry: process.env.CI ? 1 : 0,
    hookTimeout: 120_000,
    // Each file gets its own database (see tests/setup/database.ts), so files run in parallel safely.
    fileParallelism: true,
    // .ci/run sets VITEST_REPORT to sum up both runs (PGlite and PostgreSQL) in one closing line.
    reporters: process.env.VITEST_REPORT ? ["default", ["json", { outputFile: process.env.VITEST_REPORT }]] : ["default"],
  },
});
