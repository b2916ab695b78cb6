import { graphql } from "~/lib/graphql";

/**
 * Selections many documents share. Unmasked: a document that spreads one gets its fields in its own
 * result type, so loaders and actions read them directly.
 */

/** What a mutation's refusal says: its message and, for a ValidationError, the field errors a form shows per field. */
export const MutationFailure = /* @__PURE__ */ graphql(`
  fragment MutationFailure on Error @_unmask {
    code
    message
    ... on ValidationError {
      fieldErrors {
        path
        message
      }
    }
  }
`);

/** An alert as its lists show it: the condition, the value that fired it and when. */
export const AlertSummary = /* @__PURE__ */ graphql(`
  fragment AlertSummary on Alert @_unmask {
    id
    state
    metric
    comparison
    threshold
    window
    value
    resolvedValue
    startedAt
    firedAt
    resolvedAt
  }
`);

/** A deployment's figures over one window, as the deployment and comparison pages show them. */
export const WindowFigures = /* @__PURE__ */ graphql(`
  fragment WindowFigures on DeploymentMetrics @_unmask {
    requestCount
    requestsPerSecond
    p50LatencyMs
    p95LatencyMs
    p99LatencyMs
    errorRate
    clientErrorRate
    windowStart
    windowEnd
  }
`);

/** A base model's catalogue entry. */
export const BaseModelSummary = /* @__PURE__ */ graphql(`
  fragment BaseModelSummary on BaseModel @_unmask {
    id
    name
    family
    organization
    parametersBillions
    contextLength
    license
    task
  }
`);

/** A training job's heading: its state, what can be done next, and the deployment it feeds. */
export const TrainingJobHeading = /* @__PURE__ */ graphql(`
  fragment TrainingJobHeading on TrainingJob @_unmask {
    id
    modelName
    status
    availableActions
    liveDeployment {
      id
      version
    }
    progress
  }
`);

/** The hyper-parameters a run was configured with. */
export const TrainingHyperParameters = /* @__PURE__ */ graphql(`
  fragment TrainingHyperParameters on TrainingJob @_unmask {
    epochs
    learningRate
    batchSize
    loraRank
    warmupSteps
    seed
  }
`);
