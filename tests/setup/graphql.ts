import { parse, type DocumentNode, type ExecutionResult } from "graphql";
import { consoleActor, contextFor, type Actor } from "../../graphql/context.ts";
import type { Database } from "../../graphql/db.ts";
import { executeOperation } from "../../graphql/execute.ts";
import { schema } from "../../graphql/schema.ts";

/** Parsed once per text, as yoga's parser cache does: the compiled operation is kept per document. */
const documents = new Map<string, DocumentNode>();

/**
 * Runs an operation against the real schema and database, as a given actor (the console user by default), through
 * the API's executor compiled from the first run (graphql/execute.ts): every operation of the schema's tests runs
 * the way a repeated one runs in the server.
 */
export async function run<T = any>(
  db: Database,
  source: string,
  variables?: Record<string, unknown>,
  actor: Actor = consoleActor,
): Promise<ExecutionResult<T>> {
  const contextValue = contextFor(db, actor);
  let document = documents.get(source);
  if (!document) documents.set(source, (document = parse(source)));
  return (await executeOperation({ schema, document, variableValues: variables, contextValue }, 0)) as ExecutionResult<T>;
}

/** Like run(), but fails the test on any GraphQL error and returns data. */
export async function query<T = any>(db: Database, source: string, variables?: Record<string, unknown>, actor?: Actor): Promise<T> {
  const result = await run<T>(db, source, variables, actor);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${result.errors.map((e) => e.message).join("; ")}`);
  return result.data as T;
}
