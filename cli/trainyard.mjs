#!/usr/bin/env node
// The `trainyard` command: loads the TypeScript CLI through tsx. `trainyard gateway` (no options) runs the
// precompiled gateway that `npm run build` writes instead, so a replica carries no TypeScript loader
// (~90 MB less resident memory); with options (`--help`) it goes through the CLI like every command.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const gatewayBundle = fileURLToPath(new URL("../build/gateway.mjs", import.meta.url));
if (process.argv[2] === "gateway" && process.argv.length === 3 && existsSync(gatewayBundle)) {
  // A young generation of 64 MB: each proxied request's objects live as long as its keep-alive
  // connection waits for the next request (often longer than V8's default 16 MB lasts at 1,000
  // requests/s), so with the default nearly half of them were copied and promoted, and each minor GC
  // stalled every request in flight for 10–30 ms (docs/decisions/0036-gateway-process.md).
  const child = spawn(process.execPath, ["--max-semi-space-size=64", gatewayBundle], { stdio: "inherit" });
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("./trainyard.ts");
}
