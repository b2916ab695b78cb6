import { builder } from "../builder.ts";

export const ArtifactFormat = builder.enumType("ArtifactFormat", {
  description: "How the artifact's weights are stored.",
  values: ["SAFETENSORS", "GGUF", "ONNX", "PYTORCH", "OTHER"] as const,
});

export interface EvalMetric {
  name: string;
  value: number;
}

export const EvalMetricRef = builder.objectRef<EvalMetric>("EvalMetric").implement({
  description: "One evaluation figure recorded with an artifact, e.g. `eval_loss` or `accuracy`.",
  fields: (t) => ({
    name: t.exposeString("name"),
    value: t.exposeFloat("value"),
  }),
});

/** `{ "accuracy": 0.91 }` as stored → `[{ name: "accuracy", value: 0.91 }]`, sorted by name. */
export function evalMetricList(stored: unknown): EvalMetric[] {
  if (!stored || typeof stored !== "object" || Array.isArray(stored)) return [];
  return Object.entries(stored as Record<string, unknown>)
    .filter((entry): entry is [string, number] => typeof entry[1] === "number" && Number.isFinite(entry[1]))
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export const ArtifactRef = builder.prismaObject("Artifact", {
  description: "What a completed training job produced: the weights a deployment serves.",
  fields: (t) => ({
    id: t.exposeID("id"),
    uri: t.exposeString("uri", { description: "Where the weights are, as the trainer gave it (file://, s3://, gs://, hf://, …)." }),
    format: t.expose("format", { type: ArtifactFormat }),
    sizeBytes: t.float({ description: "Size in bytes.", select: { sizeBytes: true }, resolve: (a) => Number(a.sizeBytes) }),
    sha256: t.exposeString("sha256", { description: "Lowercase hex sha256 of the bytes." }),
    evalMetrics: t.field({ type: [EvalMetricRef], select: { evalMetrics: true }, resolve: (a) => evalMetricList(a.evalMetrics) }),
    createdAt: t.expose("createdAt", { type: "DateTime" }),
    job: t.relation("job"),
  }),
});
