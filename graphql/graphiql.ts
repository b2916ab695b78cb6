import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";

/**
 * The GraphiQL playground, offline. @graphql-yoga/render-graphiql inlines ~9 MB
 * of script into every GET; we serve the same bundle as static files with
 * content hashes in their names, so the browser caches them for good and the
 * page itself stays small. See docs/decisions/0004-graphiql-offline.md.
 */

export interface StaticAsset {
  body: string;
  contentType: string;
}

interface GraphiqlBundle {
  css: string;
  js: string;
  favicon: string;
  editorWorkerService: string;
  jsonWorker: string;
  graphqlWorker: string;
}

export const GRAPHIQL_ASSET_PREFIX = "/graphiql-assets/";

const require = createRequire(import.meta.url);

async function loadBundle(): Promise<GraphiqlBundle> {
  // The bundle module is not in the package's exports map; import it by file path.
  const cjsEntry = require.resolve("@graphql-yoga/render-graphiql");
  const bundlePath = path.join(path.dirname(cjsEntry), "..", "esm", "graphiql.js");
  return (await import(pathToFileURL(bundlePath).href)) as GraphiqlBundle;
}

export interface GraphiqlAssets {
  /** file name → asset; names carry a content hash. */
  files: Map<string, StaticAsset>;
  renderPage(options: { title: string; endpoint: string }): string;
}

let cached: Promise<GraphiqlAssets> | undefined;

export function getGraphiqlAssets(): Promise<GraphiqlAssets> {
  cached ??= build();
  return cached;
}

async function build(): Promise<GraphiqlAssets> {
  const bundle = await loadBundle();
  const files = new Map<string, StaticAsset>();
  const add = (stem: string, ext: string, body: string, contentType: string) => {
    const hash = createHash("sha256").update(body).digest("hex").slice(0, 12);
    const name = `${stem}.${hash}.${ext}`;
    files.set(name, { body, contentType });
    return GRAPHIQL_ASSET_PREFIX + name;
  };
  const cssUrl = add("graphiql", "css", bundle.css, "text/css; charset=utf-8");
  const jsUrl = add("graphiql", "js", bundle.js, "text/javascript; charset=utf-8");
  const workers = {
    editorWorkerService: add("editor.worker", "js", bundle.editorWorkerService, "text/javascript; charset=utf-8"),
    json: add("json.worker", "js", bundle.jsonWorker, "text/javascript; charset=utf-8"),
    graphql: add("graphql.worker", "js", bundle.graphqlWorker, "text/javascript; charset=utf-8"),
  };
  const escape = (s: string) => s.replace(/[<>&"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return {
    files,
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
