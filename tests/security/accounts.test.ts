import { mkdtemp, rm } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { inject } from "vitest";
import { runTrainyard } from "../setup/cli.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { signInCookie, startServer, TEST_ADMIN, type TestServer } from "../setup/server.ts";

/**
 * Console accounts over HTTP, as a browser or an attacker would use them (issue 9): sign-in on
 * every page, the login rate limit, server-side sessions, roles, the audit trail, the CLI's
 * direct-database commands, oversize form bodies.
 */
const VIEWER = { name: "vera-viewer", password: "viewer-password-1" };
const OPERATOR = { name: "otto-operator", password: "operator-password-1" };
const CHANGER = { name: "pat-changer", password: "first-password-1" };

let server: TestServer;
let database: TestDatabase | undefined;
let dataDir: string;
let localSecret: string;
const cliEnv = () => ({ TRAINYARD_DATA_DIR: dataDir, DATABASE_URL: database?.url ?? "" });

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(tmpdir(), "trainyard-accounts-"));
  if (inject("testDatabase").kind === "postgres") {
    database = await createTestDatabase({ poolSize: 1 });
    await database.db.close();
  }
  // Accounts and the first token are made on the host, with the server not yet running (direct database access).
  for (const [who, role] of [[VIEWER, "viewer"], [OPERATOR, "operator"], [CHANGER, "admin"]] as const) {
    const made = await runTrainyard("http://127.0.0.1:9", ["users", "create", "--name", who.name, "--role", role, "--password-stdin"], cliEnv(), { input: `${who.password}\n` });
    expect(made.code, made.stderr).toBe(0);
    expect(made.stdout).toContain(`Created ${role} "${who.name}"`);
  }
  const token = await runTrainyard("http://127.0.0.1:9", ["tokens", "create", "--local", "--name", "bootstrap", "--scopes", "admin,read"], cliEnv());
  expect(token.code, token.stderr).toBe(0);
  localSecret = token.stdout.trim();
  server = await startServer({
    dataDir,
    databaseUrl: database?.url ?? "",
    env: { TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off", TRAINYARD_ROLLOUT: "off" },
  });
}, 180_000);
afterAll(async () => {
  await server?.stop();
  await database?.drop().catch(() => {});
  await rm(dataDir, { recursive: true, force: true });
});

const get = (url: string, cookie?: string) => fetch(`${server.url}${url}`, { headers: cookie ? { cookie } : {}, redirect: "manual" });
const post = (url: string, form: Record<string, string>, cookie?: string) =>
  fetch(`${server.url}${url}`, { method: "POST", headers: cookie ? { cookie } : {}, body: new URLSearchParams(form), redirect: "manual" });
