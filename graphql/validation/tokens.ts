import { z } from "zod";
import { SCOPES } from "../scopes.ts";

/** What an operator supplies for a new API token; used by the mutation and the settings form. */
export const createApiTokenInput = z.object({
  name: z
    .string()
    .trim()
    .min(1, "Give the token a name, e.g. the pipeline that will use it")
    .max(80, "Keep the name under 80 characters"),
  scopes: z
    .array(z.enum(SCOPES))
    .min(1, "Choose at least one scope")
    .transform((scopes) => [...new Set(scopes)].sort((a, b) => SCOPES.indexOf(a) - SCOPES.indexOf(b))),
  expiresAt: z
    .date()
    .nullish()
    .refine((d) => !d || d.getTime() > Date.now(), "The expiry must be in the future"),
});

export type CreateApiTokenInput = z.input<typeof createApiTokenInput>;
