import { spawn } from "node:child_process";
import path from "node:path";
import { signInCookie } from "./server.ts";

const ROOT = path.resolve(import.meta.dirname, "..", "..");

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the installed `trainyard` command against `serverUrl` the way a CI step would, with no token unless `env` gives one. */
export function runTrainyard(serverUrl: string, args: string[], env: Record<string, string | undefined> = {}, options: { input?: string } = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, "cli/trainyard.mjs"), ...args], {
      cwd: ROOT,
      env: { ...process.env, TRAINYARD_URL: serverUrl, TRAINYARD_TOKEN: "", ...env } as NodeJS.ProcessEnv,
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    child.once("error", reject);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A token made from the console's token page (the operator's browser session), as the first token is in a real setup. Returns its secret. */
export async function createTokenFromConsole(serverUrl: string, name: string, scopes: string[]): Promise<string> {
  const res = await fetch(`${serverUrl}/settings/tokens?_data=routes%2Fsettings.tokens`, {
    method: "POST",
    headers: { cookie: await signInCookie(serverUrl) },
    body: new URLSearchParams([["intent", "create"], ["name", name], ...scopes.map((s) => ["scopes", s]), ["expiry", "30"]]),
  });
  if (res.status !== 200) throw new Error(`creating token ${name} answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { created: { secret: string } }).created.secret;
}
