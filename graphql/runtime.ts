import type { DocumentNode, ExecutionResult } from "graphql";
import type { TypedDocumentNode } from "@graphql-typed-document-node/core";
import { processConfig, type Config } from "./config.ts";
import { consoleActor, createContext, type Actor } from "./context.ts";
import { executeOperation as executeCompiled } from "./execute.ts";
import type { Database } from "./db.ts";
import { schema } from "./schema.ts";
import { createTrainyardYoga, type TrainyardYoga } from "./yoga.ts";

export type { TypedDocumentNode };

/**
 * Runs a GraphQL operation in-process against the same schema and context
 * factory that yoga uses: the UI cannot drift from the API.
 */
export type OperationExecutor = <Result, Variables>(
  document: TypedDocumentNode<Result, Variables> | DocumentNode,
  variables: Variables,
  request?: Request,
) => Promise<ExecutionResult<Result>>;

export interface TrainyardRuntime {
  db: Database;
  config: Config;
  yoga: TrainyardYoga;
  execute: OperationExecutor;
  /** The same runtime acting as one signed-in person (the console's load context, per request). */
  forActor(actor: Actor): TrainyardRuntime;
}

export function createRuntime(
  db: Database,
  options: { actor?: Actor; config?: Config; yoga?: TrainyardYoga } = {},
): TrainyardRuntime {
  const { actor = consoleActor, config = processConfig() } = options;
  const executeOperation: OperationExecutor = async (document, variables, request) => {
    const contextValue = await createContext({ db, request, via: "console", actor, config });
    return (await executeCompiled({
      schema,
      document,
      variableValues: (variables ?? undefined) as Record<string, unknown> | undefined,
      contextValue,
    })) as ExecutionResult<never>;
  };
  const yoga = options.yoga ?? createTrainyardYoga(db, { config });
  return { db, config, yoga, execute: executeOperation, forActor: (who) => createRuntime(db, { actor: who, config, yoga }) };
}
