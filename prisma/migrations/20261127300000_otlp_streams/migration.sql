-- CreateTable
CREATE TABLE "OtlpStream" (
    "deploymentId" UUID NOT NULL,
    "streamKey" TEXT NOT NULL,
    "startTimeUnixNano" BIGINT NOT NULL,
    "lastTimeUnixNano" BIGINT NOT NULL,
    "state" JSONB NOT NULL,
    "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OtlpStream_pkey" PRIMARY KEY ("deploymentId","streamKey")
);

-- CreateIndex
CREATE INDEX "OtlpStream_updatedAt_idx" ON "OtlpStream"("updatedAt");

-- AddForeignKey
ALTER TABLE "OtlpStream" ADD CONSTRAINT "OtlpStream_deploymentId_fkey" FOREIGN KEY ("deploymentId") REFERENCES "Deployment"("id") ON DELETE CASCADE ON UPDATE CASCADE;
