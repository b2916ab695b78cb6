import { builder } from "./builder.ts";

/**
 * Expected failures are data: each mutation returns a union of its success
 * type and these errors. Their `code` is stable; CI scripts match on it.
 */
export class BaseError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.code = code;
  }
}

export class NotFoundError extends BaseError {
  constructor(what: string, id: string) {
    super("NOT_FOUND", `${what} ${id} was not found`);
  }
}

export interface FieldError {
  path: string;
  message: string;
}

export class ValidationError extends BaseError {
  readonly fieldErrors: FieldError[];
  constructor(message: string, fieldErrors: FieldError[] = []) {
    super("VALIDATION", message);
    this.fieldErrors = fieldErrors;
  }
}

/** A request that is well-formed but not allowed in the current state (e.g. cancelling a finished job). */
export class InvalidStateError extends BaseError {
  constructor(message: string) {
    super("INVALID_STATE", message);
  }
}

export class ForbiddenError extends BaseError {
  constructor(message: string) {
    super("FORBIDDEN", message);
  }
}

export const ErrorInterface = builder.interfaceRef<BaseError>("Error").implement({
  description: "An expected failure. `code` is stable and safe to match on.",
  fields: (t) => ({
    message: t.exposeString("message"),
    code: t.exposeString("code"),
  }),
});

const FieldErrorRef = builder.objectRef<FieldError>("FieldError").implement({
  fields: (t) => ({
    path: t.exposeString("path", { description: "The input field, e.g. `input.learningRate`." }),
    message: t.exposeString("message"),
  }),
});

/** An error class as a GraphQL object type implementing `Error`, recognised by `instanceof`. */
function errorType(cls: typeof BaseError | (abstract new (...args: never[]) => BaseError), name: string) {
  builder.objectType(cls as typeof BaseError, { name, interfaces: [ErrorInterface], isTypeOf: (value) => value instanceof cls });
}

builder.objectType(BaseError, {
  name: "BaseError",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof BaseError && value.constructor === BaseError,
});

errorType(NotFoundError, "NotFoundError");

builder.objectType(ValidationError, {
  name: "ValidationError",
  interfaces: [ErrorInterface],
  isTypeOf: (value) => value instanceof ValidationError,
  fields: (t) => ({
    fieldErrors: t.field({ type: [FieldErrorRef], resolve: (e) => e.fieldErrors }),
  }),
});

errorType(InvalidStateError, "InvalidStateError");

errorType(ForbiddenError, "ForbiddenError");

/** Only a COMPLETE training job can be deployed. */
export class JobNotCompleteError extends BaseError {
  constructor(message: string) {
    super("JOB_NOT_COMPLETE", message);
  }
}

/** The job already has a live (DEPLOYING, ACTIVE or PAUSED) deployment; settled by a unique index. */
export class DuplicateDeploymentError extends BaseError {
  constructor() {
    super("DUPLICATE_DEPLOYMENT", "This job already has an active deployment");
  }
}

errorType(JobNotCompleteError, "JobNotCompleteError");

errorType(DuplicateDeploymentError, "DuplicateDeploymentError");

/**
 * No usable credentials: no token, or a malformed, unknown, expired or revoked
 * one. It extends ForbiddenError so every mutation union that lists
 * ForbiddenError carries it as data; clients tell the two apart by `code`.
 */
export class UnauthenticatedError extends ForbiddenError {
  override readonly code = "UNAUTHENTICATED";
}

/**
 * The database is unreachable or every connection is busy: retry shortly (HTTP 503 with Retry-After).
 * Thrown anywhere, it reaches clients as a top-level error with this code (see graphql/security/faults.ts).
 */
export class ServiceUnavailableError extends BaseError {
  constructor(message = "The database is unavailable right now. Retry shortly.") {
    super("SERVICE_UNAVAILABLE", message);
  }
}
