import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { COMPARE_COLORS, CompareTable, OverlayChartCard, parseIds, type CompareSeries } from "~/components/compare-charts";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { StatusBadge } from "~/components/ui/status-badge";
import { cn } from "~/lib/cn";
import { formatMs, formatPercent } from "~/lib/format";
import { WindowFigures } from "~/lib/fragments";
import { graphql } from "~/lib/graphql";
import { withParams } from "~/lib/table-state";
import { gql } from "~/server/gql.server";

export const meta: MetaFunction = () => [{ title: "Compare versions · Trainyard" }];

const WINDOWS = {
  LAST_15_MINUTES: { label: "15 m", bucket: "minute" },
  LAST_HOUR: { label: "1 h", bucket: "minute" },
  LAST_24_HOURS: { label: "24 h", bucket: "hour" },
  LAST_7_DAYS: { label: "7 d", bucket: "hour" },
} as const;
type WindowKey = keyof typeof WINDOWS;

const VersionQuery = /* @__PURE__ */ graphql(`
  query CompareVersion($id: ID!, $window: MetricsWindow!) {
    deployment(id: $id) {
      id
      modelName
      version
      status
      metrics(window: $window) {
        ...WindowFigures
        series {
          bucketStart
          requests
          errors
          p50LatencyMs
          p95LatencyMs
        }
      }
    }
  }
`, [WindowFigures]);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const ids = parseIds(params);
  const w = params.get("window");
  const window: WindowKey = w && w in WINDOWS ? (w as WindowKey) : "LAST_HOUR";
  if (ids.length < 2 || ids.length > 4) return json({ versions: [], window, problem: `Choose 2 to 4 versions to compare (got ${ids.length}).`, missing: [] as string[] });
  // One `now` for every version: the same window, bucket for bucket.
  const results = await Promise.all(ids.map((id) => gql(context, request, VersionQuery, { id, window })));
  const versions = results.flatMap((r) => (r.deployment ? [r.deployment] : []));
  const missing = ids.filter((_, i) => !results[i]!.deployment);
  return json({ versions, window, problem: null as string | null, missing });
}

type Version = ReturnType<typeof useLoaderData<typeof loader>>["versions"][number];

const ROWS: Array<{ key: string; label: string; value: (v: Version) => number | null; format: (n: number | null) => string; lowerIsBetter: boolean | null }> = [
  { key: "requestsPerSecond", label: "Request rate", value: (v) => v.metrics.requestsPerSecond, format: (n) => (n === null ? "—" : `${n.toFixed(2)} req/s`), lowerIsBetter: null },
  { key: "requestCount", label: "Requests", value: (v) => v.metrics.requestCount, format: (n) => (n === null ? "—" : n.toLocaleString("en-US")), lowerIsBetter: null },
  { key: "p50", label: "P50 latency", value: (v) => v.metrics.p50LatencyMs, format: formatMs, lowerIsBetter: true },
  { key: "p95", label: "P95 latency", value: (v) => v.metrics.p95LatencyMs, format: formatMs, lowerIsBetter: true },
  { key: "p99", label: "P99 latency", value: (v) => v.metrics.p99LatencyMs, format: formatMs, lowerIsBetter: true },
  { key: "errorRate", label: "Error rate", value: (v) => v.metrics.errorRate, format: (n) => formatPercent(n), lowerIsBetter: true },
  { key: "clientErrorRate", label: "Client errors (4xx)", value: (v) => v.metrics.clientErrorRate, format: (n) => formatPercent(n), lowerIsBetter: true },
];

/** "+12 %" against the first version (the baseline), or nothing. */
function delta(base: number | null, value: number | null): string | null {
  if (base === null || value === null || base === 0) return null;
  const pct = ((value - base) / base) * 100;
  if (Math.abs(pct) < 0.5) return "±0 %";
  return `${pct > 0 ? "+" : "−"}${Math.abs(pct).toFixed(0)} %`;
}

