import { parse } from "@conform-to/react";
import * as z from "zod/mini";

/**
 * Conform's submission from one of graphql/validation's zod/mini schemas, in the browser (onValidate)
 * and in the action alike. Used instead of @conform-to/zod, whose coercion pulls full zod (~90 kB gzip)
 * into the page. Like that coercion, an empty field reads as missing; the schemas convert strings
 * themselves (numbers, checkboxes), so no other coercion is needed.
 */
export function parseWithSchema<Schema extends z.ZodMiniType>(formData: FormData, schema: Schema) {
  return parse(formData, {
    resolve(payload) {
      const result = z.safeParse(schema, emptyAsMissing(payload));
      if (result.success) return { value: result.data as z.output<Schema> };
      const error: Record<string, string[]> = {};
      for (const issue of result.error.issues) (error[fieldName(issue.path)] ??= []).push(issue.message);
      return { error };
    },
  });
}

function emptyAsMissing(payload: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(payload).map(([k, v]) => [k, v === "" ? undefined : v]));
}

/** Conform's field name for an issue path: `scopes[1]`, `a.b`; the form itself is "". */
function fieldName(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((name, key) => (typeof key === "number" ? `${name}[${key}]` : name ? `${name}.${String(key)}` : String(key)), "");
}
