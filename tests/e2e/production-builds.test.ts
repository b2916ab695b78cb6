import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { signInCookie, startServer, TEST_ADMIN, type TestServer } from "../setup/server.ts";

/**
 * `npm start` sets no NODE_ENV. React, react-dom/server and React Router choose their development or production
 * builds from it when first loaded, and the console rendered every page with the development builds (1.3–1.7 times
 * the server's CPU per page). graphql-js and graphql-armor choose theirs when the server's first line runs, before
 * any code of ours could set it: every GraphQL execution ran graphql-js's development checks. The server now serves
 * as production unless NODE_ENV says otherwise (build/server.mjs sets the default before it loads anything).
 */
const HOOK = path.resolve(import.meta.dirname, "..", "setup", "report-development-builds.cjs");
const servers: TestServer[] = [];
afterAll(() => Promise.all(servers.map((s) => s.stop())));

async function renderedBy(nodeEnv: string) {
  const server = await startServer({ env: { NODE_ENV: nodeEnv, NODE_OPTIONS: `--require ${HOOK}` } });
  servers.push(server);
  const res = await fetch(`${server.url}/deployments?sort=p95.desc`, { headers: { cookie: await signInCookie(server.url) } });
  expect(res.status).toBe(200);
  expect(await res.text()).toContain("</table>");
  // The session cookie's `Secure` still follows the operator's NODE_ENV (graphql/config.ts), not the default.
  const login = await fetch(`${server.url}/login`, { method: "POST", body: new URLSearchParams(TEST_ADMIN), redirect: "manual" });
  return {
    builds: server.output().match(/\[development build\] \S+/g) ?? [],
    graphql: server.output().match(/\[graphql loaded\] NODE_ENV=\S+/)?.[0],
    secureCookie: /;\s*Secure/i.test(login.headers.get("set-cookie") ?? ""),
  };
}

test("without NODE_ENV, as npm start runs it, the console and the API run with their packages' production builds", async () => {
  expect(await renderedBy("")).toEqual({ builds: [], graphql: "[graphql loaded] NODE_ENV=production", secureCookie: false });
}, 120_000);

test("NODE_ENV=development still gets the development builds (the check sees them)", async () => {
  const { builds, graphql, secureCookie } = await renderedBy("development");
  expect(builds).toContain("[development build] ./cjs/react-dom-server.node.development.js");
  expect(builds).toContain("[development build] ./cjs/react.development.js");
  expect(builds).toContainEqual(expect.stringMatching(/graphql-armor-cost-limit\.cjs\.dev\.js$/));
  expect(graphql).toBe("[graphql loaded] NODE_ENV=development");
  expect(secureCookie).toBe(false);
}, 120_000);

test("NODE_ENV=production: production builds, and the session cookie is Secure", async () => {
  const { builds, graphql, secureCookie } = await renderedBy("production");
  expect({ builds, graphql }).toEqual({ builds: [], graphql: "[graphql loaded] NODE_ENV=production" });
  expect(secureCookie).toBe(true);
}, 120_000);
