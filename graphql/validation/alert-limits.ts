/**
 * The alert rule limits as plain numbers: graphql/validation/alerts.ts checks with them, and the rule
 * forms in the browser put them on their inputs without loading zod (ADR 0045).
 */
export const MAX_FOR_SECONDS = 24 * 3600;
export const MAX_RULE_CHANNELS = 20;
