import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { Prisma } from "../../graphql/generated/prisma/client.ts";
import {
  HOUR_ROLLUP_RETENTION_MS,
  LONGEST_WINDOW,
  METRICS_WINDOWS,
  STATS_COLUMNS,
  statsColumn,
  WINDOW_SPECS,
  WINDOWS,
  windowBounds,
} from "../../graphql/services/metrics.ts";
import { INGEST_LIMITS } from "../../graphql/validation/inference.ts";

// Issue 13: the metric windows are one table; what depends on them is derived and checked here,
// so a window added to the table without its DeploymentStats columns fails at once.
describe("the window table", () => {
  test("every window has its three DeploymentStats columns, and the model has no stats column the table does not name", () => {
    const modelColumns = Object.keys(Prisma.DeploymentStatsScalarFieldEnum).filter((c) => !["deploymentId", "computedAt"].includes(c));
    expect([...STATS_COLUMNS].sort()).toEqual(modelColumns.sort());
    expect(statsColumn("p95LatencyMs", "LAST_HOUR")).toBe("p95LatencyMs1h");
  });

  test("the GraphQL enum lists exactly the table's windows", () => {
    const schema = readFileSync(new URL("../../graphql/schema.graphql", import.meta.url), "utf8");
    const body = /enum MetricsWindow \{([^}]*)\}/.exec(schema)![1]!;
    const values = body.split("\n").map((l) => l.trim()).filter((l) => /^[A-Z0-9_]+$/.test(l));
    expect(values.sort()).toEqual([...METRICS_WINDOWS].sort());
  });

  test("resolutions, bounds, retention and the ingest age limit follow the table", () => {
    const now = new Date("2026-11-27T10:17:42.500Z");
    for (const w of WINDOWS) {
      const b = windowBounds(w.name, now);
      expect(b.end.getTime() - b.start.getTime()).toBe(w.durationMs);
      expect(b.end.getTime() % WINDOW_SPECS[w.name].bucketMs).toBe(0);
      expect(b.start.getTime()).toBeLessThanOrEqual(now.getTime());
      expect(b.end.getTime()).toBeGreaterThan(now.getTime());
    }
    expect(LONGEST_WINDOW).toEqual({ MINUTE: "LAST_HOUR", HOUR: "LAST_7_DAYS" });
    expect(INGEST_LIMITS.retentionMs).toBe(7 * 24 * 3_600_000);
    expect(HOUR_ROLLUP_RETENTION_MS).toBe(8 * 24 * 3_600_000);
  });
});
