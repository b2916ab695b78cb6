/**
 * `npm run bench:js`: the JavaScript (gzip) each page of the built console loads,
 * from Remix's browser manifest (entry + the route's chain from root) and esbuild's
 * metafile (chunks a route imports on demand — the charts, the deployment page's alert rules card —
 * are counted as "on demand": the page fetches them after its first load, when it draws them), and
 * Sonner, which app/components/toaster.tsx fetches with the first toast a page shows (after an action or a
 * redirect that carries one: ADR 0045), shown in a column of its own and not in the page's total.
 * Run `npm run build` first. `--json` prints the rows as JSON; `--max KB` exits 1
 * when a page (with what it loads on draw) is heavier.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";

interface ManifestRoute {
  id: string;
  parentId?: string;
  path?: string;
  index?: boolean;
  module: string;
  imports?: string[];
}
interface Manifest {
  entry: { module: string; imports: string[] };
  routes: Record<string, ManifestRoute>;
}
interface Metafile {
  outputs: Record<string, { imports: Array<{ path: string; kind: string }>; entryPoint?: string }>;
}

/** The module app/components/toaster.tsx loads with a page's first toast. */
const ON_TOAST = "app/components/toaster-sonner.tsx";

const ROOT = path.resolve(import.meta.dirname, "..");
const PUBLIC = path.join(ROOT, "public");

function readManifest(): Manifest {
  const dir = path.join(PUBLIC, "build");
  const file = readdirSync(dir).find((f) => /^manifest-[A-Z0-9]+\.js$/.test(f));
  if (!file) throw new Error("no public/build/manifest-*.js: run `npm run build` first");
  const text = readFileSync(path.join(dir, file), "utf8");
  return JSON.parse(text.slice(text.indexOf("{"), text.lastIndexOf("}") + 1)) as Manifest;
}

const gzipBytes = new Map<string, number>();
/** gzip size of a /build/… URL, at zlib's default level (what express's compression and most CDNs send). */
function gzipped(url: string): number {
  let size = gzipBytes.get(url);
  if (size === undefined) {
    size = gzipSync(readFileSync(path.join(PUBLIC, url))).length;
    gzipBytes.set(url, size);
  }
  return size;
}

/** Every file reachable from `urls` through esbuild's imports of the given kinds. */
function closure(urls: Iterable<string>, meta: Metafile, kinds: ReadonlySet<string>, skip: ReadonlySet<string> = new Set()): Set<string> {
  const seen = new Set<string>();
  const stack = [...urls];
  while (stack.length) {
    const url = stack.pop()!;
    if (seen.has(url) || skip.has(url)) continue;
    seen.add(url);
    for (const i of meta.outputs[`public${url}`]?.imports ?? []) if (kinds.has(i.kind)) stack.push(`/${path.relative(PUBLIC, path.join(ROOT, i.path))}`);
  }
  return seen;
}

/** The page's URL pattern, e.g. /deployments/:id, from the route chain's path segments. */
function pattern(route: ManifestRoute, routes: Manifest["routes"]): string {
  const parts: string[] = [];
  for (let r: ManifestRoute | undefined = route; r; r = r.parentId ? routes[r.parentId] : undefined) if (r.path) parts.unshift(r.path);
  return `/${parts.join("/")}`.replace(/\/+/g, "/").replace(/\/$/, "") || "/";
}

export function measurePages() {
  const manifest = readManifest();
  const meta = JSON.parse(readFileSync(path.join(ROOT, "build", "metafile.js.json"), "utf8")) as Metafile;
  const STATIC = new Set(["import-statement"]);
  const ALL = new Set(["import-statement", "dynamic-import"]);
  const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + gzipped(f), 0);
  const toastChunks = new Set(Object.entries(meta.outputs).filter(([, o]) => o.entryPoint === ON_TOAST).map(([file]) => `/${path.relative(PUBLIC, path.join(ROOT, file))}`));
  if (!toastChunks.size) throw new Error(`no chunk of ${ON_TOAST} in build/metafile.js.json`);
  // Pages are the leaf routes that draw a page (resource routes such as /graphql ship no JavaScript of their own worth counting).
  const parents = new Set(Object.values(manifest.routes).map((r) => r.parentId));
  return Object.values(manifest.routes)
    .filter((r) => r.id !== "root" && !parents.has(r.id) && !["routes/graphql", "routes/$"].includes(r.id))
    .map((route) => {
      const chain: ManifestRoute[] = [];
      for (let r: ManifestRoute | undefined = route; r; r = r.parentId ? manifest.routes[r.parentId] : undefined) chain.push(r);
      const first = closure([manifest.entry.module, ...manifest.entry.imports, ...chain.flatMap((r) => [r.module, ...(r.imports ?? [])])], meta, STATIC);
      const all = closure(first, meta, ALL, toastChunks);
      const withToast = closure(first, meta, ALL);
      return {
        page: pattern(route, manifest.routes),
        route: route.id,
        firstLoadKb: sum(first) / 1000,
        onDrawKb: (sum(all) - sum(first)) / 1000,
        totalKb: sum(all) / 1000,
        onFirstToastKb: (sum(withToast) - sum(all)) / 1000,
      };
    })
    .sort((a, b) => b.totalKb - a.totalKb);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({ options: { json: { type: "boolean" }, max: { type: "string" } } });
  const rows = measurePages();
  if (values.json) console.log(JSON.stringify(rows, null, 2));
  else {
    console.log("| page | first load (kB gzip) | loaded on draw (charts, alert rules card) | total | with the first toast (Sonner) |");
    console.log("|---|---:|---:|---:|---:|");
    for (const r of rows)
      console.log(`| ${r.page} | ${r.firstLoadKb.toFixed(1)} | ${r.onDrawKb ? r.onDrawKb.toFixed(1) : "—"} | ${r.totalKb.toFixed(1)} | +${r.onFirstToastKb.toFixed(1)} |`);
  }
  const max = values.max === undefined ? undefined : Number(values.max);
  const over = max === undefined ? [] : rows.filter((r) => r.totalKb > max);
  if (over.length) {
    console.error(`over ${max} kB: ${over.map((r) => `${r.page} ${r.totalKb.toFixed(1)} kB`).join(", ")}`);
    process.exitCode = 1;
  }
}
