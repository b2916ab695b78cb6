import { execute, parse, type ExecutionResult } from "graphql";
import { consoleActor, contextFor, type Actor } from "../../graphql/context.ts";
import type { Database } from "../../graphql/db.ts";
import { schema } from "../../graphql/schema.ts";

/** Runs an operation against the real schema and database, as a given actor (the console user by default). */
export async function run<T = any>(
  db: Database,
  source: string,
  variables?: Record<string, unknown>,
  actor: Actor = consoleActor,
): Promise<ExecutionResult<T>> {
  const contextValue = contextFor(db, actor);
  return (await execute({ schema, document: parse(source), variableValues: variables, contextValue })) as ExecutionResult<T>;
}

/** Like run(), but fails the test on any GraphQL error and returns data. */
export async function query<T = any>(db: Database, source: string, variables?: Record<string, unknown>, actor?: Actor): Promise<T> {
  const result = await run<T>(db, source, variables, actor);
  if (result.errors?.length) throw new Error(`GraphQL errors: ${result.errors.map((e) => e.message).join("; ")}`);
  return result.data as T;
}
