import { createHash, randomBytes } from "node:crypto";
import { createTokenFromConsole } from "../setup/cli.ts";

/**
 * Rows an end-to-end test makes for itself through the public GraphQL API, so it never depends on which
 * seeded rows another test changed or in what order tests ran. Names carry a random suffix: `uniqueName`.
 */

/** The base model only external trainers run (the simulated trainer leaves its jobs alone): jobs on it stay put. */
const EXTERNAL_BASE_MODEL = "trainyard-tiny-char-lm";
const EXTERNAL_DATASET = "support-tickets-2026q3";

/** A model-name slug no other test and no seeded row uses: `prefix-<8 hex>`. */
export const uniqueName = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

export interface Api {
  /** Runs an operation with the token; fails on any GraphQL error. */
  <T = any>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

/** GraphQL over HTTP as a CI pipeline calls it, with a token minted once in the console (`scopes` as the form names them). */
export function apiClient(serverUrl: () => string, scopes: string[] = ["READ", "TRAIN", "DEPLOY"]): Api {
  let token: Promise<string> | undefined;
  return async (query, variables) => {
    token ??= createTokenFromConsole(serverUrl(), uniqueName("e2e-fixtures"), scopes);
    const response = await fetch(`${serverUrl()}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${await token}` },
      body: JSON.stringify({ query, variables }),
    });
    const body = (await response.json()) as { data?: any; errors?: Array<{ message: string }> };
    if (body.errors?.length) throw new Error(`GraphQL errors: ${body.errors.map((e) => e.message).join("; ")}`);
    return body.data;
  };
}

const CREATE = `mutation ($input: CreateTrainingJobInput!) {
  createTrainingJob(input: $input) { __typename ... on CreateTrainingJobSuccess { job { id } } ... on Error { message } }
}`;
const CLAIM = `mutation ($w: String!, $m: [ID!]) {
  claimTrainingJob(workerName: $w, baseModelIds: $m) { __typename ... on ClaimTrainingJobSuccess { claim { job { id } } } ... on Error { message } }
}`;
const COMPLETE = `mutation ($id: ID!, $w: String!, $outcome: TrainingOutcome!, $artifact: ArtifactInput, $message: String) {
  completeTrainingJob(jobId: $id, workerName: $w, outcome: $outcome, artifact: $artifact, message: $message) {
    __typename ... on Error { message }
  }
}`;

/**
 * A training job of `modelName` that ends COMPLETE (with an artifact, so it can be deployed) or FAILED with
 * `message`, run by an external trainer through the API (queued, claimed, completed). Answers its id.
 * The token needs the train scope.
 */
export async function finishedJob(api: Api, modelName: string, outcome: "COMPLETE" | "FAILED" = "COMPLETE", message = "e2e fixture: the trainer gave up"): Promise<string> {
  const created = (await api(CREATE, { input: { baseModelId: EXTERNAL_BASE_MODEL, datasetId: EXTERNAL_DATASET, modelName, epochs: 1, warmupSteps: 0 } })).createTrainingJob;
  if (created.__typename !== "CreateTrainingJobSuccess") throw new Error(`createTrainingJob(${modelName}): ${created.__typename} ${created.message ?? ""}`);
  const id: string = created.job.id;
  const worker = `e2e-trainer-${modelName}`;
  const claimed = (await api(CLAIM, { w: worker, m: [EXTERNAL_BASE_MODEL] })).claimTrainingJob;
  // Fixtures finish each job they queue before the next, so the oldest queued job on this model is this one.
  if (claimed.claim?.job?.id !== id) throw new Error(`claimTrainingJob took ${JSON.stringify(claimed)}, not the fixture's job ${id}`);
  const weights = randomBytes(64);
  const artifact = {
    uri: `file:///artifacts/${modelName}/${id}.safetensors`,
    format: "SAFETENSORS",
    sizeBytes: weights.length,
    sha256: createHash("sha256").update(weights).digest("hex"),
  };
  const done = (
    await api(COMPLETE, outcome === "COMPLETE" ? { id, w: worker, outcome, artifact } : { id, w: worker, outcome, message })
  ).completeTrainingJob;
  if (done.__typename !== "CompleteTrainingJobSuccess") throw new Error(`completeTrainingJob(${modelName}, ${outcome}): ${done.__typename} ${done.message ?? ""}`);
  return id;
}

/** Deploys a COMPLETE job through the API; answers the new deployment's id and version. */
export async function deployedJob(api: Api, jobId: string): Promise<{ id: string; version: string }> {
  const result = (
    await api(`mutation ($id: ID!) { deployJob(jobId: $id) { __typename ... on DeployJobSuccess { deployment { id version } } ... on Error { message } } }`, { id: jobId })
  ).deployJob;
  if (result.__typename !== "DeployJobSuccess") throw new Error(`deployJob(${jobId}): ${result.__typename} ${result.message ?? ""}`);
  return result.deployment;
}

/**
 * A CANCELLED job of `modelName` (queued, then cancelled through the API), on a base model the simulated trainer
 * runs: its retry is a QUEUED job that never stands in the way of `finishedJob`'s claims. Answers its id.
 */
export async function cancelledJob(api: Api, modelName: string): Promise<string> {
  const created = (await api(CREATE, { input: { baseModelId: "mistral-7b-instruct-v0.3", datasetId: "contract-clauses", modelName, epochs: 1 } })).createTrainingJob;
  if (created.__typename !== "CreateTrainingJobSuccess") throw new Error(`createTrainingJob(${modelName}): ${created.__typename} ${created.message ?? ""}`);
  const id: string = created.job.id;
  const cancelled = (await api(`mutation ($id: ID!) { cancelTrainingJob(id: $id) { __typename ... on Error { message } } }`, { id })).cancelTrainingJob;
  if (cancelled.__typename !== "CancelTrainingJobSuccess") throw new Error(`cancelTrainingJob(${modelName}): ${cancelled.__typename} ${cancelled.message ?? ""}`);
  return id;
}

/** Polls the API until the deployment has `status` (rollouts take a second or two in the e2e servers). */
export async function deploymentStatus(api: Api, id: string, status: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    last = (await api(`query ($id: ID!) { deployment(id: $id) { status } }`, { id })).deployment.status;
    if (last === status) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`deployment ${id} is ${last}, not ${status}, after ${timeoutMs} ms`);
}
