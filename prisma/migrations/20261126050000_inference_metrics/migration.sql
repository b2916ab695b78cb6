-- CreateTable
CREATE TABLE "DeploymentStats" (
    "deploymentId" UUID NOT NULL,
    "computedAt" TIMESTAMP(3) NOT NULL,
    "requestsPerSecond15m" DOUBLE PRECISION,
    "p95LatencyMs15m" DOUBLE PRECISION,
    "errorRate15m" DOUBLE PRECISION,
    "requestsPerSecond1h" DOUBLE PRECISION,
    "p95LatencyMs1h" DOUBLE PRECISION,
    "errorRate1h" DOUBLE PRECISION,
    "requestsPerSecond24h" DOUBLE PRECISION,
    "p95LatencyMs24h" DOUBLE PRECISION,
    "errorRate24h" DOUBLE PRECISION,
    "requestsPerSecond7d" DOUBLE PRECISION,
    "p95LatencyMs7d" DOUBLE PRECISION,
    "errorRate7d" DOUBLE PRECISION,

    CONSTRAINT "DeploymentStats_pkey" PRIMARY KEY ("deploymentId")
);

-- CreateTable
CREATE TABLE "SimulatorCursor" (
    "deploymentId" UUID NOT NULL,
    "fedUntil" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "SimulatorCursor_pkey" PRIMARY KEY ("deploymentId")
);

-- CreateIndex
CREATE INDEX "DeploymentStats_computedAt_idx" ON "DeploymentStats"("computedAt");

-- AddForeignKey
ALTER TABLE "DeploymentStats" ADD CONSTRAINT "DeploymentStats_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SimulatorCursor" ADD CONSTRAINT "SimulatorCursor_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: merging two latency histograms stored as (offset, dense counts), used by
-- ingestion's upsert so concurrent batches add into the same rollup row under its row lock.
-- Bucket i of a histogram counts latencies in log bucket (offset + i); see graphql/services/sketch.ts.
CREATE FUNCTION "trainyard_histogram_offset"(a_offset INTEGER, a INTEGER[], b_offset INTEGER, b INTEGER[])
RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE
    WHEN COALESCE(cardinality(a), 0) = 0 THEN b_offset
    WHEN COALESCE(cardinality(b), 0) = 0 THEN a_offset
    ELSE LEAST(a_offset, b_offset)
  END
$$;

CREATE FUNCTION "trainyard_histogram_add"(a_offset INTEGER, a INTEGER[], b_offset INTEGER, b INTEGER[])
RETURNS INTEGER[] LANGUAGE sql IMMUTABLE AS $$
  SELECT COALESCE(array_agg(COALESCE(a[i - a_offset + 1], 0) + COALESCE(b[i - b_offset + 1], 0) ORDER BY i), '{}')
  FROM generate_series(
    "trainyard_histogram_offset"(a_offset, a, b_offset, b),
    GREATEST(
      CASE WHEN COALESCE(cardinality(a), 0) = 0 THEN NULL ELSE a_offset + cardinality(a) END,
      CASE WHEN COALESCE(cardinality(b), 0) = 0 THEN NULL ELSE b_offset + cardinality(b) END
    ) - 1
  ) AS i
$$;
