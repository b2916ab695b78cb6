import { z } from "zod";

/** Schemes a trainer may hand over; `file://` must name an absolute path. */
export const ARTIFACT_SCHEMES = ["file:", "s3:", "gs:", "hf:", "https:", "http:", "az:"] as const;
export const ARTIFACT_FORMATS = ["SAFETENSORS", "GGUF", "ONNX", "PYTORCH", "OTHER"] as const;
/** 10 TiB: larger than any single weights file a team ships, small enough to catch unit mix-ups. */
export const MAX_ARTIFACT_BYTES = 10 * 1024 ** 4;
export const MAX_EVAL_METRICS = 50;

export const artifactInputSchema = z.object({
  uri: z
    .string()
    .trim()
    .min(1, "uri is required")
    .max(2048, "uri is at most 2048 characters")
    .superRefine((raw, ctx) => {
      let url: URL;
      try {
        url = new URL(raw);
      } catch {
        ctx.addIssue({ code: "custom", message: "uri must be an absolute URI such as file:///srv/models/adapter.safetensors or s3://bucket/key" });
        return;
      }
      if (!(ARTIFACT_SCHEMES as readonly string[]).includes(url.protocol)) {
        ctx.addIssue({ code: "custom", message: `uri scheme ${url.protocol} is not supported; use one of ${ARTIFACT_SCHEMES.join(" ")}` });
      } else if (url.protocol === "file:" && (!/^file:\/\/\//i.test(raw) || url.host !== "" || !url.pathname.startsWith("/") || url.pathname === "/")) {
        ctx.addIssue({ code: "custom", message: "a file:// uri must name an absolute path, e.g. file:///srv/models/adapter.safetensors" });
      }
    }),
  format: z.enum(ARTIFACT_FORMATS, { message: `format must be one of ${ARTIFACT_FORMATS.join(", ")}` }),
  sizeBytes: z
    .number({ message: "sizeBytes must be a number" })
    .int("sizeBytes must be a whole number of bytes")
    .min(1, "sizeBytes must be at least 1")
    .max(MAX_ARTIFACT_BYTES, "sizeBytes is larger than 10 TiB; is it in bytes?"),
  sha256: z
    .string()
    .trim()
    .transform((s) => s.toLowerCase())
    .pipe(z.string().regex(/^[0-9a-f]{64}$/, "sha256 must be 64 hexadecimal characters")),
});

export type ArtifactInput = z.output<typeof artifactInputSchema>;

export const evalMetricsSchema = z
  .array(
    z.object({
      name: z
        .string()
        .trim()
        .regex(/^[A-Za-z_][A-Za-z0-9_.\/-]{0,63}$/, "metric names are 1–64 letters, digits, _ . / - and start with a letter or _"),
      value: z.number().refine(Number.isFinite, "metric values must be finite numbers"),
    }),
  )
  .max(MAX_EVAL_METRICS, `at most ${MAX_EVAL_METRICS} evaluation metrics`)
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((m, i) => {
      if (seen.has(m.name)) ctx.addIssue({ code: "custom", path: [i, "name"], message: `metric ${m.name} is given twice` });
      seen.add(m.name);
    });
  });
