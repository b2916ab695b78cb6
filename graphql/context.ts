import type { Database, PrismaClient } from "./db.ts";

export const SCOPES = ["read", "train", "deploy", "ingest", "admin"] as const;
export type Scope = (typeof SCOPES)[number];

/** Who is acting: recorded on every mutation (audit trail, `deployedBy`, `createdBy`). */
export interface Actor {
  kind: "CONSOLE" | "TOKEN" | "SYSTEM" | "ANONYMOUS";
  name: string;
  scopes: ReadonlySet<Scope>;
}

export interface Context {
  db: Database;
  prisma: PrismaClient;
  actor: Actor;
}

export const consoleActor: Actor = { kind: "CONSOLE", name: "console", scopes: new Set(SCOPES) };
export const systemActor = (name: string): Actor => ({ kind: "SYSTEM", name, scopes: new Set(SCOPES) });
const anonymousActor: Actor = { kind: "ANONYMOUS", name: "anonymous", scopes: new Set<Scope>(["read"]) };

/**
 * The one context factory, shared by yoga (HTTP) and the Remix loaders
 * (in-process). `via: "console"` is the browser UI, which acts as the console user.
 */
export async function createContext(args: { db: Database; request?: Request; via: "http" | "console" }): Promise<Context> {
  return contextFor(args.db, args.via === "console" ? consoleActor : anonymousActor);
}

/** A context for a known actor: background workers and tests act through the same schema. */
export function contextFor(db: Database, actor: Actor): Context {
  return { db, prisma: db.prisma, actor };
}
