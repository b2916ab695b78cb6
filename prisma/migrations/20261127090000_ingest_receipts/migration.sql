-- CreateTable
CREATE TABLE "IngestReceipt" (
    "deploymentId" UUID NOT NULL,
    "key" TEXT NOT NULL,
    "eventCount" INTEGER NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "IngestReceipt_pkey" PRIMARY KEY ("deploymentId","key")
);

-- CreateIndex
CREATE INDEX "IngestReceipt_createdAt_idx" ON "IngestReceipt"("createdAt");

-- AddForeignKey
ALTER TABLE "IngestReceipt" ADD CONSTRAINT "IngestReceipt_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;

