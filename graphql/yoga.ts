import { costLimitPlugin } from "@escape.tech/graphql-armor-cost-limit";
import { maxAliasesPlugin } from "@escape.tech/graphql-armor-max-aliases";
import { maxDepthPlugin } from "@escape.tech/graphql-armor-max-depth";
import { maxTokensPlugin } from "@escape.tech/graphql-armor-max-tokens";
import { GraphQLError, Kind, OperationTypeNode, type DocumentNode, type ExecutionArgs, type OperationDefinitionNode } from "graphql";
import { createYoga, maskError, type Plugin, type YogaServerInstance } from "graphql-yoga";
import { authorize } from "./audit.ts";
import { processConfig, type Config } from "./config.ts";
import { createContext, type Context } from "./context.ts";
import type { Database } from "./db.ts";
import { BaseError } from "./errors.ts";
import { executeOperation } from "./execute.ts";
import { getGraphiqlAssets } from "./graphiql.ts";
import { schema } from "./schema.ts";
import { useOperationMetrics } from "./observability/registry.ts";
import { isDatabaseUnavailable, RETRY_AFTER_SECONDS, SERVICE_UNAVAILABLE_MESSAGE } from "./security/faults.ts";

export type TrainyardYoga = YogaServerInstance<Record<string, never>, Context>;

/**
 * What one HTTP request may ask of the API. Generous for every query the
 * console, the CLI and the playground's introspection send; small enough that
 * a hostile document is rejected before it reaches a resolver or the database.
 */
export const LIMITS = {
  maxDepth: 12,
  maxCost: 20_000,
  maxTokens: 3000,
  maxAliases: 20,
  maxBodyBytes: 1024 * 1024,
} as const;

export interface YogaOptions {
  /** The process's configuration (default: parsed once from the environment). */
  config?: Config;
  /** Queries need a token with the `read` scope (default: the config's TRAINYARD_REQUIRE_READ_TOKEN). */
  requireReadToken?: boolean;
  maxBodyBytes?: number;
}

/** The HTTP face of the API. Unexpected errors are masked; expected ones are data (see errors.ts). */
export function createTrainyardYoga(db: Database, options: YogaOptions = {}): TrainyardYoga {
  const config = options.config ?? processConfig();
  const requireReadToken = options.requireReadToken ?? config.requireReadToken;
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    context: ({ request }) => createContext({ db, request, via: "http", requireReadToken, config }),
    maskedErrors: {
      isDev: false,
      // Expected failures thrown outside a result union (e.g. reading `apiTokens` without the admin
      // scope) keep their message and stable code; everything else becomes "Unexpected error." —
      // never a stack trace or SQL, whatever NODE_ENV says.
      maskError: (error, message) => {
        const original = error instanceof GraphQLError ? error.originalError : error;
        if (isDatabaseUnavailable(original) || isDatabaseUnavailable(error)) return serviceUnavailable(error);
        if (error instanceof GraphQLError && original instanceof BaseError) {
          return new GraphQLError(original.message, {
            nodes: error.nodes,
            source: error.source,
            positions: error.positions,
            path: error.path,
            extensions: { code: original.code },
          });
        }
        return maskError(error, message, false);
      },
    },
    landingPage: false,
    // The body is counted once, by useBodyLimit below (1 MB). Yoga's own 25 MB check wrapped every request's body in a
    // second stream (a TransformStream, a pipeline and a new Request each time); without it a list request took 12 %
    // less server CPU (median of 8 interleaved runs, docs/performance.md, 12:55 run).
    maxRequestBodySize: false,
    graphiql: { title: "Trainyard API playground" },
    renderGraphiQL: async (renderOptions) => {
      const assets = await getGraphiqlAssets();
      return assets.renderPage({ title: renderOptions?.title ?? "Trainyard API playground", endpoint: "/graphql" });
    },
    plugins: [
      useBodyLimit(options.maxBodyBytes ?? LIMITS.maxBodyBytes),
      maxTokensPlugin({ n: LIMITS.maxTokens, onReject: [withCode("QUERY_TOO_LARGE")] }),
      maxDepthPlugin({ n: LIMITS.maxDepth, ignoreIntrospection: true, flattenFragments: true, onReject: [withCode("QUERY_TOO_DEEP")] }),
      maxAliasesPlugin({ n: LIMITS.maxAliases, onReject: [withCode("TOO_MANY_ALIASES")] }),
      costLimitPlugin({ maxCost: LIMITS.maxCost, ignoreIntrospection: true, onReject: [withCode("QUERY_TOO_COSTLY")] }),
      useReadAuthorization(requireReadToken),
      useOperationMetrics() as Plugin,
      useCompiledExecution(),
    ],
    logging: {
      debug: () => {},
      info: () => {},
      warn: (...a) => console.warn(...a),
      // An expected failure (a refusal surfaced as a top-level error) is the caller's business, not a server fault.
      error: (...a) => {
        if (!a.some(isExpectedFailure)) console.error(...a);
      },
    },
  }) as unknown as TrainyardYoga;
}

