import { parseArgs, type ParseArgsConfig } from "node:util";
import { ClientError, GraphQLClient } from "graphql-request";
import { exitWithOneLine } from "./fail.ts";
import { commandUsage, wantsHelp } from "./commands/help.ts";
import { SCOPES } from "../graphql/scopes.ts";

const USAGE = `Usage: trainyard <command> [options]

API commands (talk to a running Trainyard over HTTP):
  deploy --job ID [--upstream URL] [--wait] [--timeout S] [--json]
                         deploy a COMPLETE training job; --upstream is where its
                         model server listens (ACTIVE once GET URL/health answers
                         2xx; without it the simulated model server answers);
                         --wait returns when the deployment is ACTIVE (default
                         timeout 600 s)
  jobs list [--status S[,S]] [--limit N] [--json]
  deployments list [--status S[,S]] [--model TEXT] [--limit N] [--json]
  tokens create --name NAME --scopes read,deploy [--expires-in 30d | --expires-at DATE] [--json]
  tokens list [--json]
  tokens revoke ID [--json]

  Environment: TRAINYARD_URL (default http://localhost:3000), TRAINYARD_TOKEN (an API token).

Operations (use DATABASE_URL, or the embedded database in TRAINYARD_DATA_DIR):
  users create --name NAME (--admin | --role viewer|operator|admin) [--password-stdin]
                                         create a console account (prompts for the password on a
                                         terminal; --password-stdin reads its first line)
  users list [--json]                    the console accounts and their roles
  users set-password --name NAME [--password-stdin]
                                         set a password; every session of that account ends
  tokens create --local --name NAME --scopes admin[,…] [--expires-in 30d] [--json]
                                         mint an API token on this host without HTTP (the first
                                         token); prints the secret once; audited as local:<os user>
  migrate [--resolve-rolled-back NAME]   apply pending migrations
  seed                                   write the demo data (idempotent)
  serve                                  run the web console and API (PORT, default 3000)
  gateway                                run the inference gateway on its own (DATABASE_URL; TRAINYARD_GATEWAY_PORT, default 8080)

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 authentication or permission,
4 refused (e.g. job not complete, already deployed, not found), 5 rollout failed,
6 timed out waiting, 7 server unreachable. See docs/cli.md.
`;

/** Exit codes are part of the CLI's contract: CI scripts branch on them (docs/cli.md). */
const EXIT = { ok: 0, error: 1, usage: 2, auth: 3, refused: 4, rolloutFailed: 5, timeout: 6, unreachable: 7 } as const;

class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code?: string,
    /** The server's own message, without the code appended (for --json). */
    readonly serverMessage?: string,
  ) {
    super(message);
  }
}

const AUTH_CODES = new Set(["UNAUTHENTICATED", "FORBIDDEN"]);

// ---------------------------------------------------------------------------
// The API client

interface Api {
  url: string;
  request<T>(document: string, variables?: Record<string, unknown>): Promise<T>;
}

function apiFromEnv(env = process.env): Api {
  const base = (env.TRAINYARD_URL?.trim() || "http://localhost:3000").replace(/\/+$/, "");
  const url = base.endsWith("/graphql") ? base : `${base}/graphql`;
  const token = env.TRAINYARD_TOKEN?.trim();
  const client = new GraphQLClient(url, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return {
    url,
    async request<T>(document: string, variables?: Record<string, unknown>) {
      try {
        return await client.request<T>({ document, variables, signal: AbortSignal.timeout(30_000) });
      } catch (err) {
        throw describeFailure(err, url);
      }
    },
  };
}

/** Turns what went wrong on the wire into one line and the exit code a script can act on. */
function describeFailure(err: unknown, url: string): CliError {
  if (err instanceof ClientError) {
    const first = err.response.errors?.[0];
    const code = (first?.extensions as { code?: string } | undefined)?.code;
    if (first) {
      if (code && AUTH_CODES.has(code)) return new CliError(`${first.message} (${code})`, EXIT.auth, code, first.message);
      return new CliError(`${first.message}${code ? ` (${code})` : ""}`, EXIT.error, code, first.message);
    }
    if (err.response.status === 401 || err.response.status === 403) {
      return new CliError(`the server refused the request (HTTP ${err.response.status})`, EXIT.auth);
    }
    return new CliError(`no Trainyard API at ${url} (HTTP ${err.response.status}); check TRAINYARD_URL`, EXIT.unreachable);
  }
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return new CliError(`no answer from ${url} within 30 s`, EXIT.unreachable);
  }
  if (e instanceof TypeError || e?.cause?.code) {
    const reason = e.cause?.code ?? e.cause?.message ?? e.message;
    return new CliError(`cannot reach Trainyard at ${url} (${reason}); check TRAINYARD_URL and that the server is running`, EXIT.unreachable);
  }
  if (e instanceof SyntaxError) return new CliError(`no Trainyard API at ${url} (the response is not JSON); check TRAINYARD_URL`, EXIT.unreachable);
  return new CliError(e?.message ?? String(err), EXIT.error);
}

