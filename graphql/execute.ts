import {
  execute,
  getOperationAST,
  getVariableValues,
  OperationTypeNode,
  visit,
  BREAK,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from "graphql";
import { compileQuery, isCompiledQuery, type CompiledQuery } from "graphql-jit";

/**
 * The one executor of GraphQL operations, for the API (yoga, through `useCompiledExecution`) and the console's
 * in-process queries (graphql/runtime.ts): a document executed a second time is compiled by graphql-jit into a
 * function of its own and runs that from then on (ADR 0052). Resolvers, context and results are graphql-js's;
 * only the walk over the selection is generated instead of interpreted, which was a third of a list request's
 * server CPU with its allocations. Queries only: mutations (one at a time, their cost the database's) stay with
 * graphql-js. A document run once (a playground's introspection, a one-off query) is not compiled: graphql-js
 * executes it. Documents are validated before they get here, as for graphql-js's `execute`.
 */

interface Entry {
  runs: number;
  /** Null: graphql-jit could not compile it (or it is no query); graphql-js executes it. */
  compiled?: CompiledQuery | null;
  operation?: OperationDefinitionNode;
}

/** Per schema and document (yoga's parser cache and the console's modules keep a document's object), per operation. */
const entries = new WeakMap<GraphQLSchema, WeakMap<DocumentNode, Map<string, Entry>>>();

/** Executions of a document before it is compiled. */
const COMPILE_AFTER_RUNS = 1;

/** `compileAfterRuns`: 0 compiles a document at its first run (the schema's tests run every operation compiled). */
export function executeOperation(args: ExecutionArgs, compileAfterRuns = COMPILE_AFTER_RUNS): Promise<ExecutionResult> | ExecutionResult {
  // A field resolver or a type resolver of its own is graphql-js's business.
  if (args.fieldResolver || args.typeResolver || args.subscribeFieldResolver) return execute(args);
  let byDocument = entries.get(args.schema);
  if (!byDocument) entries.set(args.schema, (byDocument = new WeakMap()));
  let byOperation = byDocument.get(args.document);
  if (!byOperation) byDocument.set(args.document, (byOperation = new Map()));
  const key = args.operationName ?? "";
  let entry = byOperation.get(key);
  if (!entry) byOperation.set(key, (entry = { runs: 0 }));
  if (entry.compiled === undefined && ++entry.runs > compileAfterRuns) {
    const operation = getOperationAST(args.document, args.operationName) ?? undefined;
    const compilable = operation?.operation === OperationTypeNode.QUERY && !holdsJitMarker(args.document);
    const result = compilable ? compileQuery(args.schema, args.document, args.operationName ?? undefined) : null;
    entry.compiled = result && isCompiledQuery(result) ? result : null;
    entry.operation = operation;
  }
  if (!entry.compiled) return execute(args);
  // graphql-js checks the variables first, so a bad one is refused in its words (graphql-jit words them its own
  // way); the compiled query then coerces the same values again, which for a handful of variables costs nothing.
  const variables = args.variableValues ?? {};
  const checked = getVariableValues(args.schema, entry.operation?.variableDefinitions ?? [], variables, { maxErrors: 50 });
  if (checked.errors) return { errors: checked.errors };
  return entry.compiled.query(args.rootValue, args.contextValue, variables);
}

/**
 * graphql-jit writes an argument's literal value into the generated code as JSON, then turns every JSON string
 * that starts with its Date marker (`"__MAGIC_DATE__…"`) into `new Date(…)` with the rest of the string as code:
 * a string literal in a query could run code in the server (0.8.9; ADR 0052). A document with such a marker
 * anywhere in a string or a name is never compiled: graphql-js executes it, and it is only text there.
 */
function holdsJitMarker(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    StringValue(node) {
      if (node.value.includes(JIT_MARKER)) return (found = true), BREAK;
    },
    Name(node) {
      if (node.value.includes(JIT_MARKER)) return (found = true), BREAK;
    },
  });
  return found;
}
/** The prefix of every marker graphql-jit replaces in its generated code (`__MAGIC_DATE__…`, `__MAGIC_NAN__…`, …). */
const JIT_MARKER = "__MAGIC_";
