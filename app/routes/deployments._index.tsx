import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { defer } from "@remix-run/node";
import { Await, Link, useLoaderData } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { FlaskConical, Rocket, SearchX } from "lucide-react";
import { Suspense, useMemo } from "react";
import { DataTable, RowLink, TABLE_ICONS } from "~/components/data-table";
import { assess, formatRate, MetricCell } from "~/components/deployment-metric-cards";
import { GeneralErrorBoundary } from "~/components/error-page";
import { RoundIcon } from "~/components/ui/round-icon";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { ClearFilters, FilterBar, FilterSearchField, FilterSelectField } from "~/components/ui/filters";
import { StatusBadge, statusIcons } from "~/components/ui/status-badge";
import { Icon } from "~/components/ui/icon";
import { IconSprite } from "~/components/ui/icon-sprite";
import { ProductionBadge, SIMULATED_SERVER, SimulatedBadge } from "~/components/serving-card";
import { formatDateTime, formatMs, formatPercent, formatRelative } from "~/lib/format";
import { MutationFailure } from "~/lib/fragments";
import { graphql, type ResultOf } from "~/lib/graphql";
import { enumOptions, enumValue, TRAINER_OPTIONS } from "~/lib/enum-options";
import { DeploymentStatus, TrainerKind } from "~/lib/schema-enums";
import { packRows, unpackRows } from "~/lib/packed-rows";
import { pageArgs, parsePage, parseSort } from "~/lib/table-state";
import { usePolling } from "~/lib/use-polling";
import { safeRedirect } from "~/lib/safe-redirect";
import { gql } from "~/server/gql.server";
import { redirectWithResult } from "~/server/toast.server";

export const meta: MetaFunction = () => [{ title: "Deployments · Trainyard" }];

const SORT_KEYS = ["model", "rps", "p95", "deployed"] as const;
const SORT_FIELDS = { model: "MODEL_NAME", rps: "REQUESTS_PER_SECOND", p95: "P95_LATENCY", deployed: "DEPLOYED" } as const;
const DEFAULT_SORT = [{ id: "deployed", desc: true }];
const FILTERS = ["q", "status", "trainer"] as const;

const DeploymentsQuery = /* @__PURE__ */ graphql(`
  query DeploymentsPage($filter: DeploymentFilter, $sort: DeploymentSort, $first: Int, $offset: Int) {
    deployments(filter: $filter, sort: $sort, first: $first, offset: $offset) {
      totalCount
      nodes {
        id
        modelName
        version
        status
        trainer
        simulatedTraffic
        failureReason
        createdAt
        isProduction
        simulated
        metrics(window: LAST_HOUR) {
          requestsPerSecond
          p95LatencyMs
          errorRate
          health {
            p95
            errorRate
          }
        }
      }
    }
  }
`);

/** What the shell needs: whether there is any deployment at all (table or first-run guide), and the cues' texts. */
const DeploymentsShellQuery = /* @__PURE__ */ graphql(`
  query DeploymentsShell {
    everything: deployments(first: 0) {
      totalCount
    }
    healthThresholds {
      metric
      cue
    }
  }
`);

type Thresholds = ResultOf<typeof DeploymentsShellQuery>["healthThresholds"];

/**
 * A row as the table reads it: flat, so that it packs (app/lib/packed-rows.ts), with its figures rounded to four
 * significant digits, more than any cell shows (the full doubles were a fifth of the page's data).
 */
function toRow(d: ResultOf<typeof DeploymentsQuery>["deployments"]["nodes"][number]) {
  const { metrics } = d;
  // Field by field: a rest/spread copy of GraphQL's result objects (null prototype) took V8's slow path, ~1 ms a page.
  return {
    id: d.id,
    modelName: d.modelName,
    version: d.version,
    status: d.status,
    trainer: d.trainer,
    simulatedTraffic: d.simulatedTraffic,
    failureReason: d.failureReason,
    createdAt: d.createdAt,
    isProduction: d.isProduction,
    simulated: d.simulated,
    requestsPerSecond: shown(metrics.requestsPerSecond),
    p95LatencyMs: shown(metrics.p95LatencyMs),
    errorRate: shown(metrics.errorRate),
    p95Health: metrics.health.p95,
    errorRateHealth: metrics.health.errorRate,
  };
}
type Row = ReturnType<typeof toRow>;

/**
 * The shell (header, filters, the table's headers, skeleton rows) is sent as soon as the small shell query has
 * answered; the rows stream in behind it (docs/decisions/0037-streamed-list-pages.md). Client-side navigations
 * keep showing the current rows, dimmed, until the new ones arrive (React transitions).
 */
const shown = <N extends number | null>(n: N): N => (n === null ? n : (Number(n.toPrecision(4)) as N));