const gql = async <T>(query: string, token = localSecret): Promise<T> => {
  const res = await fetch(`${server.url}/graphql`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
  const body = (await res.json()) as { data: T; errors?: unknown };
  expect(body.errors).toBeUndefined();
  return body.data;
};
const audit = (filter: string) =>
  gql<{ auditEvents: { nodes: Array<{ actor: string; actorKind: string; action: string; outcome: string; errorCode: string | null }> } }>(
    `{ auditEvents(filter: { ${filter} }, first: 50) { nodes { actor actorKind action outcome errorCode } } }`,
  ).then((d) => d.auditEvents.nodes);
const jobCount = async () => (await gql<{ trainingJobs: { totalCount: number } }>("{ trainingJobs { totalCount } }")).trainingJobs.totalCount;

test("every console page needs sign-in: pages redirect to /login, form posts are refused and write nothing", async () => {
  for (const page of ["/", "/models", "/training/jobs", "/training/new", "/deployments", "/activity", "/settings/tokens", "/settings/channels", "/alerts", "/account"]) {
    const res = await get(page);
    expect(res.status, page).toBe(302);
    expect(res.headers.get("location"), page).toMatch(/^\/login/);
  }
  const before = await jobCount();
  const res = await post("/training/new", { baseModelId: "llama-3.2-1b-instruct", datasetId: "contract-clauses", modelName: "nobody", epochs: "1", learningRate: "0.0002", batchSize: "16", loraRank: "8", warmupSteps: "10", seed: "1" });
  expect(res.status).toBe(302);
  expect(res.headers.get("location")).toMatch(/^\/login/);
  expect(await jobCount()).toBe(before);
  // The login page itself answers, and the start said how to sign in.
  expect((await get("/login")).status).toBe(200);
  expect(server.output()).toMatch(/sign in at http:\/\/localhost:\d+\/login as "admin"/);
});

test("a wrong password is refused; after 5 failures the account is rate limited from that address with 429 and Retry-After", async () => {
  const name = OPERATOR.name;
  for (let i = 0; i < 5; i++) {
    const res = await post("/login", { name, password: `wrong-guess-${i}` });
    expect(res.status).toBe(401);
    expect(await res.text()).toContain("That name and password do not match an account.");
  }
  const limited = await post("/login", { name, password: OPERATOR.password });
  expect(limited.status).toBe(429);
  const retryAfter = Number(limited.headers.get("retry-after"));
  expect(retryAfter).toBeGreaterThan(60);
  expect(retryAfter).toBeLessThanOrEqual(15 * 60);
  expect(await limited.text()).toContain("Too many failed sign-in attempts. Try again in 15 minutes.");
  expect(limited.headers.get("set-cookie") ?? "").not.toContain("ty_session=");
  // Other accounts from the same address are unaffected (the per-address limit is 20 failures).
  expect((await post("/login", VIEWER)).status).toBe(302);
  const refused = await audit(`action: "signIn", actor: "${name}"`);
  expect(refused.filter((e) => e.errorCode === "UNAUTHENTICATED")).toHaveLength(5);
  expect(refused.filter((e) => e.errorCode === "RATE_LIMITED").length).toBeGreaterThanOrEqual(1);
});

test("sign-out ends the session on the server: replaying the old cookie is redirected to /login", async () => {
  const res = await post("/login", TEST_ADMIN);
  const cookie = res.headers.get("set-cookie")!.match(/ty_session=[^;]+/)![0];
  expect(cookie).toMatch(/^ty_session=[A-Za-z0-9_-]{43}$/);
  expect(res.headers.get("set-cookie")).toMatch(/HttpOnly/i);
  expect((await get("/deployments", cookie)).status).toBe(200);
  const out = await post("/logout", {}, cookie);
  expect(out.status).toBe(302);
  expect(out.headers.get("set-cookie")).toMatch(/ty_session=;.*Max-Age=0/);
  const replay = await get("/deployments", cookie);
  expect(replay.status).toBe(302);
  expect(replay.headers.get("location")).toMatch(/^\/login/);
  expect((await post("/training/new", { modelName: "replayed" }, cookie)).headers.get("location")).toMatch(/^\/login/);
});

test("changing the password keeps this browser signed in and ends every other session", async () => {
  const signIn = async (password: string) => (await post("/login", { name: CHANGER.name, password })).headers.get("set-cookie")?.match(/ty_session=[^;]+/)?.[0];
  const laptop = (await signIn(CHANGER.password))!;
  const phone = (await signIn(CHANGER.password))!;
  const wrong = await post("/account", { current: "not-the-password", password: "a-new-password-2", confirm: "a-new-password-2" }, laptop);
  expect(wrong.status).toBe(400);
  expect((await get("/deployments", phone)).status).toBe(200);
  const changed = await post("/account?_data=routes%2Faccount", { current: CHANGER.password, password: "a-new-password-2", confirm: "a-new-password-2" }, laptop);
  expect(changed.status).toBe(200);
  expect(((await changed.json()) as { message: string }).message).toBe("Password changed. 1 other session signed out.");
  expect((await get("/deployments", laptop)).status).toBe(200);
  expect((await get("/deployments", phone)).headers.get("location")).toMatch(/^\/login/);
  expect(await signIn(CHANGER.password)).toBeUndefined();
  expect(await signIn("a-new-password-2")).toMatch(/^ty_session=/);
  expect((await audit(`action: "changePassword", actor: "${CHANGER.name}"`)).map((e) => e.outcome).sort()).toEqual(["REFUSED", "SUCCESS"]);
});

test("a viewer reads but cannot post any action: 403, nothing written, the refusal audited under the viewer's name", async () => {
  const cookie = (await post("/login", VIEWER)).headers.get("set-cookie")!.match(/ty_session=[^;]+/)![0];
  expect((await get("/training/jobs", cookie)).status).toBe(200);
  const before = await jobCount();
  const tokensBefore = (await gql<{ apiTokens: { totalCount: number } }>("{ apiTokens { totalCount } }")).apiTokens.totalCount;
  const job = await post("/training/new", { baseModelId: "llama-3.2-1b-instruct", datasetId: "contract-clauses", modelName: "viewer-try", epochs: "1", learningRate: "0.0002", batchSize: "16", loraRank: "8", warmupSteps: "10", seed: "1" }, cookie);
  expect(job.status).toBe(403);
  expect(await job.text()).toContain("viewer role");
  const token = await post("/settings/tokens", { intent: "create", name: "viewer-token", expiry: "30", scopes: "ADMIN" }, cookie);
  expect(token.status).toBe(403);
  expect(await jobCount()).toBe(before);
  expect((await gql<{ apiTokens: { totalCount: number } }>("{ apiTokens { totalCount } }")).apiTokens.totalCount).toBe(tokensBefore);
  const refusals = await audit(`actor: "${VIEWER.name}", outcome: REFUSED`);
  expect(refusals.map((e) => e.action).sort()).toEqual(["console POST /settings/tokens", "console POST /training/new"]);
  expect(refusals.every((e) => e.errorCode === "FORBIDDEN" && e.actorKind === "CONSOLE")).toBe(true);
  // An operator may train but not manage tokens.
  const op = (await post("/login", OPERATOR)).headers.get("set-cookie");
  if (op) {
    const opCookie = op.match(/ty_session=[^;]+/)![0];
    expect((await post("/settings/tokens", { intent: "create", name: "op-token", expiry: "30", scopes: "ADMIN" }, opCookie)).status).toBe(403);
  }
});

test("console actions are audited under the person's name; the CLI's local token under local:<os user>", async () => {
  const cookie = await signInCookie(server.url);
  const res = await post("/settings/tokens?_data=routes%2Fsettings.tokens", { intent: "create", name: "made-by-admin", expiry: "30", scopes: "READ" }, cookie);
  expect(res.status).toBe(200);
  const rows = await audit(`action: "createApiToken"`);
  expect(rows).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ actor: TEST_ADMIN.name, actorKind: "CONSOLE", outcome: "SUCCESS" }),
      expect.objectContaining({ actor: expect.stringMatching(/^local:.+/), actorKind: "SYSTEM", outcome: "SUCCESS" }),
    ]),
  );
  expect(rows.some((e) => e.actor === "console")).toBe(false);
  const users = await audit(`action: "createUser"`);
  expect(users.filter((e) => /^local:/.test(e.actor))).toHaveLength(3);
  // The token the CLI minted works over HTTP.
  const tokens = await runTrainyard(server.url, ["tokens", "list", "--json"], { TRAINYARD_TOKEN: localSecret });
  expect(tokens.code, tokens.stderr).toBe(0);
  expect(JSON.parse(tokens.stdout).nodes.map((t: { name: string }) => t.name)).toEqual(expect.arrayContaining(["bootstrap", "made-by-admin"]));
});