/** Operations run through graphql/execute.ts: compiled by graphql-jit from their second run on (ADR 0052). */
function useCompiledExecution(): Plugin {
  return {
    onExecute({ setExecuteFn }) {
      setExecuteFn(((args: ExecutionArgs) => executeOperation(args)) as Parameters<typeof setExecuteFn>[0]);
    },
  };
}

/** A database fault is the server's problem but a retryable one: 503 with Retry-After and a stable code. */
function serviceUnavailable(error: unknown): GraphQLError {
  const g = error instanceof GraphQLError ? error : undefined;
  return new GraphQLError(SERVICE_UNAVAILABLE_MESSAGE, {
    nodes: g?.nodes,
    source: g?.source,
    positions: g?.positions,
    path: g?.path,
    extensions: { code: "SERVICE_UNAVAILABLE", http: { status: 503, headers: { "Retry-After": String(RETRY_AFTER_SECONDS) } } },
  });
}

const isExpectedFailure = (value: unknown) =>
  isDatabaseUnavailable(value) ||
  value instanceof BaseError || (value instanceof GraphQLError && value.originalError instanceof BaseError);

/** graphql-armor's rejections carry a clear message; a stable code lets clients match on them too. */
const withCode = (code: string) => (_context: unknown, error: GraphQLError) => {
  Object.assign(error.extensions, { code, http: { status: 400 } });
};

const limitError = (message: string, code: string, status: number) =>
  new GraphQLError(message, { extensions: { code, http: { status } } });

/**
 * Refuses request bodies above `maxBytes` with a GraphQL error (HTTP 413),
 * counting the bytes as they stream in, so a missing or false Content-Length
 * cannot smuggle a larger body past the check.
 */
function useBodyLimit(maxBytes: number): Plugin {
  const tooLarge = () => limitError(`Request body is larger than the ${formatBytes(maxBytes)} limit`, "PAYLOAD_TOO_LARGE", 413);
  return {
    onRequestParse({ request, requestParser, setRequestParser }) {
      if (request.method !== "POST" || !requestParser) return;
      const declared = Number(request.headers.get("content-length"));
      if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
      setRequestParser(async (req) => {
        const body = await readLimited(req, maxBytes, tooLarge);
        // The incoming request's own class (yoga's fetch API), not the global Request: building undici's was a large part of a small request's cost.
        const RequestClass = req.constructor as typeof Request;
        return requestParser(new RequestClass(req.url, { method: req.method, headers: req.headers, body: new Uint8Array(body) }));
      });
    },
  };
}

async function readLimited(request: Request, maxBytes: number, tooLarge: () => Error): Promise<Buffer> {
  if (!request.body) return Buffer.alloc(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}

const formatBytes = (n: number) => (n >= 1024 * 1024 ? `${n / (1024 * 1024)} MB` : `${Math.round(n / 1024)} KB`);

/**
 * A request carrying an unusable token is refused outright rather than served
 * as anonymous. With TRAINYARD_REQUIRE_READ_TOKEN on, queries also need a
 * token with the `read` scope; otherwise reads are open (trusted network).
 * Mutations are authorized field by field in runMutation, which also records
 * the refusal. Introspection stays open so the playground can load the schema.
 */
function useReadAuthorization(requireReadToken: boolean): Plugin<Context> {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const operation = selectedOperation(args.document, args.operationName);
      if (!operation || operation.operation === OperationTypeNode.MUTATION || isIntrospectionOnly(operation)) return;
      const actor = (args.contextValue as Context).actor;
      if (!actor.credentialProblem && !requireReadToken) return;
      try {
        authorize(actor, "read");
      } catch (err) {
        const e = err as BaseError;
        const status = e.code === "UNAUTHENTICATED" ? 401 : 403;
        setResultAndStopExecution({ errors: [new GraphQLError(e.message, { extensions: { code: e.code, http: { status } } })] });
      }
    },
  };
}

function selectedOperation(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  return name ? operations.find((o) => o.name?.value === name) : operations[0];
}

function isIntrospectionOnly(operation: OperationDefinitionNode): boolean {
  return operation.selectionSet.selections.every((s) => s.kind === Kind.FIELD && s.name.value.startsWith("__"));
}
