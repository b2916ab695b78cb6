import * as z from "zod/mini";
import type { $ZodError } from "zod/v4/core";

/**
 * The one definition of a valid training configuration: the /training/new form
 * and the `createTrainingJob` mutation both parse with it, so the browser and
 * the API accept exactly the same jobs. Client-safe (no server imports), and
 * zod/mini so that checking in the browser costs a few kB, not full zod's ~90 kB gzip.
 */

export const TRAINING_DEFAULTS = {
  epochs: 3,
  learningRate: 2e-4,
  batchSize: 16,
  loraRank: 16,
  warmupSteps: 100,
  seed: 42,
} as const;

export const TRAINING_BOUNDS = {
  epochs: { min: 1, max: 20 },
  learningRate: { min: 1e-7, max: 1e-2 },
  batchSize: { min: 1, max: 512 },
  loraRank: { min: 1, max: 256 },
  warmupSteps: { min: 0, max: 10_000 },
  seed: { min: 0, max: 2_147_483_647 },
  modelName: { min: 3, max: 48 },
} as const;

export const MODEL_NAME_PATTERN = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/;

/** Form fields arrive as strings: "" means "not given", anything else must read as a number. */
function numberField(label: string, opts: { integer: boolean; min: number; max: number }) {
  const error = opts.integer ? `${label} must be a whole number` : `${label} must be a number`;
  return z.pipe(
    z.transform((v: unknown) => (v === "" || v === null ? undefined : typeof v === "string" ? Number(v.trim()) : v)),
    (opts.integer ? z.int({ error }) : z.number({ error })).check(
      z.gte(opts.min, `${label} must be at least ${opts.min}`),
      z.lte(opts.max, `${label} must be at most ${opts.max.toLocaleString("en-US")}`),
    ),
  );
}

const { epochs, learningRate, batchSize, loraRank, warmupSteps, seed, modelName } = TRAINING_BOUNDS;

const requiredId = (message: string) => z.string({ error: message }).check(z.trim(), z.minLength(1, message));

export const trainingJobInputSchema = z.object({
  baseModelId: requiredId("Choose a base model"),
  datasetId: requiredId("Choose a dataset"),
  modelName: z
    .string({ error: "Enter a model name" })
    .check(
      z.trim(),
      z.minLength(modelName.min, `Model name must be at least ${modelName.min} characters`),
      z.maxLength(modelName.max, `Model name must be at most ${modelName.max} characters`),
      z.regex(MODEL_NAME_PATTERN, "Use lowercase letters, digits and single hyphens, starting with a letter (e.g. support-assistant)"),
    ),
  epochs: z._default(numberField("Epochs", { integer: true, ...epochs }), TRAINING_DEFAULTS.epochs),
  learningRate: z._default(numberField("Learning rate", { integer: false, ...learningRate }), TRAINING_DEFAULTS.learningRate),
  batchSize: z._default(numberField("Batch size", { integer: true, ...batchSize }), TRAINING_DEFAULTS.batchSize),
  loraRank: z._default(numberField("LoRA rank", { integer: true, ...loraRank }), TRAINING_DEFAULTS.loraRank),
  warmupSteps: z._default(numberField("Warm-up steps", { integer: true, ...warmupSteps }), TRAINING_DEFAULTS.warmupSteps),
  seed: z._default(numberField("Seed", { integer: true, ...seed }), TRAINING_DEFAULTS.seed),
});

export type TrainingJobInput = z.output<typeof trainingJobInputSchema>;
export type TrainingJobField = keyof TrainingJobInput;

/** Field name → first message, for rendering next to each input. */
export function fieldMessages(error: $ZodError): Partial<Record<TrainingJobField, string>> {
  const out: Partial<Record<TrainingJobField, string>> = {};
  for (const issue of error.issues) {
    const key = issue.path[0] as TrainingJobField | undefined;
    if (key && !out[key]) out[key] = issue.message;
  }
  return out;
}

/** Dataset tasks a base model's task can be fine-tuned on: chat and code models share causal-LM data. */
export function tasksCompatible(modelTask: string, datasetTask: string): boolean {
  const causal = new Set(["TEXT_GENERATION", "CODE_GENERATION"]);
  return modelTask === datasetTask || (causal.has(modelTask) && causal.has(datasetTask));
}

export const workerNameSchema = z
  .string()
  .check(
    z.trim(),
    z.minLength(1, "Give the trainer a name, e.g. gpu-box-3"),
    z.maxLength(80, "Trainer names are at most 80 characters"),
    z.refine((v) => !v.startsWith("builtin:"), "Names starting with builtin: are reserved for the built-in executor"),
  );

export const progressReportSchema = z.object({
  step: z.number().check(z.int("step must be a whole number"), z.gte(1, "step must be at least 1")),
  epoch: z.number().check(z.gte(0, "epoch must not be negative")),
  trainLoss: z.pipe(z.number().check(z.refine(Number.isFinite, "trainLoss must be a finite number")), z.number().check(z.gte(0, "trainLoss must not be negative"))),
  evalLoss: z.nullable(z.number().check(z.gte(0, "evalLoss must not be negative"))),
  learningRate: z.number().check(z.gte(0, "learningRate must not be negative")),
});
