import { Link } from "@remix-run/react";
import { Activity, Boxes, CircleAlert, CircleCheck, CircleHelp, FlaskConical, Globe, Lock, Package, Server } from "lucide-react";
import { useState } from "react";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { CopyButton } from "~/components/ui/copy-button";
import { formatRelative } from "~/lib/format";

export interface ServingInfo {
  id: string;
  modelName: string;
  version: string;
  status: string;
  upstreamUrl: string | null;
  simulated: boolean;
  healthPath: string;
  public: boolean;
  healthy: boolean | null;
  lastProbeAt: string | null;
  lastProbeError: string | null;
  gatewayUrl: string;
  isProduction: boolean;
  job: { id: string; modelName: string; baseModel: { id: string; name: string }; dataset: { name: string } };
  artifact: { uri: string; format: string; sizeBytes: number; sha256: string } | null;
}

export const SIMULATED_SERVER = "Served by the built-in simulated model server: responses and latencies are synthetic";

/**
 * "Simulated" next to anything the built-in simulated model server answers for: nobody mistakes it for a real model.
 * A page that shows it on every row explains it once (`explained`) instead of in a tooltip per row. Neither badge
 * carries a test id: a 50-row table repeats them, and their text finds them (ADR 0045).
 */
export function SimulatedBadge({ explained = false }: { explained?: boolean }) {
  return (
    <span className="tag sim" title={explained ? undefined : SIMULATED_SERVER}>
      Simulated
    </span>
  );
}

export function ProductionBadge() {
  return (
    <span className="tag prod">
      Production
    </span>
  );
}

function Health({ d, now }: { d: ServingInfo; now: string }) {
  if (d.simulated) return <span className="text-slate-500">Not probed (simulated model server)</span>;
  if (d.healthy === null) return <span className="inline-flex items-center gap-1 text-slate-500"><CircleHelp className="h-4 w-4" aria-hidden /> Not probed yet</span>;
  return (
    <span className={d.healthy ? "inline-flex items-center gap-1 text-emerald-700" : "inline-flex items-center gap-1 text-red-700"} data-testid="serving-health">
      {d.healthy ? <CircleCheck className="h-4 w-4" aria-hidden /> : <CircleAlert className="h-4 w-4" aria-hidden />}
      {d.healthy ? "Healthy" : "Unhealthy"}
      {d.lastProbeAt ? <span className="text-slate-500">· probed {formatRelative(d.lastProbeAt, now)}</span> : null}
    </span>
  );
}

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="grid grid-cols-1 gap-1 py-2 sm:grid-cols-[10rem_1fr]">
      <dt className="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</dt>
      <dd className="min-w-0 break-words text-sm text-slate-800">{children}</dd>
    </div>
  );
}

function formatBytes(n: number) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}