/** A mutation's result union: success, or an expected error with a stable code. */
function unwrap<T extends { __typename: string }>(result: T & { code?: string; message?: string }, success: string): T {
  if (result.__typename === success) return result;
  const code = result.code ?? result.__typename;
  const message = result.message ?? result.__typename;
  throw new CliError(`${message} (${code})`, AUTH_CODES.has(code) ? EXIT.auth : EXIT.refused, code, message);
}

// ---------------------------------------------------------------------------
// Output

function table(rows: Array<Record<string, string>>, empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const headers = Object.keys(rows[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), ...rows.map((r) => line(headers.map((h) => r[h] ?? "")))].join("\n") + "\n";
}

const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—");
const print = (text: string) => process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));
const note = (line: string) => process.stderr.write(`${line}\n`);

// ---------------------------------------------------------------------------
// Commands

function parse<O extends NonNullable<ParseArgsConfig["options"]>>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { json: { type: "boolean" }, ...options }, allowPositionals, strict: true });
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.usage);
  }
}

const statusList = (value: string | undefined, allowed: readonly string[]) => {
  if (!value) return undefined;
  const list = value.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
  const bad = list.find((s) => !allowed.includes(s));
  if (bad) throw new CliError(`unknown status "${bad}"; use one of ${allowed.join(", ")}`, EXIT.usage);
  return list;
};

function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new CliError(`--${name} must be a positive number (got "${value}")`, EXIT.usage);
  return n;
}

const POLL_INTERVAL_MS = 1000;
const DEPLOYMENT_FIELDS = "id modelName version status endpointUrl failureReason createdAt";

interface Deployment {
  id: string;
  modelName: string;
  version: string;
  status: string;
  endpointUrl: string;
  failureReason: string | null;
  createdAt: string;
}

async function deploy(api: Api, args: string[]) {
  const { values } = parse(args, {
    job: { type: "string" },
    upstream: { type: "string" },
    wait: { type: "boolean" },
    timeout: { type: "string" },
  });
  if (!values.job) throw new CliError("deploy needs --job ID (see `trainyard jobs list --status COMPLETE`)", EXIT.usage);
  const timeoutSeconds = positiveNumber(values.timeout, "timeout", 600);
  const data = await api.request<{ deployJob: Deployment & { __typename: string; code?: string; message?: string; deployment: Deployment } }>(
    `mutation Deploy($jobId: ID!, $upstreamUrl: String) {
      deployJob(jobId: $jobId, upstreamUrl: $upstreamUrl) {
        __typename
        ... on DeployJobSuccess { deployment { ${DEPLOYMENT_FIELDS} } }
        ... on Error { code message }
      }
    }`,
    { jobId: values.job, upstreamUrl: values.upstream ?? null },
  );
  let deployment = unwrap(data.deployJob, "DeployJobSuccess").deployment;
  if (!values.json) print(`Deploying ${deployment.modelName} ${deployment.version} (deployment ${deployment.id})`);
  const started = Date.now();
  if (values.wait) {
    deployment = await waitForRollout(api, deployment, { timeoutMs: timeoutSeconds * 1000, intervalMs: POLL_INTERVAL_MS, quiet: Boolean(values.json) });
  }
  const waitedSeconds = values.wait ? Math.round((Date.now() - started) / 100) / 10 : undefined;
  if (values.json) printJson({ deployment, ...(waitedSeconds === undefined ? {} : { waitedSeconds }) });
  else if (values.wait) print(`${deployment.status}: ${deployment.endpointUrl} (after ${waitedSeconds} s)`);
  else print(`${deployment.status}: ${deployment.endpointUrl}\nRun with --wait to block until it is ACTIVE.`);
}

