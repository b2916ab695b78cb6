import { createHash } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/**
 * The GraphiQL playground, offline. @graphql-yoga/render-graphiql inlines ~9 MB
 * of script into every GET; we serve the same bundle as static files with
 * content hashes in their names, so the browser caches them for good and the
 * page itself stays small. See docs/decisions/0004-graphiql-offline.md.
 */

interface GraphiqlBundle {
  css: string;
  js: string;
  favicon: string;
  editorWorkerService: string;
  jsonWorker: string;
  graphqlWorker: string;
}

export const GRAPHIQL_ASSET_PREFIX = "/graphiql-assets/";

/**
 * Where `npm run build` writes the playground's files (cli/build-server.mjs), resolved through the project root
 * (the same from graphql/graphiql.ts and from the compiled build/*.mjs). The server reads only their manifest:
 * importing the bundle module kept its ~17 MB source and ~10 MB of strings in every server's heap for good
 * (docs/decisions/0040-server-heap-limit.md).
 */
export const GRAPHIQL_BUILD_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "build", "graphiql");

/** The file names (with content hashes) of the playground's parts; the favicon is a data: URL. */
interface Manifest {
  css: string;
  js: string;
  favicon: string;
  workers: { editorWorkerService: string; json: string; graphql: string };
}

const require = createRequire(import.meta.url);

async function loadBundle(): Promise<GraphiqlBundle> {
  // The bundle module is not in the package's exports map; import it by file path.
  const cjsEntry = require.resolve("@graphql-yoga/render-graphiql");
  const bundlePath = path.join(path.dirname(cjsEntry), "..", "esm", "graphiql.js");
  return (await import(pathToFileURL(bundlePath).href)) as GraphiqlBundle;
}

/** Writes the bundle's parts as files named by their content hash, and their manifest (run by `npm run build`). */
export async function writeGraphiqlAssets(dir = GRAPHIQL_BUILD_DIR): Promise<void> {
  const bundle = await loadBundle();
  await mkdir(dir, { recursive: true });
  const write = async (stem: string, ext: string, body: string) => {
    const name = `${stem}.${createHash("sha256").update(body).digest("hex").slice(0, 12)}.${ext}`;
    await writeFile(path.join(dir, name), body);
    return name;
  };
  const manifest: Manifest = {
    css: await write("graphiql", "css", bundle.css),
    js: await write("graphiql", "js", bundle.js),
    favicon: bundle.favicon,
    workers: {
      editorWorkerService: await write("editor.worker", "js", bundle.editorWorkerService),
      json: await write("json.worker", "js", bundle.jsonWorker),
      graphql: await write("graphql.worker", "js", bundle.graphqlWorker),
    },
  };
  // Written last: a manifest names files that exist.
  await writeFile(path.join(dir, "manifest.json"), JSON.stringify(manifest));
}

async function readManifest(dir: string): Promise<Manifest | null> {
  try {
    return JSON.parse(await readFile(path.join(dir, "manifest.json"), "utf8")) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

export interface GraphiqlAssets {
  /** The file behind an asset name (names carry a content hash), or undefined for any other name. */
  file(name: string): { path: string; contentType: string } | undefined;
  renderPage(options: { title: string; endpoint: string }): string;
}

let cached: Promise<GraphiqlAssets> | undefined;

export function getGraphiqlAssets(): Promise<GraphiqlAssets> {
  cached ??= build();
  return cached;
}

async function build(): Promise<GraphiqlAssets> {
  let manifest = await readManifest(GRAPHIQL_BUILD_DIR);
  if (!manifest) {
    // No build (`npm run dev`): write the files now, once.
    await writeGraphiqlAssets();
    manifest = (await readManifest(GRAPHIQL_BUILD_DIR))!;
  }
  const contentType = (name: string) => (name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8");
  const names = new Set([manifest.css, manifest.js, ...Object.values(manifest.workers)]);
  const url = (name: string) => GRAPHIQL_ASSET_PREFIX + name;
  const cssUrl = url(manifest.css);
  const jsUrl = url(manifest.js);
  const workers = { editorWorkerService: url(manifest.workers.editorWorkerService), json: url(manifest.workers.json), graphql: url(manifest.workers.graphql) };
  const bundle = { favicon: manifest.favicon };
  const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    file: (name) => (names.has(name) ? { path: path.join(GRAPHIQL_BUILD_DIR, name), contentType: contentType(name) } : undefined),
    renderPage: ({ title, endpoint }) => `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${escape(title)}</title>
    <link rel="icon" href="${bundle.favicon}" />
    <link rel="stylesheet" href="${cssUrl}" />
  </head>
  <body id="body" class="no-focus-outline">
    <noscript>You need to enable JavaScript to use the GraphQL playground.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (moduleId, label) { return ${JSON.stringify(workers)}[label]; },
      };
    </script>
    <script src="${jsUrl}"></script>
    <script>
      YogaGraphiQL.renderYogaGraphiQL(document.querySelector("#root"), ${JSON.stringify({
        title,
        endpoint,
        defaultQuery: DEFAULT_QUERY,
      }).replace(/</g, "\\u003c")});
    </script>
  </body>
</html>`,
  };
}

const DEFAULT_QUERY = `# Welcome to the Trainyard API playground.
# Press the run button (or Ctrl-Enter) to execute the query.

query Overview {
  dashboard {
    activeDeployments
    runningJobs
    completedJobs
    requests24h
    errorRate24h
  }
  deployments(first: 5, sort: { field: DEPLOYED, direction: DESC }) {
    totalCount
    nodes { modelName version status endpointUrl }
  }
}
`;