/** Where this version is served from, how healthy it is, its gateway URL, and where it came from. */
export function ServingCard({ d, now }: { d: ServingInfo; now: string }) {
  return (
    <Card>
      <CardHeader
        title="Serving"
        description="How the inference gateway reaches this version."
        action={<Link to={`/deployments/models/${encodeURIComponent(d.modelName)}`} className="text-sm font-medium text-indigo-600 hover:underline">Model page →</Link>}
      />
      <dl className="divide-y divide-slate-100 px-5 py-2" data-testid="serving-card">
        <Row label="Model server">
          {d.simulated ? (
            <span className="inline-flex flex-wrap items-center gap-2">
              <SimulatedBadge /> Built-in simulated model server (synthetic responses). Set an upstream to serve a real model.
            </span>
          ) : (
            <span className="inline-flex items-center gap-2">
              <Server className="h-4 w-4 text-slate-400" aria-hidden />
              <code className="font-mono text-xs" data-testid="upstream-url">{d.upstreamUrl}</code>
              <span className="text-xs text-slate-500">health: GET {d.healthPath}</span>
            </span>
          )}
        </Row>
        <Row label="Health">
          <Health d={d} now={now} />
          {d.lastProbeError && !d.healthy ? <p className="mt-1 text-xs text-red-700" data-testid="probe-error">{d.lastProbeError}</p> : null}
        </Row>
        <Row label="Gateway URL">
          <span className="inline-flex min-w-0 max-w-full flex-wrap items-center gap-2">
            <code className="min-w-0 max-w-full truncate font-mono text-xs" data-testid="gateway-url">{d.gatewayUrl}</code>
            <CopyButton value={d.gatewayUrl} iconOnly label="Copy gateway URL" copiedLabel="Gateway URL copied" />
            {d.isProduction ? <ProductionBadge /> : null}
          </span>
        </Row>
        <Row label="Access">
          {d.public ? (
            <span className="inline-flex items-center gap-1"><Globe className="h-4 w-4" aria-hidden /> Public: no token needed</span>
          ) : (
            <span className="inline-flex items-center gap-1"><Lock className="h-4 w-4" aria-hidden /> API token with the <code>invoke</code> scope</span>
          )}
        </Row>
        <Row label="Lineage">
          <ol className="flex flex-wrap items-center gap-x-2 gap-y-1 text-sm" aria-label="Lineage" data-testid="lineage">
            <li className="inline-flex items-center gap-1"><Activity className="h-3.5 w-3.5 text-slate-400" aria-hidden />{d.modelName} {d.version}</li>
            <li aria-hidden>→</li>
            <li>
              <Link to={`/training/jobs/${d.job.id}`} className="inline-flex items-center gap-1 font-medium text-indigo-600 hover:underline">
                <FlaskConical className="h-3.5 w-3.5" aria-hidden /> job {d.job.id.slice(0, 8)}
              </Link>
            </li>
            <li aria-hidden>→</li>
            <li>
              <Link to={`/models/${d.job.baseModel.id}`} className="inline-flex items-center gap-1 font-medium text-indigo-600 hover:underline">
                <Boxes className="h-3.5 w-3.5" aria-hidden /> {d.job.baseModel.name}
              </Link>{" "}
              + dataset {d.job.dataset.name}
            </li>
            <li aria-hidden>→</li>
            <li className="inline-flex min-w-0 items-center gap-1">
              <Package className="h-3.5 w-3.5 text-slate-400" aria-hidden />
              {d.artifact ? (
                <span className="min-w-0" data-testid="artifact">
                  <code className="break-all font-mono text-xs">{d.artifact.uri}</code>{" "}
                  <span className="text-xs text-slate-500">
                    {d.artifact.format.toLowerCase()}, {formatBytes(d.artifact.sizeBytes)}, sha256 {d.artifact.sha256.slice(0, 12)}…
                  </span>
                </span>
              ) : (
                <span className="text-slate-500">no artifact recorded</span>
              )}
            </li>
          </ol>
        </Row>
      </dl>
    </Card>
  );
}

