/**
 * Inference metrics (docs/decisions/0005, 0024, 0025, 0034), split by concern:
 * - metrics/windows.ts    the window table everything else derives from
 * - metrics/queries.ts    window queries over the stored rollups
 * - metrics/accumulate.ts folding events or sketches into rollup rows
 * - metrics/ingest.ts     the single-statement write path, validation, idempotency
 * - metrics/fleet.ts      the fleet rollup the dashboard reads
 * - metrics/stats.ts      the sortable per-window figures (DeploymentStats)
 * - metrics/retention.ts  pruning rollups and idempotency receipts
 */
export * from "./metrics/windows.ts";
export * from "./metrics/queries.ts";
export * from "./metrics/accumulate.ts";
export * from "./metrics/ingest.ts";
export * from "./metrics/fleet.ts";
export * from "./metrics/stats.ts";
export * from "./metrics/retention.ts";
