/** What an API token may do. `invoke`: send inference requests through the gateway. The console user holds all of them. */
export const SCOPES = ["read", "train", "deploy", "ingest", "invoke", "admin"] as const;
export type Scope = (typeof SCOPES)[number];
