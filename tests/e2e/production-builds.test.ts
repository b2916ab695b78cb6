import path from "node:path";
import { afterAll, expect, test } from "vitest";
import { signInCookie, startServer, type TestServer } from "../setup/server.ts";

/**
 * `npm start` sets no NODE_ENV. React, react-dom/server and React Router choose their development or production
 * builds from it when first loaded, and the console rendered every page with the development builds (1.3–1.7 times
 * the server's CPU per page). The server now serves as production unless NODE_ENV says otherwise.
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
  return server.output().match(/\[development build\] \S+/g) ?? [];
}

test("without NODE_ENV, as npm start runs it, the console renders with React's production builds", async () => {
  expect(await renderedBy("")).toEqual([]);
}, 120_000);

test("NODE_ENV=development still gets the development builds (the check sees them)", async () => {
  const loaded = await renderedBy("development");
  expect(loaded).toContain("[development build] ./cjs/react-dom-server.node.development.js");
  expect(loaded).toContain("[development build] ./cjs/react.development.js");
}, 120_000);
