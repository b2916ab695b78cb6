import { AsyncLocalStorage } from "node:async_hooks";
import DataLoader from "dataloader";
import { processConfig, type Config } from "./config.ts";
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
  /** The process's configuration, built once at start and passed in: resolvers never read the environment. */
  config: Config;
}

export const consoleActor: Actor = { kind: "CONSOLE", name: "console", scopes: new Set(SCOPES) };
/** A signed-in console account: its name on every audit row, its role's scopes (graphql/services/accounts.ts). */
export const userActor = (name: string, scopes: readonly Scope[]): Actor => ({ kind: "CONSOLE", name, scopes: new Set(scopes) });
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
  /** The signed-in person for `via: "console"` (default: the all-scopes console user, for in-process callers and tests). */
  actor?: Actor;
  config?: Config;
}): Promise<Context> {
  if (args.via === "console") return contextFor(args.db, args.actor ?? consoleActor, args.config);
  return contextFor(args.db, await actorForRequest(args.db.prisma, args.request, args.requireReadToken ?? false), args.config);
}

/**
 * The transaction of the mutation being run (see runMutation in audit.ts). While
 * one is open, `ctx.prisma` is that transaction, so a mutation's work and its
 * audit row commit together, and work written against `ctx.prisma` cannot
 * queue behind its own transaction (PGlite has a single connection).
 */
export const mutationTransaction = new AsyncLocalStorage<PrismaClient>();

const transactionAware = new WeakMap<PrismaClient, PrismaClient>();

/**
 * The client as resolvers see it: the mutation's open transaction when there
 * is one (inside it `$connect` is absent, so `inTransaction` joins it instead
 * of opening another), the client itself otherwise. A proxy rather than a
 * getter because yoga copies the context object.
 */
function mutationAwareClient(prisma: PrismaClient): PrismaClient {
  let aware = transactionAware.get(prisma);
  if (!aware) {
    aware = new Proxy(prisma, {
      get(target, prop) {
        const source = (mutationTransaction.getStore() ?? target) as unknown as Record<string | symbol, unknown>;
        const value = Reflect.get(source, prop);
        return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(source) : value;
      },
    });
    transactionAware.set(prisma, aware);
  }
  return aware;
}

/**
 * A context for a known actor: background workers and tests act through the same schema. Entry points pass
 * the config they loaded at start; without one, the process-wide config (parsed once) is used.
 */
export function contextFor(db: Database, actor: Actor, config: Config = processConfig()): Context {
  return { db, prisma: mutationAwareClient(db.prisma), actor, config };
}

async function actorForRequest(prisma: PrismaClient, request: Request | undefined, requireReadToken: boolean): Promise<Actor> {
  return actorForAuthorization(prisma, request?.headers.get("authorization"), requireReadToken);
}

/** The actor of an `Authorization` header (for endpoints that need no context beyond it: the events endpoint). */
export async function actorForAuthorization(prisma: PrismaClient, authorization: string | null | undefined, requireReadToken = false): Promise<Actor> {
  const header = authorization?.trim();
  if (!header) return anonymousActor({ requireReadToken });
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    return { ...anonymousActor(), scopes: NO_SCOPES, credentialProblem: 'Malformed Authorization header: expected "Bearer <token>"' };
  }
  const check = await authenticateToken(prisma, { secret: match[1]! });
  if (!check.ok) {
    return { kind: "ANONYMOUS", name: check.name ?? "anonymous", scopes: NO_SCOPES, credentialProblem: check.reason };
  }
  return { kind: "TOKEN", name: check.name, scopes: new Set(check.scopes) };
}

const requestLoaders = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();

/**
 * Per-request batching with DataLoader: every `load(key)` made in the same tick becomes one call of
 * `batch(keys)`, so a page of N rows that each need a related value costs one query, not N. Loaders live
 * as long as the request's context (keyed by it), so nothing is cached across requests.
 */
export function loaderFor<V>(
  ctx: object,
  name: string,
  batch: (keys: string[]) => Promise<ReadonlyMap<string, V>>,
): DataLoader<string, V | undefined> {
  let loaders = requestLoaders.get(ctx);
  if (!loaders) requestLoaders.set(ctx, (loaders = new Map()));
  let loader = loaders.get(name) as DataLoader<string, V | undefined> | undefined;
  if (!loader) {
    loader = new DataLoader<string, V | undefined>(async (keys) => {
      const found = await batch([...keys]);
      return keys.map((k) => found.get(k));
    });
    loaders.set(name, loader as DataLoader<string, unknown>);
  }
  return loader;
}
