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
