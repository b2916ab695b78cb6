/** What an API token may do. The console user holds all of them. */
export const SCOPES = ["read", "train", "deploy", "ingest", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