export async function loader({ request, context }: LoaderFunctionArgs) {
  // Asked first: the shell waits for it, and the rows' heavier work should not run ahead of it.
  const shell = gql(context, request, DeploymentsShellQuery);
  const params = new URL(request.url).searchParams;
  const [sort] = parseSort(params.get("sort"), SORT_KEYS, DEFAULT_SORT);
  const status = enumValue(DeploymentStatus, params.get("status"));
  const deployments = gql(context, request, DeploymentsQuery, {
    filter: {
      modelName: params.get("q")?.trim() || null,
      status: status ? [status] : null,
      trainer: enumValue(TrainerKind, params.get("trainer")),
    },
    sort: {
      field: SORT_FIELDS[sort!.id as keyof typeof SORT_FIELDS],
      direction: sort!.desc ? "DESC" : "ASC",
      window: "LAST_HOUR",
    },
    ...pageArgs(parsePage(params)),
  }).then(({ deployments }) => ({ totalCount: deployments.totalCount, nodes: packRows(deployments.nodes.map(toRow)) }));
  // Should the shell query fail first, the rows' own failure must not become an unhandled rejection; defer still sees it.
  deployments.catch(() => {});
  return defer({ ...(await shell), now: new Date().toISOString(), deployments });
}

const DeployMutation = /* @__PURE__ */ graphql(`
  mutation DeployFromConsole($jobId: ID!) {
    deployJob(jobId: $jobId) {
      __typename
      ... on DeployJobSuccess {
        deployment {
          id
          modelName
          version
        }
      }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

/** The Deploy buttons on the training pages post here (`/deployments?index`). */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  if (form.get("intent") !== "deploy") throw new Response("Unknown action", { status: 400 });
  const jobId = String(form.get("jobId") ?? "");
  const back = safeRedirect(form.get("redirectTo"), "/training/jobs");
  const result = (await gql(context, request, DeployMutation, { jobId })).deployJob;
  return redirectWithResult(
    result,
    "DeployJobSuccess",
    ({ deployment: d }) => ({
      to: "/deployments",
      title: `Deployed ${d.modelName} ${d.version}`,
      description: "Rolling out now; it turns Active as soon as the endpoint passes its health checks.",
    }),
    { to: back, title: "Deploy failed" },
  );
}

function deploymentColumns(now: string, thresholds: Thresholds): ColumnDef<Row>[] {
  return [
    {
      id: "model",
      header: "Model Name",
      // Sorting is done by the server; TanStack only offers it on columns with an accessor.
      accessorFn: (row) => row.modelName,
      enableSorting: true,
      sortDescFirst: false,
      cell: ({ row }) => {
        const d = row.original;
        // Route discovery needs one link per route, not fifty: the first row's `<Link>` asks for it; the others
        // are row links (followed in the app by the table, without a `<Link>` each).
        const link =
          row.index === 0 ? (
            <Link to={`/deployments/${d.id}`} discover="render">
              {d.modelName}
            </Link>
          ) : (
            <RowLink to={`/deployments/${d.id}`}>{d.modelName}</RowLink>
          );
        if (d.trainer !== "SIMULATED" && !d.simulatedTraffic) return link;
        const why = [d.trainer === "SIMULATED" ? "trained by the simulated trainer" : null, d.simulatedTraffic ? "simulated traffic" : null];
        return (
          <>
            {link}
            {/* An icon with a label (not text): the cell's text stays the model name, for tables copied or read by tools. */}
            <span role="img" aria-label="Simulated" className="flask" title={`Simulated: ${why.filter(Boolean).join("; ")}`} />
          </>
        );
      },
    },
    {
      id: "version",
      header: "Version",
      enableSorting: false,
      meta: { cell: "mono" },
      cell: ({ row }) => row.original.version,
    },
    {
      id: "status",
      header: "Status",
      enableSorting: false,
      cell: ({ row }) => {
        const badge = <StatusBadge domain="deployment" status={row.original.status} />;
        return row.original.failureReason ? <span title={row.original.failureReason}>{badge}</span> : badge;
      },
    },
    {
      id: "rps",
      header: "Req/sec",
      accessorFn: (row) => row.requestsPerSecond,
      enableSorting: true,
      sortDescFirst: true,
      cell: ({ row }) => formatRate(row.original.requestsPerSecond),
    },
    {
      id: "p95",
      header: "P95 Latency",
      accessorFn: (row) => row.p95LatencyMs,
      enableSorting: true,
      sortDescFirst: true,
      cell: ({ row }) => (
        <MetricCell health={assess(thresholds, "P95_LATENCY", row.original.p95Health)} text={formatMs(row.original.p95LatencyMs)} />
      ),
    },
    {
      id: "errorRate",
      header: "Error Rate",
      enableSorting: false,
      cell: ({ row }) => (
        <MetricCell health={assess(thresholds, "ERROR_RATE", row.original.errorRateHealth)} text={formatPercent(row.original.errorRate)} />
      ),
    },
    {
      id: "deployed",
      header: "Deployed",
      accessorFn: (row) => row.createdAt,
      enableSorting: true,
      sortDescFirst: true,
      cell: ({ row }) => (
        <>
          <time dateTime={row.original.createdAt} title={formatDateTime(row.original.createdAt)}>
            {formatRelative(row.original.createdAt, now)}
          </time>
          {/* Serving: which version /v1/models/{name}/… serves, and what a simulated model server answers for (the legend says what they mean). */}
          {row.original.isProduction ? <ProductionBadge /> : null}
          {row.original.simulated ? <SimulatedBadge explained /> : null}
        </>
      ),
    },
  ];
}

/** What a row's cues and tags mean, said once above the table rather than in a tooltip on every row. */
function Legend({ thresholds }: { thresholds: Thresholds }) {
  const cue = (metric: string) => thresholds.find((t) => t.metric === metric)?.cue;
  const limits = [
    ["P95 latency", cue("P95_LATENCY")],
    ["error rate", cue("ERROR_RATE")],
  ].filter(([, text]) => text);
  return (
    <p className="mb-3 flex flex-wrap items-center gap-x-5 gap-y-2 text-xs text-slate-500" data-testid="deployments-legend">
      {limits.length ? (
        <span className="inline-flex items-center gap-1">
          <span className="cue bad" role="img" aria-label="Warning" />
          {limits.map(([name, text]) => `${name} ${text!.toLowerCase()}`).join(", ")}
        </span>
      ) : null}
      {/* Not the rows' badge components: those carry the test ids that count the rows' badges. */}
      <span>
        <span className="tag prod">Production</span> the version its model&rsquo;s endpoint serves
      </span>
      <span>
        <span className="tag sim">Simulated</span> {SIMULATED_SERVER.replace("Served", "served")}
      </span>
    </p>
  );
}

const ROLLOUT_POLL_MS = 2000;

export default function DeploymentsPage() {
  const { everything, healthThresholds, now, deployments } = useLoaderData<typeof loader>();
  const columns = useMemo(() => deploymentColumns(now, healthThresholds), [now, healthThresholds]);
  return (
    <>
      <PageHeader
        title="Deployments"
        description="Every version of every model you serve. Req/sec, P95 latency and error rate cover the last hour."
        actions={
          everything.totalCount === 0 ? null : (
            <Link
              to="/training/jobs?status=COMPLETE"
              className="inline-flex items-center gap-1.5 rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
            >
              <Icon icon={Rocket} className="h-4 w-4" /> Deploy a trained model
            </Link>
          )
        }
      />
      {everything.totalCount === 0 ? (
        <FirstRun />
      ) : (
        <>
          <FilterBar label="Filter deployments" names={FILTERS}>
            <FilterSearchField label="Model name" placeholder="Filter by model name…" />
            <FilterSelectField label="Status" name="status" allLabel="All statuses" options={enumOptions(DeploymentStatus)} />
            <FilterSelectField label="Trained by" name="trainer" allLabel="Real and simulated" options={TRAINER_OPTIONS} />
          </FilterBar>
          <Legend thresholds={healthThresholds} />
          <IconSprite icons={ROW_ICONS}>
            <DataTable
              label="Deployments"
              columns={columns}
              deferred={deployments}
              unpack={unpackRows<Row>}
              sortKeys={SORT_KEYS}
              defaultSort={DEFAULT_SORT}
              getRowId={(row) => row.id}
              empty={<NoMatches />}
            />
          </IconSprite>
          <Suspense fallback={null}>
            <Await resolve={deployments}>{(page) => <PollWhileRollingOut rows={unpackRows(page.nodes)} />}</Await>
          </Suspense>
        </>
      )}
    </>
  );
}

/** A deployment that is rolling out turns Active within seconds: keep the table current meanwhile. */
function PollWhileRollingOut({ rows }: { rows: Row[] }) {
  usePolling(rows.some((d) => d.status === "DEPLOYING"), ROLLOUT_POLL_MS);
  return null;
}

/** Every icon a row may draw, defined once above the table. */
const ROW_ICONS = [...statusIcons("deployment"), ...TABLE_ICONS];

function NoMatches() {
  return (
    <div className="flex flex-col items-center text-center">
      <RoundIcon icon={SearchX} />
      <p className="mt-3 text-sm font-semibold text-slate-900">No deployments found</p>
      <p className="mt-1 text-sm text-slate-500">No deployment matches these filters.</p>
      <div className="mt-4">
        <ClearFilters names={FILTERS} />
      </div>
    </div>
  );
}

function FirstRun() {
  return (
    <Card className="px-6 py-16">
      <div className="mx-auto flex max-w-md flex-col items-center text-center">
        <RoundIcon icon={Rocket} size="lg" tone="accent" />
        <h2 className="mt-4 text-lg font-semibold text-slate-900">No deployments yet</h2>
        <p className="mt-2 text-sm text-slate-500">
          A deployment serves a fine-tuned model behind a versioned endpoint. Finish a training job, then press
          <span className="font-medium text-slate-700"> Deploy</span> on it: it becomes v1.0.0 of its model here.
        </p>
        <Link
          to="/training/jobs"
          className="mt-6 inline-flex items-center gap-1.5 rounded-lg bg-indigo-600 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
        >
          <FlaskConical className="h-4 w-4" aria-hidden /> Go to training jobs
        </Link>
      </div>
    </Card>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
