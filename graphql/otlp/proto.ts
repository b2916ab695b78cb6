import protobuf from "protobufjs";

/**
 * The part of OTLP's metrics protocol (opentelemetry-proto v1: collector/metrics/v1,
 * metrics/v1, common/v1, resource/v1) that ingestion reads, with the upstream field
 * numbers. Fields left out (exemplars, metadata, schema URLs) are skipped by the
 * decoder as unknown fields, as protobuf requires.
 */
const SCHEMA = `
syntax = "proto3";
package trainyard.otlp;

message AnyValue {
  oneof value {
    string string_value = 1;
    bool bool_value = 2;
    int64 int_value = 3;
    double double_value = 4;
    ArrayValue array_value = 5;
    KeyValueList kvlist_value = 6;
    bytes bytes_value = 7;
  }
}
message ArrayValue { repeated AnyValue values = 1; }
message KeyValueList { repeated KeyValue values = 1; }
message KeyValue { string key = 1; AnyValue value = 2; }
message Resource { repeated KeyValue attributes = 1; uint32 dropped_attributes_count = 2; }
message InstrumentationScope { string name = 1; string version = 2; repeated KeyValue attributes = 3; }

message ExportMetricsServiceRequest { repeated ResourceMetrics resource_metrics = 1; }
message ExportMetricsServiceResponse { ExportMetricsPartialSuccess partial_success = 1; }
message ExportMetricsPartialSuccess { int64 rejected_data_points = 1; string error_message = 2; }

message ResourceMetrics { Resource resource = 1; repeated ScopeMetrics scope_metrics = 2; }
message ScopeMetrics { InstrumentationScope scope = 1; repeated Metric metrics = 2; }
message Metric {
  string name = 1;
  string description = 2;
  string unit = 3;
  oneof data {
    Gauge gauge = 5;
    Sum sum = 7;
    Histogram histogram = 9;
    ExponentialHistogram exponential_histogram = 10;
    Summary summary = 11;
  }
}
message Gauge { repeated NumberDataPoint data_points = 1; }
message Sum { repeated NumberDataPoint data_points = 1; int32 aggregation_temporality = 2; bool is_monotonic = 3; }
message Histogram { repeated HistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message ExponentialHistogram { repeated ExponentialHistogramDataPoint data_points = 1; int32 aggregation_temporality = 2; }
message Summary { repeated SummaryDataPoint data_points = 1; }

message NumberDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  oneof value { double as_double = 4; sfixed64 as_int = 6; }
}
message HistogramDataPoint {
  repeated KeyValue attributes = 9;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  repeated fixed64 bucket_counts = 6;
  repeated double explicit_bounds = 7;
  uint32 flags = 10;
  optional double min = 11;
  optional double max = 12;
}
message Buckets { sint32 offset = 1; repeated uint64 bucket_counts = 2; }
message ExponentialHistogramDataPoint {
  repeated KeyValue attributes = 1;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  optional double sum = 5;
  sint32 scale = 6;
  fixed64 zero_count = 7;
  Buckets positive = 8;
  Buckets negative = 9;
  uint32 flags = 10;
  optional double min = 12;
  optional double max = 13;
  double zero_threshold = 14;
}
message SummaryDataPoint {
  repeated KeyValue attributes = 7;
  fixed64 start_time_unix_nano = 2;
  fixed64 time_unix_nano = 3;
  fixed64 count = 4;
  double sum = 5;
}
`;

const root = protobuf.parse(SCHEMA, { keepCase: false }).root;
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
export interface OtlpHistogramPoint {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  min?: number;
  max?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
}
export interface OtlpExponentialPoint {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  min?: number;
  max?: number;
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
