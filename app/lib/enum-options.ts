import { formatEnum } from "~/lib/format";
import { TrainerKind } from "~/lib/schema-enums";

/**
 * Select options from one of the schema's enums (app/lib/schema-enums.ts, generated from the SDL), so a
 * value the API adds appears in the console without a hand-kept list. `labels` overrides the default
 * "SPEECH_RECOGNITION" → "Speech recognition".
 */
export function enumOptions<V extends string>(values: readonly V[], labels: Partial<Record<V, string>> = {}) {
  return values.map((value) => ({ value, label: labels[value] ?? formatEnum(value) }));
}

/** `value` when it is one of the enum's values, else null (for URL parameters). */
export function enumValue<V extends string>(values: readonly V[], value: string | null | undefined): V | null {
  return values.includes(value as V) ? (value as V) : null;
}

/** The "trained by" filter of the deployments and training jobs tables. */
export const TRAINER_OPTIONS = enumOptions(TrainerKind, { REAL: "Real trainers", SIMULATED: "Simulated trainer" });
