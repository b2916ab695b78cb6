import { afterAll, beforeAll, expect, test } from "vitest";
import { signInCookie, startServer, type TestServer } from "../setup/server.ts";

/** Console routes over HTTP: security headers on every response, and hostile URLs never answer 5xx. */
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ env: { TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off", TRAINYARD_SEED: "off" } });
}, 120_000);
afterAll(() => server?.stop());

const LISTS = ["/deployments", "/training/jobs", "/models", "/activity"];
const BAD_QUERIES = ["q=%00", "q=%ED%A0%80", "q=%1B%5B31m", `q=${"a".repeat(5000)}`, "page=99999999999", "page=-5", "size=1e308", "sort=%00.desc", "status=%E2%80%AE"];
const BAD_PATHS = ["/models/%00", "/deployments/%F0%9F%98%80", `/deployments/${"a".repeat(5000)}`, "/training/jobs/%00", "/training/jobs/%E2%80%AEx", "/models/%ZZ"];

test("security headers on pages, the API and static files", async () => {
  const cookie = await signInCookie(server.url);
  for (const path of ["/", "/login", "/graphql", "/favicon.svg"]) {
    const res = await fetch(`${server.url}${path}`, { headers: path === "/graphql" ? { accept: "text/html" } : { cookie } });
    const csp = res.headers.get("content-security-policy") ?? "";
    expect(csp, path).toContain("frame-ancestors 'none'");
    expect(csp, path).toContain("default-src 'self'");
    expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
    expect(res.headers.get("referrer-policy"), path).toBe("strict-origin-when-cross-origin");
    expect(res.headers.get("x-frame-options"), path).toBe("DENY");
  }
});

test("hostile console URLs answer 4xx or an empty page, never 5xx", async () => {
  const cookie = await signInCookie(server.url);
  const urls = [...LISTS.flatMap((l) => BAD_QUERIES.map((q) => `${l}?${q}`)), ...BAD_PATHS];
  const failures: string[] = [];
  for (const url of urls) {
    for (const method of ["GET", "POST"]) {
      const res = await fetch(`${server.url}${url}`, { method, headers: { "sec-fetch-site": "same-origin", "content-type": "application/x-www-form-urlencoded", cookie }, body: method === "POST" ? "intent=x" : undefined, redirect: "manual" });
      if (res.status >= 500) failures.push(`${method} ${url.slice(0, 80)}: ${res.status}`);
    }
  }
  expect(failures).toEqual([]);
  const pastTheEnd = await fetch(`${server.url}/deployments?page=99999999999`, { headers: { cookie } });
  expect(pastTheEnd.status).toBe(200);
}, 120_000);
