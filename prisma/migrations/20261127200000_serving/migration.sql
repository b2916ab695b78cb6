-- AlterTable
ALTER TABLE "Deployment" ADD COLUMN     "upstreamUrl" TEXT,
ADD COLUMN     "healthPath" TEXT NOT NULL DEFAULT '/health',
ADD COLUMN     "isPublic" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "rolloutDeadline" TIMESTAMP(3),
ADD COLUMN     "probeSuccesses" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "lastProbeAt" TIMESTAMP(3),
ADD COLUMN     "lastProbeError" TEXT,
ADD COLUMN     "healthy" BOOLEAN;

-- CreateTable
CREATE TABLE "ModelRoute" (
    "modelName" TEXT NOT NULL,
    "productionDeploymentId" UUID,
    "splits" JSONB,
    "updatedBy" TEXT NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ModelRoute_pkey" PRIMARY KEY ("modelName")
);

-- Hand-written: an upstream is an http(s) URL; a health path starts with a slash.
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_upstreamUrl_check" CHECK ("upstreamUrl" IS NULL OR "upstreamUrl" ~ '^https?://');
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_healthPath_check" CHECK ("healthPath" ~ '^/');
CREATE INDEX "Deployment_upstream_probe_idx" ON "Deployment"("status", "lastProbeAt") WHERE "upstreamUrl" IS NOT NULL;
