-- CreateEnum
CREATE TYPE "ArtifactFormat" AS ENUM ('SAFETENSORS', 'GGUF', 'ONNX', 'PYTORCH', 'OTHER');

-- AlterTable
ALTER TABLE "Deployment" ADD COLUMN     "artifactId" UUID;

-- CreateTable
CREATE TABLE "Artifact" (
    "id" UUID NOT NULL,
    "jobId" UUID NOT NULL,
    "uri" TEXT NOT NULL,
    "format" "ArtifactFormat" NOT NULL,
    "sizeBytes" BIGINT NOT NULL,
    "sha256" TEXT NOT NULL,
    "evalMetrics" JSONB,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Artifact_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "Artifact_jobId_key" ON "Artifact"("jobId");

-- AddForeignKey
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "TrainingJob"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Deployment" ADD CONSTRAINT "Deployment_artifactId_fkey" FOREIGN KEY ("artifactId") REFERENCES "Artifact"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Hand-written: what an artifact record must be, whoever writes it.
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_sha256_check" CHECK ("sha256" ~ '^[0-9a-f]{64}$');
ALTER TABLE "Artifact" ADD CONSTRAINT "Artifact_sizeBytes_check" CHECK ("sizeBytes" >= 0);
