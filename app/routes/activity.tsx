import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams, useSubmit } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { Bot, CheckCircle2, History, KeyRound, Monitor, ShieldX, X, XCircle, type LucideIcon } from "lucide-react";
import { useMemo } from "react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { InlineFilterSearch, inlineFilterSelectClass as select } from "~/components/ui/filters";
import { PageHeader } from "~/components/ui/page-header";
import { cn } from "~/lib/cn";
import { formatDateTime, formatRelative } from "~/lib/format";
import { graphql, type ResultOf } from "~/lib/graphql";
import { pageArgs, parsePage } from "~/lib/table-state";
import { gql } from "~/server/gql.server";

export const meta: MetaFunction = () => [{ title: "Activity · Trainyard" }];

const OUTCOMES = ["SUCCESS", "REFUSED", "ERROR"] as const;
type Outcome = (typeof OUTCOMES)[number];
const TARGET_TYPES = ["TrainingJob", "Deployment", "ApiToken"] as const;

const ActivityQuery = /* @__PURE__ */ graphql(`
  query ActivityPage($filter: AuditEventFilter, $first: Int, $offset: Int, $before: String) {
    auditEvents(filter: $filter, first: $first, offset: $offset, before: $before) {
      totalCount
      actions
      nodes {
        id
        actor
        actorKind
        action
        targetType
        targetId
        targetLabel
        outcome
        errorCode
        reason
        createdAt
        cursor
      }
    }
  }
`);

type Row = ResultOf<typeof ActivityQuery>["auditEvents"]["nodes"][number];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const outcome = params.get("outcome");
  const page = parsePage(params, 50);
  // Keyset paging (?before=<cursor>): an older page costs what the newest does, on the createdAt index.
  const before = params.get("before") || null;
  const data = await gql(context, request, ActivityQuery, {
    filter: {
      actor: params.get("actor")?.trim() || null,
      action: params.get("action") || null,
      targetType: params.get("target") || null,
      outcome: OUTCOMES.includes(outcome as Outcome) ? (outcome as Outcome) : null,
    },
    ...(before ? { first: page.pageSize, offset: 0, before } : pageArgs(page)),
  });
  const last = data.auditEvents.nodes.at(-1);
  return json({ ...data, now: new Date().toISOString(), olderCursor: data.auditEvents.nodes.length === page.pageSize ? (last?.cursor ?? null) : null });
}

