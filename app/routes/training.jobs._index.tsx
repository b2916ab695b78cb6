import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useRevalidator, useSearchParams, useSubmit } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { FlaskConical, Plus, Search, X } from "lucide-react";
import { useEffect, useMemo } from "react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-page";
import { TrainingJobActions } from "~/components/training-job-actions";
import { TrainingProgress } from "~/components/training-progress";
import { PageHeader } from "~/components/ui/page-header";
import { StatusBadge } from "~/components/ui/status-badge";
import { formatDateTime, formatDuration, formatRelative } from "~/lib/format";
import { graphql, type ResultOf } from "~/lib/graphql";
import { pageArgs, parsePage, parseSort } from "~/lib/table-state";
import { gql } from "~/server/gql.server";
import { redirectWithToast } from "~/server/toast.server";

export const meta: MetaFunction = () => [{ title: "Training jobs · Trainyard" }];

const SORT_KEYS = ["created", "name", "status", "progress"] as const;
const SORT_FIELDS = { created: "CREATED", name: "MODEL_NAME", status: "STATUS", progress: "PROGRESS" } as const;
const STATUSES = ["QUEUED", "RUNNING", "COMPLETE", "FAILED", "CANCELLED"] as const;
type Status = (typeof STATUSES)[number];

const JobsQuery = graphql(`
  query TrainingJobsPage($filter: TrainingJobFilter, $sort: TrainingJobSort, $first: Int, $offset: Int) {
    trainingJobs(filter: $filter, sort: $sort, first: $first, offset: $offset) {
      totalCount
      nodes {
        id
        modelName
        status
        progress
        createdAt
        durationSeconds
        errorMessage
        baseModel {
          id
          name
        }
      }
    }
    baseModels(first: 200, sort: { field: NAME, direction: ASC }) {
      nodes {
        id
        name
      }
    }
  }
`);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const [sort] = parseSort(params.get("sort"), SORT_KEYS, [{ id: "created", desc: true }]);
  const status = params.get("status");
  const filter = {
    search: params.get("q") || null,
    status: STATUSES.includes(status as Status) ? [status as Status] : null,
    baseModelId: params.get("baseModel") || null,
  };
  const data = await gql(context, request, JobsQuery, {
    filter,
    sort: { field: SORT_FIELDS[sort!.id as keyof typeof SORT_FIELDS], direction: sort!.desc ? "DESC" : "ASC" },
    ...pageArgs(parsePage(params)),
  });
  return json({ ...data, now: new Date().toISOString() });
}

