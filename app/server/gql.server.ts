import type { AppLoadContext } from "@remix-run/node";
import type { TadaDocumentNode } from "gql.tada";
import type { TrainyardRuntime } from "../../graphql/runtime.ts";
import type { ConsoleRequest } from "../../graphql/security/console-auth.ts";
import { BaseError } from "../../graphql/errors.ts";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS } from "../../graphql/security/faults.ts";

declare module "@remix-run/node" {
  interface AppLoadContext {
    trainyard: TrainyardRuntime;
    /** The signed-in person and the account operations (graphql/security/console-auth.ts). */
    console: ConsoleRequest;
  }
}

/**
 * Executes a typed GraphQL document in-process, with the same schema and
 * context factory as /graphql. GraphQL errors are unexpected here (the UI's
 * documents are checked against the schema at build time), so they become a
 * 500 Response; expected failures arrive as data (result unions).
 */
export async function gql<Result, Variables>(
  context: AppLoadContext,
  request: Request,
  document: TadaDocumentNode<Result, Variables>,
  ...[variables]: Variables extends Record<string, never> ? [] | [Variables] : [Variables]
): Promise<Result> {
  const result = await context.trainyard.execute<Result, Variables>(document, variables as Variables, request).catch((err) => {
    if (isDatabaseUnavailable(err)) throw unavailable();
    throw err;
  });
  if (result.errors?.some((e) => isDatabaseUnavailable(e.originalError))) throw unavailable();
  // Bad input the schema refused (e.g. a malformed id in the URL) is the visitor's 400 or 404, not a server fault.
  const refusal = result.errors?.map((e) => e.originalError).find((e): e is BaseError => e instanceof BaseError);
  if (refusal?.code === "NOT_FOUND") throw new Response(refusal.message, { status: 404, statusText: "Not Found" });
  if (refusal?.code === "VALIDATION") throw new Response(refusal.message, { status: 400, statusText: "Bad Request" });
  if (result.errors?.length || !result.data) {
    for (const e of result.errors ?? []) console.error(`[gql] ${e.message}`, e.originalError ?? "");
    throw new Response("The console could not load this page's data.", { status: 500 });
  }
  return result.data;
}

/** `invariantResponse`-style 404 for loaders: `notFound(data.deployment, "Deployment")`. */
export function notFound<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) {
    throw new Response(`${what} not found`, { status: 404, statusText: "Not Found" });
  }
  return value;
}

/** The database is down or saturated: a 503 page the browser may retry, never a 500. */
export function unavailable(): Response {
  return new Response("The database is unavailable right now.", {
    status: 503,
    statusText: "Service Unavailable",
    headers: { "Retry-After": String(RETRY_AFTER_SECONDS) },
  });
}
