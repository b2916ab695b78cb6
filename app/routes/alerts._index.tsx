import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { BellRing, Settings2 } from "lucide-react";
import { useMemo } from "react";
import { describeCondition, formatAlertValue, formatSpan } from "~/components/alert-format";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-page";
import { FilterBar, FilterSearchField, FilterSelectField } from "~/components/ui/filters";
import { StatusBadge } from "~/components/ui/status-badge";
import { enumOptions, enumValue } from "~/lib/enum-options";
import { AlertStatus } from "~/lib/schema-enums";
import { PageHeader } from "~/components/ui/page-header";
import { formatDateTime, formatRelative } from "~/lib/format";
import { AlertSummary } from "~/lib/fragments";
import { graphql, type ResultOf } from "~/lib/graphql";
import { pageArgs, parsePage } from "~/lib/table-state";
import { gql } from "~/server/gql.server";

export const meta: MetaFunction = () => [{ title: "Alerts · Trainyard" }];

const AlertsQuery = /* @__PURE__ */ graphql(`
  query AlertsPage($state: AlertStatus, $modelName: String, $first: Int, $offset: Int) {
    firing: alerts(state: FIRING, first: 0) {
      totalCount
    }
    alerts(state: $state, modelName: $modelName, first: $first, offset: $offset) {
      totalCount
      nodes {
        ...AlertSummary
        notified
        rule {
          id
          forSeconds
          modelName
        }
        deployment {
          id
          modelName
          version
        }
      }
    }
  }
`, [AlertSummary]);

type Row = ResultOf<typeof AlertsQuery>["alerts"]["nodes"][number];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const state = enumValue(AlertStatus, params.get("state"));
  const modelName = params.get("model")?.trim() || null;
  const data = await gql(context, request, AlertsQuery, { state, modelName, ...pageArgs(parsePage(params)) });
  return json({ ...data, now: new Date().toISOString(), filtered: Boolean(state || modelName) });
}

export default function AlertsPage() {
  const { alerts, firing, now, filtered } = useLoaderData<typeof loader>();
  const columns = useMemo<ColumnDef<Row>[]>(
    () => [
      { id: "state", header: "State", cell: ({ row }) => <StatusBadge domain="alert" status={row.original.state} /> },
      {
        id: "model",
        header: "Deployment",
        cell: ({ row }) => (
          <Link to={`/deployments/${row.original.deployment.id}`} className="font-medium text-indigo-700 hover:underline">
            {row.original.deployment.modelName} <span className="font-mono text-xs text-slate-500">{row.original.deployment.version}</span>
          </Link>
        ),
      },
      {
        id: "condition",
        header: "Condition",
        cell: ({ row }) => (
          <span className="text-slate-700">
            {describeCondition({ ...row.original, forSeconds: row.original.rule.forSeconds })}
            {row.original.rule.modelName ? <span className="ml-1 text-xs text-slate-500">(model rule)</span> : null}
          </span>
        ),
      },
      {
        id: "value",
        header: "Value",
        cell: ({ row }) => (
          <span className="tabular-nums">
            <span className="font-semibold text-slate-900" data-testid="alert-value">{formatAlertValue(row.original.metric, row.original.value)}</span>
            {row.original.resolvedAt ? <span className="block text-xs text-slate-500">then {formatAlertValue(row.original.metric, row.original.resolvedValue)}</span> : null}
          </span>
        ),
      },
      {
        id: "fired",
        header: "Fired",
        cell: ({ row }) => <span title={formatDateTime(row.original.firedAt)}>{formatRelative(row.original.firedAt, now)}</span>,
      },
      {
        id: "resolved",
        header: "Resolved",
        cell: ({ row }) =>
          row.original.resolvedAt ? (
            <span title={formatDateTime(row.original.resolvedAt)}>{formatRelative(row.original.resolvedAt, now)}</span>
          ) : (
            <span className="text-xs font-medium text-red-700">ongoing</span>
          ),
      },
      {
        id: "duration",
        header: "Duration",
        cell: ({ row }) => <span className="tabular-nums text-slate-600">{formatSpan(row.original.startedAt, row.original.resolvedAt, now)}</span>,
      },
      {
        id: "notified",
        header: "Notified",
        cell: ({ row }) => (row.original.notified ? <span className="text-slate-600">yes</span> : <span className="text-slate-500">silenced</span>),
      },
    ],
    [now],
  );
  return (
    <>
      <PageHeader
        title="Alerts"
        description={
          <>
            {firing.totalCount > 0 ? (
              <span className="font-semibold text-red-700">{firing.totalCount} firing. </span>
            ) : (
              <span className="font-semibold text-emerald-700">Nothing firing. </span>
            )}
            Firing alerts first, then the history. Rules live on each deployment's page; notifications go to the channels under settings.
          </>
        }
        actions={
          <Link to="/settings/channels" className="inline-flex items-center gap-1.5 rounded-lg bg-white px-3 py-2 text-sm font-medium text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50">
            <Settings2 className="h-4 w-4" aria-hidden /> Notification channels
          </Link>
        }
      />
      <FilterBar label="Filter alerts" names={["model", "state"]}>
        <FilterSearchField label="Model" name="model" placeholder="Exact model name, e.g. support-bot" />
        <FilterSelectField
          label="State"
          name="state"
          allLabel="Firing and resolved"
          options={enumOptions(AlertStatus)}
        />
      </FilterBar>
      <DataTable
        label="Alerts"
        columns={columns}
        rows={alerts.nodes}
        totalCount={alerts.totalCount}
        sortKeys={[]}
        getRowId={(row) => row.id}
        empty={
          <div className="text-center">
            <BellRing className="mx-auto h-8 w-8 text-slate-300" aria-hidden />
            <p className="mt-2 text-sm font-medium text-slate-900">No alerts found</p>
            <p className="mt-1 text-sm text-slate-500">{filtered ? "Nothing matches these filters." : "No rule has fired yet."}</p>
          </div>
        }
      />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
