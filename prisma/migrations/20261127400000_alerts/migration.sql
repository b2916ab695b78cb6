-- CreateEnum
CREATE TYPE "AlertMetric" AS ENUM ('P50_LATENCY', 'P95_LATENCY', 'P99_LATENCY', 'ERROR_RATE', 'REQUEST_RATE');

-- CreateEnum
CREATE TYPE "AlertComparison" AS ENUM ('ABOVE', 'BELOW');

-- CreateEnum
CREATE TYPE "AlertRuleState" AS ENUM ('OK', 'PENDING', 'FIRING');

-- CreateEnum
CREATE TYPE "AlertStatus" AS ENUM ('FIRING', 'RESOLVED');

-- CreateEnum
CREATE TYPE "NotificationChannelKind" AS ENUM ('WEBHOOK', 'SLACK');

-- CreateEnum
CREATE TYPE "NotificationEvent" AS ENUM ('FIRING', 'RESOLVED', 'TEST');

-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('PENDING', 'DELIVERED', 'FAILED');

-- CreateTable
CREATE TABLE "AlertRule" (
    "id" UUID NOT NULL,
    "deploymentId" UUID,
    "modelName" TEXT,
    "metric" "AlertMetric" NOT NULL,
    "comparison" "AlertComparison" NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "window" TEXT NOT NULL,
    "forSeconds" INTEGER NOT NULL DEFAULT 0,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "silencedUntil" TIMESTAMP(3),
    "isDefault" BOOLEAN NOT NULL DEFAULT false,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,
    "nextEvalAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastEvaluatedAt" TIMESTAMP(3),

    CONSTRAINT "AlertRule_pkey" PRIMARY KEY ("id"),
    -- Hand-written: a rule watches one deployment or one model name, never both or neither.
    CONSTRAINT "AlertRule_one_target" CHECK (("deploymentId" IS NULL) <> ("modelName" IS NULL)),
    CONSTRAINT "AlertRule_threshold_nonnegative" CHECK ("threshold" >= 0),
    CONSTRAINT "AlertRule_for_nonnegative" CHECK ("forSeconds" >= 0)
);

-- CreateTable
CREATE TABLE "AlertTarget" (
    "ruleId" UUID NOT NULL,
    "deploymentId" UUID NOT NULL,
    "state" "AlertRuleState" NOT NULL DEFAULT 'OK',
    "pendingSince" TIMESTAMP(3),
    "lastValue" DOUBLE PRECISION,
    "evaluatedAt" TIMESTAMP(3) NOT NULL,
    "alertId" UUID,

    CONSTRAINT "AlertTarget_pkey" PRIMARY KEY ("ruleId","deploymentId")
);

-- CreateTable
CREATE TABLE "Alert" (
    "id" UUID NOT NULL,
    "ruleId" UUID NOT NULL,
    "deploymentId" UUID NOT NULL,
    "metric" "AlertMetric" NOT NULL,
    "comparison" "AlertComparison" NOT NULL,
    "threshold" DOUBLE PRECISION NOT NULL,
    "window" TEXT NOT NULL,
    "status" "AlertStatus" NOT NULL DEFAULT 'FIRING',
    "value" DOUBLE PRECISION NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL,
    "firedAt" TIMESTAMP(3) NOT NULL,
    "resolvedAt" TIMESTAMP(3),
    "resolvedValue" DOUBLE PRECISION,
    "notified" BOOLEAN NOT NULL DEFAULT true,

    CONSTRAINT "Alert_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "NotificationChannel" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "NotificationChannelKind" NOT NULL,
    "url" TEXT NOT NULL,
    "secret" TEXT NOT NULL,
    "createdBy" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NotificationChannel_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertRuleChannel" (
    "ruleId" UUID NOT NULL,
    "channelId" UUID NOT NULL,

    CONSTRAINT "AlertRuleChannel_pkey" PRIMARY KEY ("ruleId","channelId")
);

-- CreateTable
CREATE TABLE "NotificationDelivery" (
    "id" UUID NOT NULL,
    "channelId" UUID NOT NULL,
    "alertId" UUID,
    "event" "NotificationEvent" NOT NULL,
    "payload" JSONB NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastAttemptAt" TIMESTAMP(3),
    "lastStatusCode" INTEGER,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "NotificationDelivery_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "AlertRule_deploymentId_idx" ON "AlertRule"("deploymentId");

-- CreateIndex
CREATE INDEX "AlertRule_modelName_idx" ON "AlertRule"("modelName");

-- CreateIndex
CREATE INDEX "AlertRule_enabled_nextEvalAt_idx" ON "AlertRule"("enabled", "nextEvalAt");

-- CreateIndex
CREATE INDEX "AlertTarget_deploymentId_idx" ON "AlertTarget"("deploymentId");

-- CreateIndex
CREATE INDEX "Alert_status_firedAt_idx" ON "Alert"("status", "firedAt");

-- CreateIndex
CREATE INDEX "Alert_deploymentId_firedAt_idx" ON "Alert"("deploymentId", "firedAt");

-- CreateIndex
CREATE INDEX "Alert_ruleId_idx" ON "Alert"("ruleId");

-- Hand-written: at most one open (FIRING) alert per rule and deployment, whoever evaluates.
CREATE UNIQUE INDEX "Alert_one_open_per_target" ON "Alert"("ruleId", "deploymentId") WHERE "status" = 'FIRING';

-- CreateIndex
CREATE UNIQUE INDEX "NotificationChannel_name_key" ON "NotificationChannel"("name");

-- CreateIndex
CREATE INDEX "AlertRuleChannel_channelId_idx" ON "AlertRuleChannel"("channelId");

-- CreateIndex
CREATE INDEX "NotificationDelivery_status_nextAttemptAt_idx" ON "NotificationDelivery"("status", "nextAttemptAt");

-- CreateIndex
CREATE INDEX "NotificationDelivery_channelId_createdAt_idx" ON "NotificationDelivery"("channelId", "createdAt");

-- CreateIndex
CREATE UNIQUE INDEX "NotificationDelivery_alertId_channelId_event_key" ON "NotificationDelivery"("alertId", "channelId", "event");

-- AddForeignKey
ALTER TABLE "AlertRule" ADD CONSTRAINT "AlertRule_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertTarget" ADD CONSTRAINT "AlertTarget_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "AlertRule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertTarget" ADD CONSTRAINT "AlertTarget_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "AlertRule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Alert" ADD CONSTRAINT "Alert_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertRuleChannel" ADD CONSTRAINT "AlertRuleChannel_ruleId_fkey" FOREIGN KEY ("ruleId") REFERENCES "AlertRule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertRuleChannel" ADD CONSTRAINT "AlertRuleChannel_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "NotificationChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "NotificationChannel"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "NotificationDelivery" ADD CONSTRAINT "NotificationDelivery_alertId_fkey" FOREIGN KEY ("alertId") REFERENCES "Alert"("id") ON DELETE CASCADE ON UPDATE CASCADE;