async function waitForRollout(api: Api, initial: Deployment, options: { timeoutMs: number; intervalMs: number; quiet: boolean }) {
  const deadline = Date.now() + options.timeoutMs;
  let current = initial;
  let lastProblem: CliError | undefined;
  for (;;) {
    if (current.status === "ACTIVE") return current;
    if (current.status === "FAILED" || current.status === "RETIRED") {
      throw new CliError(
        `rollout of ${current.modelName} ${current.version} ended ${current.status}${current.failureReason ? `: ${current.failureReason}` : ""}`,
        EXIT.rolloutFailed,
        current.status,
      );
    }
    if (Date.now() >= deadline) {
      const seconds = Math.round(options.timeoutMs / 1000);
      const extra = lastProblem ? `; last error: ${lastProblem.message}` : "";
      throw new CliError(`${current.modelName} ${current.version} is still ${current.status} after ${seconds} s${extra}`, EXIT.timeout, "TIMEOUT");
    }
    await new Promise((r) => setTimeout(r, Math.min(options.intervalMs, Math.max(0, deadline - Date.now()))));
    try {
      const data = await api.request<{ deployment: Deployment | null }>(
        `query Rollout($id: ID!) { deployment(id: $id) { ${DEPLOYMENT_FIELDS} } }`,
        { id: initial.id },
      );
      if (!data.deployment) throw new CliError(`deployment ${initial.id} disappeared while waiting`, EXIT.rolloutFailed);
      if (!options.quiet && data.deployment.status !== current.status) note(`${data.deployment.status.toLowerCase()}…`);
      current = data.deployment;
      lastProblem = undefined;
    } catch (err) {
      // A dropped connection during a rollout is not the rollout failing: keep polling until the deadline.
      if (err instanceof CliError && err.exitCode === EXIT.unreachable) lastProblem = err;
      else throw err;
    }
  }
}

const JOB_STATUSES = ["QUEUED", "RUNNING", "COMPLETE", "FAILED", "CANCELLED"] as const;
const DEPLOYMENT_STATUSES = ["DEPLOYING", "ACTIVE", "PAUSED", "FAILED", "RETIRED"] as const;

async function listJobs(api: Api, args: string[]) {
  const { values } = parse(args, { status: { type: "string" }, limit: { type: "string" } });
  const status = statusList(values.status, JOB_STATUSES);
  const first = Math.min(positiveNumber(values.limit, "limit", 20), 200);
  const data = await api.request<{
    trainingJobs: {
      totalCount: number;
      nodes: Array<{ id: string; modelName: string; status: string; progress: number; createdAt: string; baseModel: { name: string } }>;
    };
  }>(
    `query Jobs($first: Int, $filter: TrainingJobFilter) {
      trainingJobs(first: $first, filter: $filter, sort: { field: CREATED, direction: DESC }) {
        totalCount
        nodes { id modelName status progress createdAt baseModel { name } }
      }
    }`,
    { first, filter: status ? { status } : null },
  );
  if (values.json) return printJson(data.trainingJobs);
  print(
    table(
      data.trainingJobs.nodes.map((j) => ({
        ID: j.id,
        MODEL: j.modelName,
        "BASE MODEL": j.baseModel.name,
        STATUS: j.status,
        PROGRESS: `${Math.round(j.progress * 100)}%`,
        CREATED: when(j.createdAt),
      })),
      "No training jobs found.",
    ),
  );
  if (data.trainingJobs.totalCount > data.trainingJobs.nodes.length) note(`${data.trainingJobs.nodes.length} of ${data.trainingJobs.totalCount} shown; use --limit`);
}

