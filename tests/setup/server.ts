import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { inject } from "vitest";
import { createTestDatabase, type TestDatabase } from "./database.ts";
import { serverNodeArgs } from "../../cli/start-command.ts";

/** The console admin every test server has (TRAINYARD_ADMIN_PASSWORD at start) unless the test says otherwise. */
export const TEST_ADMIN = { name: "admin", password: "e2e-admin-password" } as const;

const cookies = new Map<string, Promise<string>>();

/**
 * Signs in to the console over HTTP as a person would (POST /login) and returns the
 * `Cookie` header value for that session. Cached per server and account.
 */
export function signInCookie(baseUrl: string, account: { name: string; password: string } = TEST_ADMIN): Promise<string> {
  const key = `${baseUrl}|${account.name}|${account.password}`;
  let cookie = cookies.get(key);
  if (!cookie) {
    cookie = (async () => {
      const res = await fetch(`${baseUrl}/login`, { method: "POST", body: new URLSearchParams({ name: account.name, password: account.password }), redirect: "manual" });
      const set = res.headers.get("set-cookie")?.match(/ty_session=[^;]+/)?.[0];
      if (res.status !== 302 || !set) throw new Error(`signing in to ${baseUrl} as "${account.name}" answered ${res.status} (no session cookie)`);
      return set;
    })();
    cookie.catch(() => cookies.delete(key));
    cookies.set(key, cookie);
  }
  return cookie;
}

export interface TestServer {
  url: string;
  /** Everything the server printed, for assertions and for failure messages. */
  output(): string;
  /** Stops the process; `keepData` leaves the data directory for a restart. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, "..", "..");

/**
 * What `npm start` runs: the server compiled by `npm run build` (cli/build-server.mjs), with plain Node and
 * the start script's flags (its heap limit). Tests that start a server process of their own use this too,
 * so they test what users run.
 */
export const SERVER_ENTRY = serverNodeArgs();

/**
 * Starts the built server (`node build/server.mjs`, what `npm start`
 * runs) on a free port, against a fresh database: a new PGlite data directory,
 * or a new PostgreSQL database when the tests run against a server.
 */
export async function startServer(
  options: { env?: Record<string, string>; dataDir?: string; /** A PostgreSQL of the test's own instead of a fresh test database; "" for the embedded one. */ databaseUrl?: string } = {},
): Promise<TestServer & { dataDir: string; pid: number }> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(tmpdir(), "trainyard-e2e-")));
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    PORT: "0",
    HOST: "127.0.0.1",
    TRAINYARD_DATA_DIR: dataDir,
    TRAINYARD_SEED: "on",
    TRAINYARD_ADMIN_USER: TEST_ADMIN.name,
    TRAINYARD_ADMIN_PASSWORD: TEST_ADMIN.password,
    ...options.env,
  };
  // "" in options.env: no admin from the environment (the server then prints a setup link); no NODE_ENV (as `npm start`).
  for (const key of ["TRAINYARD_ADMIN_PASSWORD", "TRAINYARD_ADMIN_USER", "NODE_ENV"]) if (env[key] === "") delete env[key];
  delete env.DATABASE_URL;
  let database: TestDatabase | undefined;
  if (options.databaseUrl !== undefined) {
    // "" keeps the embedded database even when the suite runs against PostgreSQL.
    if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  } else if (inject("testDatabase").kind === "postgres") {
    database = await createTestDatabase({ poolSize: 1 });
    await database.db.close();
    env.DATABASE_URL = database.url!;
  }
  const child = spawn(process.execPath, SERVER_ENTRY, { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = await waitForReady(child, () => output);
  return {
    url,
    dataDir,
    pid: child.pid!,
    output: () => output,
    async stop(stopOptions) {
      await stopChild(child);
      if (stopOptions?.keepData) return;
      if (database) await database.drop().catch(() => {});
      if (!options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

function waitForReady(child: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start within 100 s:\n${output()}`)), 100_000);
    const check = () => {
      const match = output().match(/ready in [\d.]+ s: (http:\/\/\S+)/);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!.replace("localhost", "127.0.0.1"));
      }
    };
    child.stdout!.on("data", check);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with code ${code} before it was ready:\n${output()}`));
    });
  });
}

async function stopChild(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
