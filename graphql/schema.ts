import { lexicographicSortSchema, printSchema } from "graphql";
import { builder } from "./builder.ts";
import "./errors.ts";
import "./types/common.ts";
import "./types/BaseModel.ts";
import "./types/Dataset.ts";
import "./types/Artifact.ts";
import "./types/TrainingJob.ts";
import "./types/Deployment.ts";
import "./types/Serving.ts";
import "./types/Trainer.ts";
import "./types/Metrics.ts";
import "./types/Dashboard.ts";
import "./types/ApiToken.ts";
import "./types/Audit.ts";
import "./types/Alert.ts";
import "./types/AlertNotification.ts";
import { boundInputs } from "./security/inputs.ts";

export const schema = boundInputs(builder.toSchema({ sortSchema: true }));

export function printSdl(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
