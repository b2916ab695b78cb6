import protobuf from "protobufjs";
import metricsV1 from "./metrics-v1.json";

/**
 * The part of OTLP's metrics protocol (opentelemetry-proto v1: collector/metrics/v1,
 * metrics/v1, common/v1, resource/v1) that ingestion reads, with the upstream field
 * numbers, as a protobufjs JSON descriptor (one line a field: name, type, number).
 * Fields left out (exemplars, metadata, schema URLs) are skipped by the decoder as
 * unknown fields, as protobuf requires.
 */
const root = protobuf.Root.fromJSON({ nested: { trainyard: { nested: { otlp: metricsV1 } } } });
const RequestType = root.lookupType("trainyard.otlp.ExportMetricsServiceRequest");
const ResponseType = root.lookupType("trainyard.otlp.ExportMetricsServiceResponse");

/* The request as plain objects (int64s as decimal strings), whichever encoding it came in. */
export interface OtlpKeyValue {
  key?: string;
  value?: OtlpAnyValue;
}
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
}
export interface OtlpBuckets {
  offset?: number;
  bucketCounts?: string[];
}
/** What every histogram point carries, explicit buckets or exponential. */
interface OtlpPointBase {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  min?: number;
  max?: number;
}
export interface OtlpHistogramPoint extends OtlpPointBase {
  bucketCounts?: string[];
  explicitBounds?: number[];
}
export interface OtlpExponentialPoint extends OtlpPointBase {
  scale?: number;
  zeroCount?: string;
  zeroThreshold?: number;
  positive?: OtlpBuckets;
  negative?: OtlpBuckets;
}
export interface OtlpMetric {
  name?: string;
  unit?: string;
  gauge?: { dataPoints?: unknown[] };
  sum?: { dataPoints?: unknown[] };
  summary?: { dataPoints?: unknown[] };
  histogram?: { dataPoints?: OtlpHistogramPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: OtlpExponentialPoint[]; aggregationTemporality?: number };
}
export interface OtlpRequest {
  resourceMetrics?: Array<{
    resource?: { attributes?: OtlpKeyValue[] };
    scopeMetrics?: Array<{ scope?: { name?: string; version?: string }; metrics?: OtlpMetric[] }>;
  }>;
}

const TO_OBJECT: protobuf.IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: false, arrays: false, oneofs: false };

/** Decodes binary protobuf; throws on malformed input. */
export function decodeProtobufRequest(body: Uint8Array): OtlpRequest {
  const message = RequestType.decode(body);
  return RequestType.toObject(message, TO_OBJECT) as OtlpRequest;
}

/**
 * Decodes OTLP/JSON (lowerCamelCase field names, int64s as strings or numbers, enums
 * as integers) through the same message type, so both encodings are read alike.
 */
export function decodeJsonRequest(text: string): OtlpRequest {
  const json: unknown = JSON.parse(text);
  if (!json || typeof json !== "object" || Array.isArray(json)) throw new Error("the body is not a JSON object");
  return RequestType.toObject(RequestType.fromObject(json as Record<string, unknown>), TO_OBJECT) as OtlpRequest;
}

export interface PartialSuccess {
  rejectedDataPoints: number;
  errorMessage: string;
}

/** ExportMetricsServiceResponse: partial_success only when something was rejected or there is a warning. */
export function encodeResponse(result: PartialSuccess, as: "protobuf" | "json"): Buffer | string {
  const partial = result.rejectedDataPoints > 0 || result.errorMessage ? { rejectedDataPoints: result.rejectedDataPoints, errorMessage: result.errorMessage } : null;
  if (as === "json") {
    return JSON.stringify(partial ? { partialSuccess: { rejectedDataPoints: String(partial.rejectedDataPoints), errorMessage: partial.errorMessage } } : {});
  }
  return Buffer.from(ResponseType.encode(ResponseType.fromObject(partial ? { partialSuccess: partial } : {})).finish());
}

/** For tests and tools: a request object encoded as binary protobuf. */
export function encodeProtobufRequest(request: Record<string, unknown>): Buffer {
  return Buffer.from(RequestType.encode(RequestType.fromObject(request)).finish());
}

export function decodeResponse(body: Uint8Array): { partialSuccess?: { rejectedDataPoints?: string; errorMessage?: string } } {
  return ResponseType.toObject(ResponseType.decode(body), TO_OBJECT) as never;
}