const CancelJob = graphql(`
  mutation CancelJobFromConsole($id: ID!) {
    cancelTrainingJob(id: $id) {
      __typename
      ... on CancelTrainingJobSuccess {
        job {
          id
          modelName
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const RetryJob = graphql(`
  mutation RetryJobFromConsole($id: ID!) {
    retryTrainingJob(id: $id) {
      __typename
      ... on RetryTrainingJobSuccess {
        job {
          id
          modelName
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

/** Only same-site paths: a crafted form must not redirect elsewhere. */
function safeRedirect(value: FormDataEntryValue | null, fallback: string): string {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") ? value : fallback;
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  const jobId = String(form.get("jobId") ?? "");
  const back = safeRedirect(form.get("redirectTo"), "/training/jobs");
  if (intent === "cancel") {
    const { cancelTrainingJob: r } = await gql(context, request, CancelJob, { id: jobId });
    if (r.__typename === "CancelTrainingJobSuccess") {
      return redirectWithToast(back, { type: "success", title: `Cancelled ${r.job.modelName}`, description: "The job stops within one step." });
    }
    return redirectWithToast(back, { type: "error", title: "Could not cancel the job", description: "message" in r ? r.message : undefined });
  }
  if (intent === "retry") {
    const { retryTrainingJob: r } = await gql(context, request, RetryJob, { id: jobId });
    if (r.__typename === "RetryTrainingJobSuccess") {
      return redirectWithToast(`/training/jobs/${r.job.id}`, {
        type: "success",
        title: `Retrying ${r.job.modelName}`,
        description: "A new job with the same configuration is queued.",
      });
    }
    return redirectWithToast(back, { type: "error", title: "Could not retry the job", description: "message" in r ? r.message : undefined });
  }
  return redirectWithToast(back, { type: "error", title: "Unknown action" });
}

type Job = ResultOf<typeof JobsQuery>["trainingJobs"]["nodes"][number];

export default function TrainingJobs() {
  const { trainingJobs, baseModels, now } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const submit = useSubmit();
  const revalidator = useRevalidator();
  const filtered = Boolean(params.get("q") || params.get("status") || params.get("baseModel"));
  const active = trainingJobs.nodes.some((j) => j.status === "RUNNING" || j.status === "QUEUED");

  // Progress of running jobs moves on its own: refresh the rows while any is active.
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle" && document.visibilityState === "visible") revalidator.revalidate();
    }, 3000);
    return () => clearInterval(timer);
  }, [active, revalidator]);

  // Sorting is done by the server; TanStack only offers it on columns with an accessor.
  const columns = useMemo<ColumnDef<Job>[]>(
    () => [
      {
        id: "name",
        accessorFn: (row) => row.modelName,
        header: "Name",
        enableSorting: true,
        cell: ({ row }) => (
          <Link to={`/training/jobs/${row.original.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
            {row.original.modelName}
          </Link>
        ),
      },
      {
        id: "baseModel",
        header: "Base model",
        cell: ({ row }) => (
          <Link to={`/models/${row.original.baseModel.id}`} className="text-slate-600 hover:text-indigo-600">
            {row.original.baseModel.name}
          </Link>
        ),
      },
      {
        id: "status",
        accessorFn: (row) => row.status,
        header: "Status",
        enableSorting: true,
        cell: ({ row }) => (
          <span title={row.original.errorMessage ?? undefined}>
            <StatusBadge status={row.original.status} />
          </span>
        ),
      },
      {
        id: "progress",
        accessorFn: (row) => row.progress,
        header: "Progress",
        enableSorting: true,
        cell: ({ row }) => (
          <TrainingProgress progress={row.original.progress} status={row.original.status} label={`${row.original.modelName} progress`} />
        ),
      },
      {
        id: "created",
        accessorFn: (row) => row.createdAt,
        header: "Created",
        enableSorting: true,
        cell: ({ row }) => (
          <time dateTime={row.original.createdAt} title={formatDateTime(row.original.createdAt)} className="text-slate-600">
            {formatRelative(row.original.createdAt, now)}
          </time>
        ),
      },
      {
        id: "duration",
        header: "Duration",
        cell: ({ row }) => <span className="tabular-nums text-slate-600">{formatDuration(row.original.durationSeconds)}</span>,
      },
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) => (
          <div className="flex justify-end">
            <TrainingJobActions id={row.original.id} status={row.original.status} modelName={row.original.modelName} />
          </div>
        ),
      },
    ],
    [now],
  );

  return (
    <>
      <PageHeader
        title="Training jobs"
        description="Every fine-tuning run, newest first. Cancel, retry or deploy from here."
        actions={
          <Link
            to="/training/new"
            className="inline-flex items-center gap-1.5 rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
          >
            <Plus className="h-4 w-4" aria-hidden /> New training job
          </Link>
        }
      />
      <Form
        method="get"
        role="search"
        aria-label="Filter training jobs"
        className="mb-4 flex flex-wrap items-end gap-3"
        onChange={(e) => {
          const target = e.target as HTMLElement;
          if (target.tagName === "SELECT") submit(e.currentTarget, { preventScrollReset: true });
        }}
      >
        {params.get("sort") ? <input type="hidden" name="sort" value={params.get("sort")!} /> : null}
        {params.get("size") ? <input type="hidden" name="size" value={params.get("size")!} /> : null}
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Name
          <span className="relative">
            <Search className="pointer-events-none absolute left-2.5 top-2.5 h-4 w-4 text-slate-400" aria-hidden />
            <input
              type="search"
              name="q"
              defaultValue={params.get("q") ?? ""}
              placeholder="Search model names"
              className="w-64 rounded-lg border border-slate-300 py-2 pl-8 pr-3 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
            />
          </span>
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Status
          <select
            name="status"
            defaultValue={params.get("status") ?? ""}
            className="rounded-lg border border-slate-300 py-2 pl-3 pr-8 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none"
          >
            <option value="">All statuses</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.charAt(0) + s.slice(1).toLowerCase()}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1 text-xs font-medium text-slate-600">
          Base model
          <select
            name="baseModel"
            defaultValue={params.get("baseModel") ?? ""}
            className="rounded-lg border border-slate-300 py-2 pl-3 pr-8 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none"
          >
            <option value="">All base models</option>
            {baseModels.nodes.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          className="rounded-lg bg-white px-3.5 py-2 text-sm font-medium text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
        >
          Apply
        </button>
        {filtered ? (
          <Link to="/training/jobs" className="inline-flex items-center gap-1 px-2 py-2 text-sm text-slate-500 hover:text-slate-900">
            <X className="h-4 w-4" aria-hidden /> Clear filters
          </Link>
        ) : null}
      </Form>
      <DataTable
        label="Training jobs"
        columns={columns}
        rows={trainingJobs.nodes}
        totalCount={trainingJobs.totalCount}
        sortKeys={SORT_KEYS}
        defaultSort={[{ id: "created", desc: true }]}
        getRowId={(j) => j.id}
        empty={
          <div className="flex flex-col items-center gap-2 text-center">
            <FlaskConical className="h-8 w-8 text-slate-300" aria-hidden />
            <p className="font-medium text-slate-900">{filtered ? "No training jobs match these filters" : "No training jobs yet"}</p>
            <p className="text-sm text-slate-500">
              {filtered ? (
                <Link to="/training/jobs" className="text-indigo-600 hover:text-indigo-500">
                  Clear the filters
                </Link>
              ) : (
                <Link to="/training/new" className="text-indigo-600 hover:text-indigo-500">
                  Configure your first fine-tuning job
                </Link>
              )}
            </p>
          </div>
        }
      />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
