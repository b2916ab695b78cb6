import { createYoga, type YogaServerInstance } from "graphql-yoga";
import { createContext, type Context } from "./context.ts";
import type { Database } from "./db.ts";
import { getGraphiqlAssets } from "./graphiql.ts";
import { schema } from "./schema.ts";

export type TrainyardYoga = YogaServerInstance<Record<string, never>, Context>;

/** The HTTP face of the API. Unexpected errors are masked; expected ones are data (see errors.ts). */
export function createTrainyardYoga(db: Database): TrainyardYoga {
  return createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: "/graphql",
    context: ({ request }) => createContext({ db, request, via: "http" }),
    maskedErrors: true,
    landingPage: false,
    graphiql: { title: "Trainyard API playground" },
    renderGraphiQL: async (options) => {
      const assets = await getGraphiqlAssets();
      return assets.renderPage({ title: options?.title ?? "Trainyard API playground", endpoint: "/graphql" });
    },
    logging: { debug: () => {}, info: () => {}, warn: (...a) => console.warn(...a), error: (...a) => console.error(...a) },
  }) as unknown as TrainyardYoga;
}
