-- CreateEnum
CREATE TYPE "ModelTask" AS ENUM ('TEXT_GENERATION', 'CODE_GENERATION', 'EMBEDDING', 'SPEECH_RECOGNITION', 'IMAGE_TEXT');

-- CreateEnum
CREATE TYPE "TrainingJobStatus" AS ENUM ('QUEUED', 'RUNNING', 'COMPLETE', 'FAILED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "EventLevel" AS ENUM ('DEBUG', 'INFO', 'WARN', 'ERROR');

-- CreateEnum
CREATE TYPE "DeploymentStatus" AS ENUM ('DEPLOYING', 'ACTIVE', 'PAUSED', 'FAILED', 'RETIRED');

-- CreateEnum
CREATE TYPE "RollupResolution" AS ENUM ('MINUTE', 'HOUR');

-- CreateEnum
CREATE TYPE "ActorKind" AS ENUM ('CONSOLE', 'TOKEN', 'SYSTEM');

-- CreateEnum
CREATE TYPE "AuditOutcome" AS ENUM ('SUCCESS', 'REFUSED', 'ERROR');

-- CreateTable
CREATE TABLE "BaseModel" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "family" TEXT NOT NULL,
    "organization" TEXT NOT NULL,
    "parametersBillions" DOUBLE PRECISION NOT NULL,
    "contextLength" INTEGER NOT NULL,
    "license" TEXT NOT NULL,
    "task" "ModelTask" NOT NULL,
    "huggingFaceId" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "releasedOn" DATE NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "BaseModel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Dataset" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL,
    "task" "ModelTask" NOT NULL,
    "format" TEXT NOT NULL,
    "rowCount" INTEGER NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Dataset_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingJob" (
    "id" UUID NOT NULL,
    "modelName" TEXT NOT NULL,
    "status" "TrainingJobStatus" NOT NULL DEFAULT 'QUEUED',
    "baseModelId" TEXT NOT NULL,
    "datasetId" TEXT NOT NULL,
    "epochs" INTEGER NOT NULL,
    "learningRate" DOUBLE PRECISION NOT NULL,
    "batchSize" INTEGER NOT NULL,
    "loraRank" INTEGER NOT NULL,
    "warmupSteps" INTEGER NOT NULL,
    "seed" INTEGER NOT NULL,
    "totalSteps" INTEGER NOT NULL,
    "currentStep" INTEGER NOT NULL DEFAULT 0,
    "currentEpoch" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "trainLoss" DOUBLE PRECISION,
    "evalLoss" DOUBLE PRECISION,
    "errorMessage" TEXT,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "finishedAt" TIMESTAMP(3),
    "claimedBy" TEXT,
    "heartbeatAt" TIMESTAMP(3),
    "retryOfId" UUID,

    CONSTRAINT "TrainingJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TrainingMetricPoint" (
    "jobId" UUID NOT NULL,
    "step" INTEGER NOT NULL,
    "epoch" DOUBLE PRECISION NOT NULL,
    "trainLoss" DOUBLE PRECISION NOT NULL,
    "evalLoss" DOUBLE PRECISION,
    "learningRate" DOUBLE PRECISION NOT NULL,
    "recordedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingMetricPoint_pkey" PRIMARY KEY ("jobId","step")
);

-- CreateTable
CREATE TABLE "TrainingEvent" (
    "id" BIGSERIAL NOT NULL,
    "jobId" UUID NOT NULL,
    "level" "EventLevel" NOT NULL,
    "message" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "TrainingEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Deployment" (
    "id" UUID NOT NULL,
    "jobId" UUID NOT NULL,
    "modelName" TEXT NOT NULL,
    "version" TEXT NOT NULL,
    "versionMajor" INTEGER NOT NULL DEFAULT 1,
    "versionMinor" INTEGER NOT NULL,
    "versionPatch" INTEGER NOT NULL DEFAULT 0,
    "status" "DeploymentStatus" NOT NULL DEFAULT 'DEPLOYING',
    "endpointUrl" TEXT NOT NULL,
    "deployedBy" TEXT NOT NULL,
    "failureReason" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "rolloutReadyAt" TIMESTAMP(3),
    "activatedAt" TIMESTAMP(3),
    "retiredAt" TIMESTAMP(3),

    CONSTRAINT "Deployment_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DeploymentEvent" (
    "id" BIGSERIAL NOT NULL,
    "deploymentId" UUID NOT NULL,
    "action" TEXT NOT NULL,
    "fromStatus" "DeploymentStatus",
    "toStatus" "DeploymentStatus" NOT NULL,
    "actor" TEXT NOT NULL,
    "detail" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "DeploymentEvent_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "InferenceRollup" (
    "deploymentId" UUID NOT NULL,
    "resolution" "RollupResolution" NOT NULL,
    "bucketStart" TIMESTAMP(3) NOT NULL,
    "requestCount" INTEGER NOT NULL DEFAULT 0,
    "clientErrorCount" INTEGER NOT NULL DEFAULT 0,
    "serverErrorCount" INTEGER NOT NULL DEFAULT 0,
    "latencySumMs" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "histogramOffset" INTEGER NOT NULL DEFAULT 0,
    "histogram" INTEGER[],

    CONSTRAINT "InferenceRollup_pkey" PRIMARY KEY ("deploymentId","resolution","bucketStart")
);

-- CreateTable
CREATE TABLE "ApiToken" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "secretHash" TEXT NOT NULL,
    "scopes" TEXT[],
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMP(3),
    "lastUsedAt" TIMESTAMP(3),
    "revokedAt" TIMESTAMP(3),

    CONSTRAINT "ApiToken_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AuditEvent" (
    "id" BIGSERIAL NOT NULL,
    "actor" TEXT NOT NULL,
    "actorKind" "ActorKind" NOT NULL,
    "action" TEXT NOT NULL,
    "targetType" TEXT,
    "targetId" TEXT,
    "outcome" "AuditOutcome" NOT NULL,
    "errorCode" TEXT,
    "detail" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AuditEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "BaseModel_huggingFaceId_key" ON "BaseModel"("huggingFaceId");

-- CreateIndex
CREATE INDEX "BaseModel_family_idx" ON "BaseModel"("family");

-- CreateIndex
CREATE INDEX "BaseModel_task_idx" ON "BaseModel"("task");

-- CreateIndex
CREATE INDEX "BaseModel_license_idx" ON "BaseModel"("license");

-- CreateIndex
CREATE INDEX "BaseModel_parametersBillions_idx" ON "BaseModel"("parametersBillions");

-- CreateIndex
CREATE INDEX "BaseModel_contextLength_idx" ON "BaseModel"("contextLength");

-- CreateIndex
CREATE INDEX "BaseModel_name_idx" ON "BaseModel"("name");

-- CreateIndex
CREATE UNIQUE INDEX "Dataset_name_key" ON "Dataset"("name");

-- CreateIndex
CREATE INDEX "TrainingJob_status_createdAt_idx" ON "TrainingJob"("status", "createdAt");

-- CreateIndex
CREATE INDEX "TrainingJob_createdAt_idx" ON "TrainingJob"("createdAt");

-- CreateIndex
CREATE INDEX "TrainingJob_baseModelId_createdAt_idx" ON "TrainingJob"("baseModelId", "createdAt");

-- CreateIndex
CREATE INDEX "TrainingJob_modelName_idx" ON "TrainingJob"("modelName");

-- CreateIndex
CREATE INDEX "TrainingEvent_jobId_id_idx" ON "TrainingEvent"("jobId", "id");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_endpointUrl_key" ON "Deployment"("endpointUrl");

-- CreateIndex
CREATE INDEX "Deployment_status_createdAt_idx" ON "Deployment"("status", "createdAt");

-- CreateIndex
CREATE INDEX "Deployment_createdAt_idx" ON "Deployment"("createdAt");

-- CreateIndex
CREATE INDEX "Deployment_modelName_idx" ON "Deployment"("modelName");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_modelName_version_key" ON "Deployment"("modelName", "version");

-- CreateIndex
CREATE UNIQUE INDEX "Deployment_modelName_versionMajor_versionMinor_versionPatch_key" ON "Deployment"("modelName", "versionMajor", "versionMinor", "versionPatch");

-- CreateIndex
CREATE INDEX "DeploymentEvent_deploymentId_id_idx" ON "DeploymentEvent"("deploymentId", "id");

-- CreateIndex
CREATE INDEX "InferenceRollup_resolution_bucketStart_idx" ON "InferenceRollup"("resolution", "bucketStart");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_prefix_key" ON "ApiToken"("prefix");

-- CreateIndex
CREATE UNIQUE INDEX "ApiToken_secretHash_key" ON "ApiToken"("secretHash");

-- CreateIndex
CREATE INDEX "ApiToken_createdAt_idx" ON "ApiToken"("createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_createdAt_idx" ON "AuditEvent"("createdAt");

-- CreateIndex
CREATE INDEX "AuditEvent_targetType_targetId_idx" ON "AuditEvent"("targetType", "targetId");

-- CreateIndex
CREATE INDEX "AuditEvent_action_createdAt_idx" ON "AuditEvent"("action", "createdAt");

-- AddForeignKey
ALTER TABLE "TrainingJob" ADD CONSTRAINT "TrainingJob_baseModelId_fkey" FOREIGN KEY ("baseModelId") REFERENCES "BaseModel"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingJob" ADD CONSTRAINT "TrainingJob_datasetId_fkey" FOREIGN KEY ("datasetId") REFERENCES "Dataset"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingJob" ADD CONSTRAINT "TrainingJob_retryOfId_fkey" FOREIGN KEY ("retryOfId") REFERENCES "TrainingJob"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingMetricPoint" ADD CONSTRAINT "TrainingMetricPoint_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "TrainingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TrainingEvent" ADD CONSTRAINT "TrainingEvent_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "TrainingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "TrainingJob"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DeploymentEvent" ADD CONSTRAINT "DeploymentEvent_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "InferenceRollup" ADD CONSTRAINT "InferenceRollup_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Hand-written: at most one live (DEPLOYING, ACTIVE or PAUSED) deployment per
-- training job. Two deploys of one job that arrive at the same moment are
-- settled here, not in application code.
CREATE UNIQUE INDEX "Deployment_one_live_per_job" ON "Deployment"("jobId") WHERE "status" IN ('DEPLOYING', 'ACTIVE', 'PAUSED');

-- Hand-written: domain invariants the application must never break.
ALTER TABLE "TrainingJob" ADD CONSTRAINT "TrainingJob_progress_check" CHECK ("currentStep" >= 0 AND "currentStep" <= "totalSteps" AND "totalSteps" > 0);
ALTER TABLE "InferenceRollup" ADD CONSTRAINT "InferenceRollup_counts_check" CHECK ("requestCount" >= 0 AND "clientErrorCount" >= 0 AND "serverErrorCount" >= 0 AND "clientErrorCount" + "serverErrorCount" <= "requestCount");
