-- Issue 12: fleet-level hour rollups kept at ingest (the dashboard reads 24 × 16 rows whatever the fleet size),
-- indexes for every sortable metric column of DeploymentStats, and a trigram index for "name contains".

-- CreateTable
CREATE TABLE "FleetRollup" (
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "shard" INTEGER NOT NULL,
    "requestCount" BIGINT NOT NULL DEFAULT 0,
    "clientErrorCount" BIGINT NOT NULL DEFAULT 0,
    "serverErrorCount" BIGINT NOT NULL DEFAULT 0,

    CONSTRAINT "FleetRollup_pkey" PRIMARY KEY ("bucketStart","shard")
);

-- Backfill from the hour rollups already stored (same shard function as graphql/services/metrics.ts).
INSERT INTO "FleetRollup" ("bucketStart", "shard", "requestCount", "clientErrorCount", "serverErrorCount")
SELECT "bucketStart", (hashtext("deploymentId"::text) & 15), sum("requestCount"), sum("clientErrorCount"), sum("serverErrorCount")
FROM "InferenceRollup" WHERE "resolution" = 'HOUR'
GROUP BY 1, 2;

-- CreateIndex
CREATE INDEX "DeploymentStats_requestsPerSecond15m_idx" ON "DeploymentStats"("requestsPerSecond15m");
CREATE INDEX "DeploymentStats_p95LatencyMs15m_idx" ON "DeploymentStats"("p95LatencyMs15m");
CREATE INDEX "DeploymentStats_errorRate15m_idx" ON "DeploymentStats"("errorRate15m");
CREATE INDEX "DeploymentStats_requestsPerSecond1h_idx" ON "DeploymentStats"("requestsPerSecond1h");
CREATE INDEX "DeploymentStats_p95LatencyMs1h_idx" ON "DeploymentStats"("p95LatencyMs1h");
CREATE INDEX "DeploymentStats_errorRate1h_idx" ON "DeploymentStats"("errorRate1h");
CREATE INDEX "DeploymentStats_requestsPerSecond24h_idx" ON "DeploymentStats"("requestsPerSecond24h");
CREATE INDEX "DeploymentStats_p95LatencyMs24h_idx" ON "DeploymentStats"("p95LatencyMs24h");
CREATE INDEX "DeploymentStats_errorRate24h_idx" ON "DeploymentStats"("errorRate24h");
CREATE INDEX "DeploymentStats_requestsPerSecond7d_idx" ON "DeploymentStats"("requestsPerSecond7d");
CREATE INDEX "DeploymentStats_p95LatencyMs7d_idx" ON "DeploymentStats"("p95LatencyMs7d");
CREATE INDEX "DeploymentStats_errorRate7d_idx" ON "DeploymentStats"("errorRate7d");

-- Trigram index for the list's "name contains" filter (ILIKE '%…%'). Not modelled in schema.prisma:
-- pg_trgm is not available everywhere (PGlite loads extensions only when asked), so this is skipped where
-- the extension cannot be created; the filter then stays a sequential scan there.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
  CREATE INDEX IF NOT EXISTS "Deployment_modelName_trgm_idx" ON "Deployment" USING GIN ("modelName" gin_trgm_ops);
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm unavailable: no trigram index on Deployment.modelName (%)', SQLERRM;
END $$;
