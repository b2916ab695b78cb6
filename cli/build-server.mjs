// `npm run build`'s last step: the web server (cli/server.ts and everything of ours it imports) compiled
// once into build/server.mjs, which `npm start` and the tests run with plain Node, and the standalone
// gateway (cli/gateway.ts) into build/gateway.mjs, which `trainyard gateway` runs (203 MB resident after
// 10 s at 1,000 requests/s, against 296 MB through tsx). Packages stay external (loaded from node_modules
// as usual). Running the TypeScript through tsx at start-up instead cost
// ~120 MB of resident memory (its loader thread, esbuild service and source maps) and seconds of start-up
// (docs/decisions/0028-precompiled-server.md). `npm run dev` still runs the sources through tsx.
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const started = performance.now();
await build({
  absWorkingDir: root,
  // The web server (`npm start`) and the standalone inference gateway (`trainyard gateway`).
  // build/server.mjs is cli/server-entry.mjs (copied below): it sets NODE_ENV's default before server-main.mjs loads.
  entryPoints: { "server-main": "cli/server.ts", gateway: "cli/gateway.ts", "graphiql-assets": "graphql/graphiql.ts" },
  outdir: "build",
  outExtension: { ".js": ".mjs" },
  bundle: true,
  packages: "external",
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  legalComments: "none",
});
fs.copyFileSync(path.join(root, "cli", "server-entry.mjs"), path.join(root, "build", "server.mjs"));
// The GraphiQL playground's files, written once here so the server never loads their ~27 MB module (graphql/graphiql.ts).
fs.rmSync(path.join(root, "build", "graphiql"), { recursive: true, force: true });
const { writeGraphiqlAssets } = await import(pathToFileURL(path.join(root, "build", "graphiql-assets.mjs")).href);
await writeGraphiqlAssets();
console.log(`[build] build/server.mjs, build/gateway.mjs, build/graphiql/ in ${((performance.now() - started) / 1000).toFixed(1)} s`);