async function listDeployments(api: Api, args: string[]) {
  const { values } = parse(args, { status: { type: "string" }, model: { type: "string" }, limit: { type: "string" } });
  const status = statusList(values.status, DEPLOYMENT_STATUSES);
  const first = Math.min(positiveNumber(values.limit, "limit", 20), 200);
  const data = await api.request<{ deployments: { totalCount: number; nodes: Deployment[] } }>(
    `query Deployments($first: Int, $filter: DeploymentFilter) {
      deployments(first: $first, filter: $filter, sort: { field: DEPLOYED, direction: DESC }) {
        totalCount
        nodes { ${DEPLOYMENT_FIELDS} }
      }
    }`,
    { first, filter: { ...(status ? { status } : {}), ...(values.model ? { modelName: values.model } : {}) } },
  );
  if (values.json) return printJson(data.deployments);
  print(
    table(
      data.deployments.nodes.map((d) => ({
        ID: d.id,
        MODEL: d.modelName,
        VERSION: d.version,
        STATUS: d.status,
        ENDPOINT: d.endpointUrl,
        DEPLOYED: when(d.createdAt),
      })),
      "No deployments found.",
    ),
  );
  if (data.deployments.totalCount > data.deployments.nodes.length) note(`${data.deployments.nodes.length} of ${data.deployments.totalCount} shown; use --limit`);
}

const TOKEN_FIELDS = "id name prefix scopes status createdAt lastUsedAt expiresAt revokedAt";