const OUTCOME_STYLE: Record<Outcome, { label: string; icon: LucideIcon; className: string }> = {
  SUCCESS: { label: "Succeeded", icon: CheckCircle2, className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  REFUSED: { label: "Refused", icon: ShieldX, className: "bg-amber-50 text-amber-900 ring-amber-200" },
  ERROR: { label: "Error", icon: XCircle, className: "bg-red-50 text-red-800 ring-red-200" },
};

const ACTOR_ICON: Record<string, { icon: LucideIcon; label: string }> = {
  CONSOLE: { icon: Monitor, label: "Console user" },
  TOKEN: { icon: KeyRound, label: "API token" },
  SYSTEM: { icon: Bot, label: "Trainyard" },
};

function OutcomeBadge({ outcome, code, reason }: { outcome: Outcome; code: string | null; reason: string | null }) {
  const s = OUTCOME_STYLE[outcome];
  return (
    <span className="inline-flex items-center gap-2" title={reason ?? undefined}>
      <span className={cn("inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset", s.className)} data-outcome={outcome}>
        <s.icon className="h-3.5 w-3.5" aria-hidden />
        {s.label}
      </span>
      {code ? <code className="font-mono text-xs text-slate-500">{code}</code> : null}
      {reason ? <span className="max-w-xs truncate text-xs text-slate-500">{reason}</span> : null}
    </span>
  );
}

function targetHref(type: string | null, id: string | null): string | null {
  if (!type || !id) return null;
  if (type === "Deployment") return `/deployments/${id}`;
  if (type === "TrainingJob") return `/training/jobs/${id}`;
  if (type === "ApiToken") return "/settings/tokens";
  return null;
}

function Filters({ actions }: { actions: readonly string[] }) {
  const [params] = useSearchParams();
  const submit = useSubmit();
  const filtered = ["actor", "action", "target", "outcome"].some((k) => params.get(k));
  return (
    <Form
      method="get"
      role="search"
      className="mb-4 flex flex-wrap items-center gap-3"
      onChange={(e) => {
        if ((e.target as HTMLElement).tagName === "SELECT") submit(e.currentTarget, { preventScrollReset: true, replace: true });
      }}
    >
      <InlineFilterSearch
        name="actor"
        defaultValue={params.get("actor") ?? ""}
        key={params.get("actor") ?? ""}
        placeholder="Actor: console, a token name…"
        aria-label="Filter by actor"
      />
      <label className="flex items-center gap-2 text-sm text-slate-600">
        Action
        <select name="action" defaultValue={params.get("action") ?? ""} key={`a${params.get("action")}`} className={select}>
          <option value="">All actions</option>
          {actions.map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label className="flex items-center gap-2 text-sm text-slate-600">
        Target
        <select name="target" defaultValue={params.get("target") ?? ""} key={`t${params.get("target")}`} className={select}>
          <option value="">All targets</option>
          {TARGET_TYPES.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </label>
      <label className="flex items-center gap-2 text-sm text-slate-600">
        Outcome
        <select name="outcome" defaultValue={params.get("outcome") ?? ""} key={`o${params.get("outcome")}`} className={select}>
          <option value="">All outcomes</option>
          {OUTCOMES.map((o) => (
            <option key={o} value={o}>
              {OUTCOME_STYLE[o].label}
            </option>
          ))}
        </select>
      </label>
      <Button type="submit" variant="secondary">
        Apply
      </Button>
      {filtered ? (
        <Link to="/activity" className="inline-flex items-center gap-1 text-sm font-medium text-slate-600 hover:text-slate-900">
          <X className="h-4 w-4" aria-hidden /> Clear filters
        </Link>
      ) : null}
    </Form>
  );
}

export default function ActivityPage() {
  const { auditEvents, now, olderCursor } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const olderHref = (cursor: string) => {
    const next = new URLSearchParams(params);
    next.delete("page");
    next.set("before", cursor);
    return `?${next}`;
  };
  const columns = useMemo<ColumnDef<Row>[]>(
    () => [
      {
        id: "time",
        header: "When",
        cell: ({ row }) => (
          <time dateTime={row.original.createdAt} title={formatDateTime(row.original.createdAt)} className="text-slate-600">
            {formatRelative(row.original.createdAt, now)}
          </time>
        ),
      },
      {
        id: "actor",
        header: "Actor",
        cell: ({ row }) => {
          const kind = ACTOR_ICON[row.original.actorKind] ?? ACTOR_ICON.TOKEN!;
          return (
            <span className="inline-flex items-center gap-2 font-medium text-slate-900">
              <kind.icon className="h-4 w-4 text-slate-400" aria-hidden />
              <span className="sr-only">{kind.label}:</span>
              {row.original.actor}
            </span>
          );
        },
      },
      { id: "action", header: "Action", cell: ({ row }) => <code className="font-mono text-xs text-slate-700">{row.original.action}</code> },
      {
        id: "target",
        header: "Target",
        cell: ({ row }) => {
          const { targetType, targetId, targetLabel } = row.original;
          if (!targetType) return <span className="text-slate-400">—</span>;
          const href = targetHref(targetType, targetId);
          const text = targetLabel ?? (targetId ? `${targetId.slice(0, 8)}…` : "");
          return (
            <span className="text-sm">
              <span className="text-xs text-slate-500">{targetType}</span>{" "}
              {href && row.original.outcome === "SUCCESS" ? (
                <Link to={href} className="text-slate-900 hover:text-indigo-600 hover:underline">
                  {text}
                </Link>
              ) : (
                <span className="text-slate-700">{text}</span>
              )}
            </span>
          );
        },
      },
      { id: "outcome", header: "Outcome", cell: ({ row }) => <OutcomeBadge outcome={row.original.outcome} code={row.original.errorCode} reason={row.original.reason} /> },
    ],
    [now],
  );
  return (
    <>
      <PageHeader
        title="Activity"
        description="The audit trail: every change made through the console or the API, who made it, and whether it was allowed."
      />
      <Filters actions={auditEvents.actions} />
      <DataTable
        label="Audit trail"
        columns={columns}
        rows={auditEvents.nodes}
        totalCount={auditEvents.totalCount}
        sortKeys={[]}
        defaultPageSize={50}
        getRowId={(row) => row.id}
        empty={
          <div className="text-center">
            <History className="mx-auto h-8 w-8 text-slate-300" aria-hidden />
            <p className="mt-2 text-sm font-medium text-slate-900">No activity matches</p>
            <p className="mt-1 text-sm text-slate-500">Deploys, training jobs and token changes appear here as they happen.</p>
          </div>
        }
      />
      {olderCursor || params.get("before") ? (
        <nav aria-label="Older activity" className="mt-3 flex justify-end gap-4 text-sm font-medium">
          {params.get("before") ? (
            <Link to="/activity" className="text-slate-600 hover:text-slate-900">
              Newest
            </Link>
          ) : null}
          {olderCursor ? (
            <Link to={olderHref(olderCursor)} className="text-indigo-600 hover:underline">
              Older events →
            </Link>
          ) : null}
        </nav>
      ) : null}
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
