// `npm start`'s entry (build/server.mjs; cli/build-server.mjs copies it there next to build/server-main.mjs, the
// compiled cli/server.ts). Packages read NODE_ENV once, when first loaded: graphql-js, for one, checks every type
// test of an execution for a second copy of itself unless it is "production" (~3 % of a GraphQL list's server CPU
// in a profile), and graphql-armor loads its development builds. Compiled ESM loads its packages before any line
// of its own runs, so the default is set here, before the server is imported. The operator's own NODE_ENV (or its
// absence) still decides what it means for the configuration (the cookies' `Secure`, graphql/config.ts).
const operatorEnv = { ...process.env };
process.env.NODE_ENV ??= "production";
const { start } = await import("./server-main.mjs");
start(operatorEnv);