interface Token {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  status: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

function expiryFrom(values: { "expires-in"?: string; "expires-at"?: string }): string | null {
  if (values["expires-in"] && values["expires-at"]) throw new CliError("use --expires-in or --expires-at, not both", EXIT.usage);
  if (values["expires-at"]) {
    const date = new Date(values["expires-at"]);
    if (Number.isNaN(date.getTime())) throw new CliError(`--expires-at must be a date such as 2027-01-31 (got "${values["expires-at"]}")`, EXIT.usage);
    return date.toISOString();
  }
  if (values["expires-in"]) {
    const match = /^(\d+)\s*([hdw])$/.exec(values["expires-in"].trim());
    if (!match) throw new CliError(`--expires-in takes hours, days or weeks, e.g. 12h, 30d, 8w (got "${values["expires-in"]}")`, EXIT.usage);
    const hours = Number(match[1]) * { h: 1, d: 24, w: 168 }[match[2] as "h" | "d" | "w"];
    return new Date(Date.now() + hours * 3_600_000).toISOString();
  }
  return null;
}

async function tokens(api: Api, args: string[]) {
  const [sub, ...rest] = args;
  switch (sub) {
    case "create": {
      const { values } = parse(rest, {
        name: { type: "string" },
        scopes: { type: "string" },
        "expires-in": { type: "string" },
        "expires-at": { type: "string" },
      });
      if (!values.name || !values.scopes) throw new CliError("tokens create needs --name NAME and --scopes read,deploy,…", EXIT.usage);
      const asked = values.scopes.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
      // The scopes the API knows (graphql/scopes.ts): a typo is a usage error here, not a raw GraphQL error.
      const unknown = asked.filter((s) => !(SCOPES as readonly string[]).includes(s));
      if (unknown.length || asked.length === 0) {
        throw new CliError(`unknown scope${unknown.length === 1 ? "" : "s"} ${unknown.map((u) => `"${u}"`).join(", ") || "(none given)"}; use one or more of ${SCOPES.join(", ")}`, EXIT.usage);
      }
      const scopes = asked.map((s) => s.toUpperCase());
      const data = await api.request<{ createApiToken: { __typename: string; code?: string; message?: string; secret: string; token: Token } }>(
        `mutation CreateToken($input: CreateApiTokenInput!) {
          createApiToken(input: $input) {
            __typename
            ... on CreateApiTokenSuccess { secret token { ${TOKEN_FIELDS} } }
            ... on Error { code message }
          }
        }`,
        { input: { name: values.name, scopes, expiresAt: expiryFrom(values) } },
      );
      const { token, secret } = unwrap(data.createApiToken, "CreateApiTokenSuccess");
      if (values.json) return printJson({ ...token, secret });
      print(secret);
      note(`Created token "${token.name}" (${token.prefix}…, scopes: ${token.scopes.join(", ").toLowerCase()}${token.expiresAt ? `, expires ${when(token.expiresAt)}` : ""}).`);
      note("Store the secret now (e.g. as a CI secret named TRAINYARD_TOKEN): it is not shown again.");
      return;
    }
    case "list": {
      const { values } = parse(rest, {});
      const data = await api.request<{ apiTokens: { totalCount: number; nodes: Token[] } }>(
        `query Tokens { apiTokens(first: 200) { totalCount nodes { ${TOKEN_FIELDS} } } }`,
      );
      if (values.json) return printJson(data.apiTokens);
      print(
        table(
          data.apiTokens.nodes.map((t) => ({
            ID: t.id,
            NAME: t.name,
            PREFIX: `${t.prefix}…`,
            SCOPES: t.scopes.join(",").toLowerCase(),
            STATUS: t.status,
            CREATED: when(t.createdAt),
            "LAST USED": t.lastUsedAt ? when(t.lastUsedAt) : "never",
            EXPIRES: t.expiresAt ? when(t.expiresAt) : "never",
          })),
          "No API tokens yet. Create one with `trainyard tokens create` or on /settings/tokens.",
        ),
      );
      return;
    }
    case "revoke": {
      const { values, positionals } = parse(rest, {}, true);
      if (positionals.length !== 1) throw new CliError("tokens revoke needs exactly one token ID (see `trainyard tokens list`)", EXIT.usage);
      const data = await api.request<{ revokeApiToken: { __typename: string; code?: string; message?: string; token: Token } }>(
        `mutation Revoke($id: ID!) {
          revokeApiToken(id: $id) {
            __typename
            ... on RevokeApiTokenSuccess { token { ${TOKEN_FIELDS} } }
            ... on Error { code message }
          }
        }`,
        { id: positionals[0] },
      );
      const { token } = unwrap(data.revokeApiToken, "RevokeApiTokenSuccess");
      if (values.json) return printJson(token);
      print(`Revoked "${token.name}" (${token.prefix}…) at ${when(token.revokedAt)}`);
      return;
    }
    default:
      throw new CliError(sub ? `unknown tokens command "${sub}"; use create, list or revoke` : "tokens needs create, list or revoke", EXIT.usage);
  }
}

// ---------------------------------------------------------------------------
// Operations: these open the database directly, so they load it only when asked.

async function withDatabase<T>(fn: (db: import("../graphql/db.ts").Database) => Promise<T>): Promise<T> {
  const { loadConfig } = await import("../graphql/config.ts");
  const { openDatabase } = await import("../graphql/db.ts");
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** The operator at this host's shell, as the audit trail names them. */
async function localActor() {
  const { userInfo } = await import("node:os");
  const { systemActor } = await import("../graphql/context.ts");
  let who = process.env.USER || process.env.LOGNAME || "unknown";
  try {
    who = userInfo().username || who;
  } catch {
    // no passwd entry (containers): keep the environment's name
  }
  return systemActor(`local:${who}`);
}

/** Opens the database the server uses (migrating it, so this works before the first start). */
async function withMigratedDatabase<T>(fn: (db: import("../graphql/db.ts").Database) => Promise<T>): Promise<T> {
  const { applyMigrations } = await import("../prisma/migrate.ts");
  return withDatabase(async (db) => {
    await applyMigrations(db);
    return fn(db);
  });
}

async function readPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    let data = "";
    for await (const chunk of process.stdin) data += chunk;
    return data.split(/\r?\n/)[0] ?? "";
  }
  if (!process.stdin.isTTY) throw new CliError("no terminal to ask for the password on: pass it with --password-stdin", EXIT.usage);
  const ask = async (prompt: string) => {
    const { createInterface } = await import("node:readline");
    const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
    const muted = rl as unknown as { _writeToOutput: (s: string) => void };
    process.stderr.write(prompt);
    muted._writeToOutput = () => {};
    const answer = await new Promise<string>((resolve) => rl.question("", resolve));
    rl.close();
    process.stderr.write("\n");
    return answer;
  };
  const first = await ask("Password: ");
  if ((await ask("Repeat it: ")) !== first) throw new CliError("the two passwords differ", EXIT.usage);
  return first;
}

/** A service failure with a stable code (validation, conflict, not found) as a refused CLI run. */
async function refusedOnError<T>(work: () => Promise<T>): Promise<T> {
  const { BaseError } = await import("../graphql/errors.ts");
  try {
    return await work();
  } catch (err) {
    if (err instanceof BaseError) throw new CliError(`${err.message} (${err.code})`, EXIT.refused, err.code, err.message);
    throw err;
  }
}

