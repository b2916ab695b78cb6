import type { Database, PrismaClient } from "./db.ts";
import { SCOPES, type Scope } from "./scopes.ts";
import { authenticateToken } from "./services/tokens.ts";

export { SCOPES, type Scope };

/** Who is acting: recorded on every mutation (audit trail, `deployedBy`, `createdBy`). */
export interface Actor {
  kind: "CONSOLE" | "TOKEN" | "SYSTEM" | "ANONYMOUS";
  name: string;
  scopes: ReadonlySet<Scope>;
  /**
   * Set when the request presented credentials that cannot be used (malformed,
   * unknown, expired or revoked token): the request is refused, never
   * downgraded to anonymous access.
   */
  credentialProblem?: string;
}

export interface Context {
  db: Database;
  prisma: PrismaClient;
  actor: Actor;
}

export const consoleActor: Actor = { kind: "CONSOLE", name: "console", scopes: new Set(SCOPES) };
export const systemActor = (name: string): Actor => ({ kind: "SYSTEM", name, scopes: new Set(SCOPES) });
const NO_SCOPES: ReadonlySet<Scope> = new Set();

export function anonymousActor(options: { requireReadToken?: boolean } = {}): Actor {
  return { kind: "ANONYMOUS", name: "anonymous", scopes: options.requireReadToken ? NO_SCOPES : new Set<Scope>(["read"]) };
}

/**
 * The one context factory, shared by yoga (HTTP) and the Remix loaders
 * (in-process). `via: "console"` is the browser UI, which acts as the console
 * user; over HTTP the actor comes from `Authorization: Bearer <token>`.
 */
export async function createContext(args: {
  db: Database;
  request?: Request;
  via: "http" | "console";
  requireReadToken?: boolean;
}): Promise<Context> {
  if (args.via === "console") return contextFor(args.db, consoleActor);
  return contextFor(args.db, await actorForRequest(args.db.prisma, args.request, args.requireReadToken ?? false));
}

/** A context for a known actor: background workers and tests act through the same schema. */
export function contextFor(db: Database, actor: Actor): Context {
  return { db, prisma: db.prisma, actor };
}

async function actorForRequest(prisma: PrismaClient, request: Request | undefined, requireReadToken: boolean): Promise<Actor> {
  const header = request?.headers.get("authorization")?.trim();
  if (!header) return anonymousActor({ requireReadToken });
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    return { ...anonymousActor(), scopes: NO_SCOPES, credentialProblem: 'Malformed Authorization header: expected "Bearer <token>"' };
  }
  const check = await authenticateToken(prisma, match[1]!);
  if (!check.ok) {
    return { kind: "ANONYMOUS", name: check.name ?? "anonymous", scopes: NO_SCOPES, credentialProblem: check.reason };
  }
  return { kind: "TOKEN", name: check.name, scopes: new Set(check.scopes) };
}
