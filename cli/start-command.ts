import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/**
 * What `npm start` runs once its build is done, as arguments to `node`: package.json's "start" script
 * (`node --max-old-space-size=384 build/server.mjs`, docs/decisions/0040-server-heap-limit.md). The tests
 * and the benchmark start the server with exactly these, so they measure the process users run.
 */
export function serverNodeArgs(): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> };
  const [command, ...args] = pkg.scripts.start!.trim().split(/\s+/);
  if (command !== "node" || !args.some((a) => a.endsWith("server.mjs"))) {
    throw new Error(`package.json's start script should be "node [flags] build/server.mjs", not "${pkg.scripts.start}"`);
  }
  return args;
}