async function users(args: string[]) {
  const [sub, ...rest] = args;
  const accounts = await import("../graphql/services/accounts.ts");
  const { runMutation } = await import("../graphql/audit.ts");
  const { contextFor } = await import("../graphql/context.ts");
  switch (sub) {
    case "create": {
      const { values } = parse(rest, { name: { type: "string" }, admin: { type: "boolean" }, role: { type: "string" }, "password-stdin": { type: "boolean" } });
      if (!values.name) throw new CliError("users create needs --name NAME", EXIT.usage);
      if (values.admin && values.role && values.role.toUpperCase() !== "ADMIN") throw new CliError("use --admin or --role, not both", EXIT.usage);
      const role = values.admin ? "ADMIN" : values.role;
      if (!role) throw new CliError("users create needs --admin or --role viewer|operator|admin", EXIT.usage);
      const password = await readPassword(values["password-stdin"] ?? false);
      const actor = await localActor();
      const user = await withMigratedDatabase((db) =>
        refusedOnError(() =>
          runMutation(contextFor(db, actor), { action: "createUser", scope: "admin", targetType: "User", targetId: values.name }, (tx) =>
            accounts.createUser(tx, { name: values.name, password, role }),
          ),
        ),
      );
      if (values.json) return printJson(user);
      print(`Created ${user.role.toLowerCase()} "${user.name}". Sign in at /login.`);
      return;
    }
    case "list": {
      const { values } = parse(rest, {});
      const list = await withMigratedDatabase((db) => accounts.listUsers(db.prisma));
      if (values.json) return printJson(list);
      print(
        table(
          list.map((u) => ({ NAME: u.name, ROLE: u.role.toLowerCase(), CREATED: when(u.createdAt.toISOString()), "PASSWORD SET": when(u.passwordChangedAt.toISOString()) })),
          "No console accounts yet. Create the first admin with `trainyard users create --admin --name NAME`.",
        ),
      );
      return;
    }
    case "set-password": {
      const { values } = parse(rest, { name: { type: "string" }, "password-stdin": { type: "boolean" } });
      if (!values.name) throw new CliError("users set-password needs --name NAME", EXIT.usage);
      const password = await readPassword(values["password-stdin"] ?? false);
      const actor = await localActor();
      const result = await withMigratedDatabase((db) =>
        refusedOnError(() =>
          runMutation(contextFor(db, actor), { action: "setPassword", scope: "admin", targetType: "User", targetId: values.name }, (tx) =>
            accounts.setPassword(tx, { name: values.name, password }),
          ),
        ),
      );
      if (values.json) return printJson({ name: result.user.name, sessionsEnded: result.sessionsEnded });
      print(`Password of "${result.user.name}" set; ${result.sessionsEnded} session${result.sessionsEnded === 1 ? "" : "s"} ended.`);
      return;
    }
    default:
      throw new CliError(sub ? `unknown users command "${sub}"; use create, list or set-password` : "users needs create, list or set-password", EXIT.usage);
  }
}