export default function CompareVersionsPage() {
  const { versions, window, problem, missing } = useLoaderData<typeof loader>();
  const ids = versions.map((v) => v.id).join(",");
  if (problem || versions.length < 2) {
    return (
      <>
        <PageHeader title="Compare versions" />
        <Card className="px-6 py-10 text-center text-sm text-slate-600">
          <p data-testid="compare-problem">{problem ?? `Only ${versions.length} of the requested versions exist${missing.length ? ` (not found: ${missing.join(", ")})` : ""}.`}</p>
        </Card>
      </>
    );
  }
  const name = (v: Version, i: number) => `#${i + 1} ${v.modelName} ${v.version}`;
  const t = (iso: string) => Date.parse(iso);
  const timeLabel = (x: number) => new Date(x).toISOString().slice(WINDOWS[window].bucket === "hour" ? 5 : 11, 16).replace("T", " ");
  const bucketSeconds = WINDOWS[window].bucket === "hour" ? 3600 : 60;
  const rate: CompareSeries[] = versions.map((v, i) => ({ key: `r${i}`, label: name(v, i), color: COMPARE_COLORS[i]!, points: v.metrics.series.map((p) => ({ x: t(p.bucketStart), y: p.requests / bucketSeconds })) }));
  const p95: CompareSeries[] = versions.map((v, i) => ({ key: `p${i}`, label: `${name(v, i)} P95`, color: COMPARE_COLORS[i]!, points: v.metrics.series.map((p) => ({ x: t(p.bucketStart), y: p.p95LatencyMs })) }));
  const p50: CompareSeries[] = versions.map((v, i) => ({ key: `m${i}`, label: `${name(v, i)} P50`, color: COMPARE_COLORS[i]!, dashed: true, points: v.metrics.series.map((p) => ({ x: t(p.bucketStart), y: p.p50LatencyMs })) }));
  const errors: CompareSeries[] = versions.map((v, i) => ({ key: `e${i}`, label: name(v, i), color: COMPARE_COLORS[i]!, points: v.metrics.series.map((p) => ({ x: t(p.bucketStart), y: p.requests ? p.errors / p.requests : null })) }));
  return (
    <>
      <PageHeader
        title="Compare versions"
        description={`${versions.length} versions over the same ${WINDOWS[window].label} window, bucket for bucket: the view to judge a canary against production. Differences are against #1.`}
        actions={
          <nav aria-label="Window" className="flex gap-1 rounded-lg bg-slate-100 p-1">
            {(Object.keys(WINDOWS) as WindowKey[]).map((k) => (
              <Link
                key={k}
                to={`?${withParams(new URLSearchParams(), { ids, window: k })}`}
                aria-current={k === window ? "page" : undefined}
                className={cn("rounded-md px-3 py-1 text-sm font-medium", k === window ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900")}
              >
                {WINDOWS[k].label}
              </Link>
            ))}
          </nav>
        }
      />
      {missing.length ? <p className="mb-4 text-sm text-amber-800">Not found: {missing.join(", ")}</p> : null}
      <Card className="mb-6">
        <CompareTable
          testId="compare-versions-table"
          corner={`Metric (${WINDOWS[window].label})`}
          items={versions.map((v, i) => ({ id: v.id, label: name(v, i), to: `/deployments/${v.id}`, extra: <StatusBadge domain="deployment" status={v.status} /> }))}
        >
              {ROWS.map((r) => {
                const base = r.value(versions[0]!);
                return (
                  <tr key={r.key} data-testid={`cmp-${r.key}`}>
                    <th scope="row" className="whitespace-nowrap px-4 py-2 text-left text-sm font-medium text-slate-600">
                      {r.label}
                    </th>
                    {versions.map((v, i) => {
                      const value = r.value(v);
                      const d = i === 0 ? null : delta(base, value);
                      // Traffic is neither better nor worse; latencies and error rates 10 % over the baseline are.
                      const worse = d && r.lowerIsBetter && value !== null && base !== null && value > base * 1.1;
                      return (
                        <td key={v.id} className="px-4 py-2 text-sm tabular-nums">
                          <span className="font-semibold text-slate-900" data-testid={`cmp-${r.key}-${i}`}>
                            {r.format(value)}
                          </span>
                          {d ? <span className={cn("ml-2 text-xs", worse ? "font-semibold text-red-700" : "text-slate-500")}>{d}{worse ? " worse" : ""}</span> : null}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
        </CompareTable>
      </Card>
      <div className="grid grid-cols-1 gap-6 xl:grid-cols-2">
        <OverlayChartCard
          title="Request rate"
          description={`Requests per second, per ${WINDOWS[window].bucket} (UTC).`}
          testId="compare-rate-chart"
          series={rate}
          xLabel={timeLabel}
          yLabel={(y) => y.toFixed(2)}
        />
        <OverlayChartCard
          title="Latency"
          description="P95 solid, P50 dashed, in milliseconds."
          testId="compare-latency-chart"
          series={[...p95, ...p50]}
          xLabel={timeLabel}
          yLabel={(y) => `${Math.round(y)} ms`}
        />
        <OverlayChartCard
          title="Error rate"
          description="Server and model errors ÷ requests, per bucket."
          testId="compare-errors-chart"
          series={errors}
          xLabel={timeLabel}
          yLabel={(y) => `${(y * 100).toFixed(1)} %`}
        />
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
