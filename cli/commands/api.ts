import type { TadaDocumentNode } from "gql.tada";
import { ClientError, GraphQLClient, type Variables } from "graphql-request";
import { actionList, CliError, EXIT } from "./cli.ts";

/** The app's typed documents (gql.tada over the committed SDL): the CLI is one more client of the same schema. */
export { graphql, readFragment, type FragmentOf, type ResultOf } from "../../app/lib/graphql.ts";

const AUTH_CODES = new Set(["UNAUTHENTICATED", "FORBIDDEN"]);

export interface Api {
  url: string;
  request<Result, Vars extends Variables>(document: TadaDocumentNode<Result, Vars>, variables: Vars): Promise<Result>;
}

export function apiFromEnv(env = process.env): Api {
  const base = (env.TRAINYARD_URL?.trim() || "http://localhost:3000").replace(/\/+$/, "");
  const url = base.endsWith("/graphql") ? base : `${base}/graphql`;
  const token = env.TRAINYARD_TOKEN?.trim();
  const client = new GraphQLClient(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return {
    url,
    async request<Result, Vars extends Variables>(document: TadaDocumentNode<Result, Vars>, variables: Vars) {
      try {
        return await client.request<Result, Variables>({ document, variables, signal: AbortSignal.timeout(30_000) });
      } catch (err) {
        throw describeFailure(err, url);
      }
    },
  };
}

/** Turns what went wrong on the wire into one line and the exit code a script can act on. */
function describeFailure(err: unknown, url: string): CliError {
  if (err instanceof ClientError) {
    const first = err.response.errors?.[0];
    const code = (first?.extensions as { code?: string } | undefined)?.code;
    if (first) {
      const exitCode = code && AUTH_CODES.has(code) ? EXIT.auth : EXIT.error;
      return new CliError(`${first.message}${code ? ` (${code})` : ""}`, exitCode, code, first.message);
    }
    if (err.response.status === 401 || err.response.status === 403) {
      return new CliError(`the server refused the request (HTTP ${err.response.status})`, EXIT.auth);
    }
    return new CliError(`no Trainyard API at ${url} (HTTP ${err.response.status}); check TRAINYARD_URL`, EXIT.unreachable);
  }
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return new CliError(`no answer from ${url} within 30 s`, EXIT.unreachable);
  }
  if (e instanceof TypeError || e?.cause?.code) {
    const reason = e.cause?.code ?? e.cause?.message ?? e.message;
    return new CliError(`cannot reach Trainyard at ${url} (${reason}); check TRAINYARD_URL and that the server is running`, EXIT.unreachable);
  }
  if (e instanceof SyntaxError) return new CliError(`no Trainyard API at ${url} (the response is not JSON); check TRAINYARD_URL`, EXIT.unreachable);
  return new CliError(e?.message ?? String(err), EXIT.error);
}

/**
 * A mutation's result union, narrowed by `__typename`: the success member, or the
 * expected error (with its stable code) as a refused run.
 */
export function unwrap<R extends { __typename: string }, S extends R["__typename"]>(result: R, success: S): Extract<R, { __typename: S }> {
  if (isMember(result, success)) return result;
  const code = "code" in result && typeof result.code === "string" ? result.code : result.__typename;
  const message = "message" in result && typeof result.message === "string" ? result.message : result.__typename;
  throw new CliError(`${message} (${code})`, AUTH_CODES.has(code) ? EXIT.auth : EXIT.refused, code, message);
}

const isMember = <R extends { __typename: string }, S extends R["__typename"]>(result: R, name: S): result is Extract<R, { __typename: S }> =>
  result.__typename === name;

/** A query for one object by id answered null: a refused run, as the mutation would have said. */
export function found<T>(value: T | null, what: string, id: string): T {
  if (value === null) throw new CliError(`no ${what} with id ${id} (NOT_FOUND)`, EXIT.refused, "NOT_FOUND", `no ${what} with id ${id}`);
  return value;
}

/**
 * The API lists what an object accepts now (`availableActions`, computed from the
 * services' transition tables); the CLI sends a mutation only when it is listed and
 * otherwise reports what the API said about the object, re-deriving no rule.
 */
export function requireAction<A extends string>(subject: { availableActions: readonly A[] }, action: A, described: string): void {
  if (subject.availableActions.includes(action)) return;
  const message = `${action.toLowerCase()} is not available for ${described}; the API offers: ${actionList(subject.availableActions)}`;
  throw new CliError(`${message} (NOT_AVAILABLE)`, EXIT.refused, "NOT_AVAILABLE", message);
}