/** `tokens create --local`: the first API token, minted with direct database access (no HTTP, no console). */
async function localToken(args: string[]) {
  const { values } = parse(args, { name: { type: "string" }, scopes: { type: "string" }, "expires-in": { type: "string" }, "expires-at": { type: "string" } });
  if (!values.name || !values.scopes) throw new CliError("tokens create --local needs --name NAME and --scopes admin,…", EXIT.usage);
  const scopes = values.scopes.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const expiresAt = expiryFrom(values);
  const { createApiToken } = await import("../graphql/services/tokens.ts");
  const { runMutation } = await import("../graphql/audit.ts");
  const { contextFor } = await import("../graphql/context.ts");
  const actor = await localActor();
  const { token, secret } = await withMigratedDatabase((db) =>
    refusedOnError(() =>
      runMutation(
        contextFor(db, actor),
        { action: "createApiToken", scope: "admin", targetType: "ApiToken", detail: { name: values.name!, scopes, via: "local" } },
        (tx) => createApiToken(tx, { input: { name: values.name!, scopes: scopes as never, expiresAt: expiresAt ? new Date(expiresAt) : null }, actor: actor.name }),
        (r) => ({ targetId: r.token.id }),
      ),
    ),
  );
  if (values.json) return printJson({ id: token.id, name: token.name, prefix: token.prefix, scopes: token.scopes, expiresAt: token.expiresAt, secret });
  print(secret);
  note(`Created token "${token.name}" (${token.prefix}…, scopes: ${token.scopes.join(", ")}${token.expiresAt ? `, expires ${when(token.expiresAt.toISOString())}` : ""}) as ${actor.name}.`);
  note("Store the secret now (e.g. as a CI secret named TRAINYARD_TOKEN): it is not shown again.");
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  const wantsJson = rest.includes("--json");
  // `trainyard <command> --help` (any subcommand): its usage on stdout, exit 0, nothing else runs.
  if (command && !command.startsWith("-") && command !== "help" && wantsHelp(rest)) {
    const text = commandUsage(USAGE, command);
    if (text) {
      process.stdout.write(text);
      return;
    }
  }
  try {
    switch (command) {
      case "deploy":
        return await deploy(apiFromEnv(), rest);
      case "jobs":
        if (rest[0] !== "list") throw new CliError('use "trainyard jobs list"', EXIT.usage);
        return await listJobs(apiFromEnv(), rest.slice(1));
      case "deployments":
        if (rest[0] !== "list") throw new CliError('use "trainyard deployments list"', EXIT.usage);
        return await listDeployments(apiFromEnv(), rest.slice(1));
      case "tokens":
        if (rest[0] === "create" && rest.includes("--local")) return await localToken(rest.slice(1).filter((a) => a !== "--local"));
        return await tokens(apiFromEnv(), rest);
      case "users":
        return await users(rest);
      case "migrate": {
        const { values } = parse(rest, { "resolve-rolled-back": { type: "string" } });
        const { applyMigrations, resolveRolledBack } = await import("../prisma/migrate.ts");
        await withDatabase(async (db) => {
          const name = values["resolve-rolled-back"];
          if (name) {
            const ok = await resolveRolledBack(db, name);
            console.log(ok ? `marked ${name} as rolled back` : `no failed migration named ${name}`);
            if (!ok) process.exitCode = 1;
            return;
          }
          const result = await applyMigrations(db, { log: (l) => console.log(l) });
          for (const w of result.warnings) console.warn(`warning: ${w}`);
          console.log(`${db.label}: ${result.applied.length} applied, ${result.alreadyApplied} already applied`);
        });
        return;
      }
      case "seed": {
        parse(rest, {});
        const { applyMigrations } = await import("../prisma/migrate.ts");
        const { seedDemoData } = await import("../prisma/seed.ts");
        await withDatabase(async (db) => {
          await applyMigrations(db);
          const result = await seedDemoData(db);
          console.log(
            `${db.label}: ${result.baseModels} base models, ${result.datasets} datasets; demo history ${result.demoHistoryWritten ? "written" : "already present"}`,
          );
        });
        return;
      }
      case "serve": {
        parse(rest, {});
        const { loadConfig } = await import("../graphql/config.ts");
        const { serve } = await import("./server.ts");
        const running = await serve(loadConfig());
        const stop = () => void running.close().then(() => process.exit(0));
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        return;
      }
      case "gateway": {
        parse(rest, {});
        const { loadConfig } = await import("../graphql/config.ts");
        const { startGatewayServer } = await import("./gateway.ts");
        const running = await startGatewayServer(loadConfig());
        const stop = () => void running.close().then(() => process.exit(0));
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
        return;
      }
      case undefined:
      case "help":
      case "--help":
      case "-h":
        process.stdout.write(USAGE);
        return;
      default:
        throw new CliError(`unknown command "${command}"`, EXIT.usage);
    }
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    if (wantsJson) printJson({ error: { code: err.code ?? null, message: err.serverMessage ?? err.message, exitCode: err.exitCode } });
    console.error(`trainyard: ${err.message}`);
    if (err.exitCode === EXIT.usage) process.stderr.write("Run `trainyard help` for usage.\n");
    process.exit(err.exitCode);
  }
}

main(process.argv.slice(2)).catch(exitWithOneLine);