/** A raw HTTP POST (optionally chunked), resolving with the status the server answered. */
function rawPost(url: string, bytes: number, chunked: boolean, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: "POST", headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...(chunked ? { "transfer-encoding": "chunked" } : { "content-length": String(bytes) }) } },
      (res) => {
        res.resume();
        resolve(res.statusCode!);
      },
    );
    req.on("error", reject);
    const chunk = Buffer.alloc(64 * 1024, "a");
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const n = Math.min(chunk.length, bytes - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once("drain", pump);
      }
      req.end();
    };
    pump();
  });
}

test("oversize console form and API bodies answer 413, chunked or not, instead of a connection reset", async () => {
  const cookie = await signInCookie(server.url);
  const before = await jobCount();
  expect(await rawPost(`${server.url}/training/new`, 10 * 1024 * 1024, true, cookie)).toBe(413);
  expect(await rawPost(`${server.url}/training/new`, 3 * 1024 * 1024, false, cookie)).toBe(413);
  expect(await rawPost(`${server.url}/login`, 2 * 1024 * 1024, true, "")).toBe(413);
  // The API's own limit (graphql/yoga.ts, 1 MB), counted as the body streams: no Content-Length to trust.
  expect(await rawPost(`${server.url}/graphql`, 3 * 1024 * 1024, true, "")).toBe(413);
  expect(await jobCount()).toBe(before);
  // The server still answers afterwards.
  expect((await get("/deployments", cookie)).status).toBe(200);
}, 60_000);

test("the CLI refuses bad account input with a clear line and exit code 4, writing nothing", async () => {
  // The embedded database is locked by the running server; on PostgreSQL the CLI works next to it.
  if (!database) return;
  const short = await runTrainyard(server.url, ["users", "create", "--name", "short-pw", "--role", "viewer", "--password-stdin"], cliEnv(), { input: "short\n" });
  expect(short.code).toBe(4);
  expect(short.stderr).toContain("Password must be at least 12 characters");
  const dup = await runTrainyard(server.url, ["users", "create", "--name", VIEWER.name, "--role", "viewer", "--password-stdin"], cliEnv(), { input: "long-enough-password\n" });
  expect(dup.code).toBe(4);
  expect(dup.stderr).toContain("already exists");
  const list = await runTrainyard(server.url, ["users", "list", "--json"], cliEnv());
  expect(JSON.parse(list.stdout).map((u: { name: string }) => u.name).sort()).toEqual([TEST_ADMIN.name, OPERATOR.name, VIEWER.name, CHANGER.name].sort());
}, 120_000);
