import type { Database } from "../db.ts";
import { authorize } from "../audit.ts";
import { actorForAuthorization } from "../context.ts";
import { BaseError, ValidationError, type FieldError } from "../errors.ts";
import { ingestEvents, scheduleStatsRefresh } from "../services/metrics.ts";
import { parseEventsPayload } from "../validation/inference.ts";

/** A body above this is refused before it is read (413): a full batch of 50,000 events is about 4 MB of JSON. */
export const MAX_EVENTS_BODY_BYTES = 8 * 1024 * 1024;

export interface EventsHttpResponse {
  status: number;
  body: string;
}

const STATUS_FOR_CODE: Record<string, number> = { VALIDATION: 400, NOT_FOUND: 404, UNAUTHENTICATED: 401, FORBIDDEN: 403 };

export function errorResponse(status: number, code: string, message: string, fieldErrors: FieldError[] = []): EventsHttpResponse {
  return { status, body: JSON.stringify({ error: { code, message, fieldErrors } }) };
}

/**
 * POST /api/v1/deployments/{id}/events: the events of `recordInferenceEvents`
 * without GraphQL (docs/decisions/0034-ingestion-near-the-database.md). Same
 * token scope ("ingest"), same validation rules and messages, same idempotency
 * key semantics (`idempotencyKey` in the body, or an `Idempotency-Key` header),
 * the same single-statement write. Answers 200 `{ deploymentId, acceptedCount,
 * duplicate }`, or `{ error: { code, message, fieldErrors } }` with 400
 * (VALIDATION), 401, 403, 404 (NOT_FOUND), 415; nothing is written on an error.
 * Like OTLP, a batch writes no audit row (ingestion is not an administrative act).
 */
export async function handleEventsPost(
  db: Database,
  request: { deploymentId: string; headers: Headers; body: Buffer },
  options: { now?: Date } = {},
): Promise<EventsHttpResponse> {
  const actor = await actorForAuthorization(db.prisma, request.headers.get("authorization"));
  try {
    authorize(actor, "ingest");
  } catch (err) {
    const e = err as BaseError;
    return errorResponse(STATUS_FOR_CODE[e.code] ?? 403, e.code, e.message);
  }
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/json") return errorResponse(415, "VALIDATION", `Content-Type must be application/json, not "${type.slice(0, 80)}"`);

  let json: unknown;
  try {
    json = JSON.parse(request.body.toString("utf8"));
  } catch (err) {
    return errorResponse(400, "VALIDATION", `The body is not JSON: ${(err as Error).message.slice(0, 200)}. Nothing was recorded.`, [{ path: "body", message: "not JSON" }]);
  }
  const payload = parseEventsPayload(json);
  if ("message" in payload) {
    const path = payload.index < 0 ? payload.field : payload.field === "event" ? `events.${payload.index}` : `events.${payload.index}.${payload.field}`;
    return errorResponse(400, "VALIDATION", `${payload.index < 0 ? "The body is invalid" : `Event ${payload.index} is invalid`}: ${payload.message}. Nothing was recorded.`, [
      { path, message: payload.message },
    ]);
  }
  const idempotencyKey = payload.idempotencyKey ?? request.headers.get("idempotency-key");
  try {
    const result = await ingestEvents(db.prisma, { deploymentId: request.deploymentId, events: payload.events, idempotencyKey, now: options.now });
    // Committed; the figures the list sorts by follow within a second, batched with other deployments (ADR 0025).
    if (!result.duplicate) scheduleStatsRefresh(db.prisma, [request.deploymentId]);
    return { status: 200, body: JSON.stringify(result) };
  } catch (err) {
    if (!(err instanceof BaseError)) throw err;
    return errorResponse(STATUS_FOR_CODE[err.code] ?? 400, err.code, err.message, err instanceof ValidationError ? err.fieldErrors : []);
  }
}

