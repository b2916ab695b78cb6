import * as z from "zod/mini";
import { SCOPES } from "../scopes.ts";

/**
 * What an operator supplies for a new API token; used by the mutation and the settings form.
 * zod/mini: the form checks with it in the browser, where full zod would weigh ~90 kB gzip.
 */
export const createApiTokenInput = z.object({
  name: z
    .string()
    .check(z.trim(), z.minLength(1, "Give the token a name, e.g. the pipeline that will use it"), z.maxLength(80, "Keep the name under 80 characters")),
  scopes: z.pipe(
    z.array(z.enum(SCOPES)).check(z.minLength(1, "Choose at least one scope")),
    z.transform((scopes) => [...new Set(scopes)].sort((a, b) => SCOPES.indexOf(a) - SCOPES.indexOf(b))),
  ),
  expiresAt: z.nullish(z.date()).check(z.refine((d) => !d || d.getTime() > Date.now(), "The expiry must be in the future")),
});

export type CreateApiTokenInput = z.input<typeof createApiTokenInput>;
