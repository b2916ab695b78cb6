import { gunzipSync } from "node:zlib";
import type { Database } from "../db.ts";
import { authorize } from "../audit.ts";
import { createContext } from "../context.ts";
import { BaseError } from "../errors.ts";
import { ingestOtlpMetrics } from "./ingest.ts";
import { decodeJsonRequest, decodeProtobufRequest, encodeResponse, type OtlpRequest } from "./proto.ts";

/** A compressed body above this is refused before it is read (413). */
export const MAX_OTLP_BODY_BYTES = 4 * 1024 * 1024;
/** …and one that inflates past this (a gzip bomb) too. */
export const MAX_OTLP_INFLATED_BYTES = 16 * 1024 * 1024;

export interface OtlpHttpResponse {
  status: number;
  contentType: string;
  body: Buffer | string;
}

/**
 * POST /v1/metrics (OTLP/HTTP): protobuf or JSON, gzip or not, authenticated
 * with an API token carrying the `ingest` scope. Answers 200 with an
 * ExportMetricsServiceResponse (partial success listing what was rejected and
 * why), 400 for a body that cannot be decoded, 401/403 for credentials, 413
 * for a body too large, 415 for another content type; never 500 for input.
 */
export async function handleOtlpMetrics(
  db: Database,
  request: { headers: Headers; body: Buffer },
  options: { now?: Date } = {},
): Promise<OtlpHttpResponse> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const as = type === "application/x-protobuf" || type === "application/protobuf" ? "protobuf" : type === "application/json" ? "json" : null;
  const status = (code: number, message: string): OtlpHttpResponse =>
    as === "protobuf"
      ? { status: code, contentType: "application/x-protobuf", body: encodeStatus(grpcCode(code), message) }
      : { status: code, contentType: "application/json", body: JSON.stringify({ code: grpcCode(code), message }) };

  const ctx = await createContext({ db, request: new Request("http://localhost/v1/metrics", { method: "POST", headers: request.headers }), via: "http" });
  try {
    authorize(ctx.actor, "ingest");
  } catch (err) {
    const e = err as BaseError;
    return status(e.code === "UNAUTHENTICATED" ? 401 : 403, e.message);
  }
  if (!as) return status(415, `Content-Type must be application/x-protobuf or application/json, not "${type.slice(0, 80)}"`);
  if (request.body.length > MAX_OTLP_BODY_BYTES) return status(413, `An export is at most ${MAX_OTLP_BODY_BYTES} bytes: send smaller batches`);

  let body = request.body;
  const encoding = (request.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "gzip") {
    try {
      body = gunzipSync(body, { maxOutputLength: MAX_OTLP_INFLATED_BYTES });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") return status(413, `An export inflates to at most ${MAX_OTLP_INFLATED_BYTES} bytes`);
      return status(400, "The body is not valid gzip");
    }
  } else if (encoding !== "identity" && encoding !== "") {
    return status(415, `Content-Encoding "${encoding.slice(0, 40)}" is not supported: use gzip or none`);
  }

  let decoded: OtlpRequest;
  try {
    decoded = as === "protobuf" ? decodeProtobufRequest(body) : decodeJsonRequest(body.toString("utf8"));
  } catch (err) {
    return status(400, `The body is not an OTLP ExportMetricsServiceRequest in ${as === "protobuf" ? "protobuf" : "JSON"}: ${(err as Error).message.slice(0, 200)}`);
  }
  const result = await ingestOtlpMetrics(db.prisma, decoded, options.now);
  return {
    status: 200,
    contentType: as === "protobuf" ? "application/x-protobuf" : "application/json",
    body: encodeResponse({ rejectedDataPoints: result.rejectedDataPoints, errorMessage: result.errorMessage }, as),
  };
}

/** google.rpc.Status { int32 code = 1; string message = 2; } encoded by hand (two fields). */
function encodeStatus(code: number, message: string): Buffer {
  const text = Buffer.from(message.slice(0, 1000));
  return Buffer.concat([Buffer.from([0x08, code, 0x12]), varint(text.length), text]);
}

function varint(n: number): Buffer {
  const bytes: number[] = [];
  while (n > 127) {
    bytes.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  bytes.push(n);
  return Buffer.from(bytes);
}

const grpcCode = (http: number) => (http === 401 ? 16 : http === 403 ? 7 : 3);