/** A same-origin path for the browser: the gateway is mounted by the web server at /v1/models. */
function gatewayPathOf(url: string) {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

/** Copyable curl and Python snippets with the real gateway URL and the header the gateway wants. */
export function ServingSnippets({ d }: { d: ServingInfo }) {
  const url = `${d.gatewayUrl}/v1/chat/completions`;
  const auth = d.public ? "" : ` \\\n  -H "Authorization: Bearer $TRAINYARD_TOKEN"`;
  const curl = `curl -sS ${url}${auth} \\\n  -H "Content-Type: application/json" \\\n  -d '{"messages": [{"role": "user", "content": "Hello"}]}'`;
  const python = [
    "import os, requests",
    "",
    `resp = requests.post(`,
    `    "${url}",`,
    d.public ? null : `    headers={"Authorization": f"Bearer {os.environ['TRAINYARD_TOKEN']}"},`,
    `    json={"messages": [{"role": "user", "content": "Hello"}]},`,
    "    timeout=60,",
    ")",
    "print(resp.status_code, resp.json())",
  ]
    .filter((l) => l !== null)
    .join("\n");
  return (
    <Card>
      <CardHeader title="Call it" description="The path after the version is passed to the model server as is." />
      <div className="grid grid-cols-1 gap-4 p-5 xl:grid-cols-2">
        {[
          ["curl", curl],
          ["Python", python],
        ].map(([label, code]) => (
          <div key={label} className="min-w-0">
            <div className="mb-1 flex items-center justify-between">
              <span className="text-xs font-semibold uppercase tracking-wide text-slate-500">{label}</span>
              <CopyButton value={code!} label={`Copy ${label}`} copiedLabel={`${label} snippet copied`} />
            </div>
            <pre className="overflow-x-auto rounded-lg bg-slate-900 p-3 text-xs text-slate-100" data-testid={`snippet-${label!.toLowerCase()}`}>
              {code}
            </pre>
          </div>
        ))}
      </div>
    </Card>
  );
}

/** "Try it": sends a request through the gateway from the browser and shows status, latency and the response. */
export function ServingTryIt({ d }: { d: ServingInfo }) {
  const [path, setPath] = useState("/v1/chat/completions");
  const [body, setBody] = useState('{\n  "messages": [{"role": "user", "content": "Hello"}]\n}');
  const [token, setToken] = useState("");
  const [result, setResult] = useState<{ status: number; ms: number; text: string } | { error: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async () => {
    setBusy(true);
    const started = performance.now();
    try {
      const res = await fetch(`${gatewayPathOf(d.gatewayUrl)}${path.startsWith("/") ? path : `/${path}`}`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(token.trim() ? { authorization: `Bearer ${token.trim()}` } : {}) },
        body,
      });
      const text = await res.text();
      let pretty = text;
      try {
        pretty = JSON.stringify(JSON.parse(text), null, 2);
      } catch {
        /* not JSON: shown as is */
      }
      setResult({ status: res.status, ms: performance.now() - started, text: pretty });
    } catch (err) {
      setResult({ error: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card>
      <CardHeader title="Try it" description={`Sends a POST through the inference gateway to ${d.modelName} ${d.version}.`} />
      <form
        className="space-y-3 p-5"
        data-testid="try-it"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <div className="grid grid-cols-1 gap-3 md:grid-cols-2">
          <label className="block text-sm">
            <span className="font-medium text-slate-700">Path</span>
            <input className="mt-1 w-full rounded-lg border border-slate-300 px-3 py-1.5 font-mono text-xs" value={path} onChange={(e) => setPath(e.target.value)} name="path" />
          </label>
          {d.public ? null : (
            <label className="block text-sm">
              <span className="font-medium text-slate-700">API token (invoke scope)</span>
              <input
                className="mt-1 w-full rounded-lg border border-slate-300 px-3 py-1.5 font-mono text-xs"
                type="password"
                autoComplete="off"
                placeholder="ty_…"
                value={token}
                onChange={(e) => setToken(e.target.value)}
                name="token"
              />
            </label>
          )}
        </div>
        <label className="block text-sm">
          <span className="font-medium text-slate-700">Request body</span>
          <textarea className="mt-1 h-28 w-full rounded-lg border border-slate-300 px-3 py-2 font-mono text-xs" value={body} onChange={(e) => setBody(e.target.value)} name="body" />
        </label>
        <Button type="submit" disabled={busy}>{busy ? "Sending…" : "Send request"}</Button>
        {result ? (
          "error" in result ? (
            <p className="text-sm text-red-700" role="alert">Request failed: {result.error}</p>
          ) : (
            <div data-testid="try-it-result">
              <p className="text-sm">
                <span className={result.status < 300 ? "font-semibold text-emerald-700" : "font-semibold text-red-700"} data-testid="try-it-status">HTTP {result.status}</span>{" "}
                <span className="text-slate-500">in {result.ms.toFixed(0)} ms</span>
              </p>
              <pre className="mt-2 max-h-64 overflow-auto rounded-lg bg-slate-50 p-3 text-xs text-slate-800 ring-1 ring-inset ring-slate-200" data-testid="try-it-response">{result.text}</pre>
            </div>
          )
        ) : null}
      </form>
    </Card>
  );
}
