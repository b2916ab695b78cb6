import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { FlaskConical, Plus } from "lucide-react";
import { useMemo } from "react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-page";
import { TrainingJobActions } from "~/components/training-job-actions";
import { TrainingProgress } from "~/components/training-progress";
import { ClearFilters, FilterBar, FilterSearchField, FilterSelectField, useFiltered } from "~/components/ui/filters";
import { PageHeader } from "~/components/ui/page-header";
import { CompareBar, CompareCheckbox } from "~/components/compare-selection";
import { StatusBadge } from "~/components/ui/status-badge";
import { enumOptions, enumValue, TRAINER_OPTIONS } from "~/lib/enum-options";
import { formatDateTime, formatDuration, formatRelative } from "~/lib/format";
import { MutationFailure, TrainingJobHeading } from "~/lib/fragments";
import { graphql, type ResultOf } from "~/lib/graphql";
import { TrainerKind, TrainingJobStatus } from "~/lib/schema-enums";
import { pageArgs, parsePage, parseSort } from "~/lib/table-state";
import { usePolling } from "~/lib/use-polling";
import { safeRedirect } from "~/lib/safe-redirect";
import { gql } from "~/server/gql.server";
import { redirectWithResult, redirectWithToast } from "~/server/toast.server";

export const meta: MetaFunction = () => [{ title: "Training jobs · Trainyard" }];

const SORT_KEYS = ["created", "name", "status", "progress"] as const;
const SORT_FIELDS = { created: "CREATED", name: "MODEL_NAME", status: "STATUS", progress: "PROGRESS" } as const;
const FILTERS = ["q", "status", "baseModel", "trainer"] as const;
const ACTIVE_POLL_MS = 3000;

const JobsQuery = /* @__PURE__ */ graphql(`
  query TrainingJobsPage($filter: TrainingJobFilter, $sort: TrainingJobSort, $first: Int, $offset: Int) {
    trainingJobs(filter: $filter, sort: $sort, first: $first, offset: $offset) {
      totalCount
      nodes {
        ...TrainingJobHeading
        createdAt
        durationSeconds
        errorMessage
        trainer
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
`, [TrainingJobHeading]);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const [sort] = parseSort(params.get("sort"), SORT_KEYS, [{ id: "created", desc: true }]);
  const status = enumValue(TrainingJobStatus, params.get("status"));
  const filter = {
    search: params.get("q") || null,
    status: status ? [status] : null,
    baseModelId: params.get("baseModel") || null,
    trainer: enumValue(TrainerKind, params.get("trainer")),
  };
  const data = await gql(context, request, JobsQuery, {
    filter,
    sort: { field: SORT_FIELDS[sort!.id as keyof typeof SORT_FIELDS], direction: sort!.desc ? "DESC" : "ASC" },
    ...pageArgs(parsePage(params)),
  });
  return json({ ...data, now: new Date().toISOString() });
}

const CancelJob = /* @__PURE__ */ graphql(`
  mutation CancelJobFromConsole($id: ID!) {
    cancelTrainingJob(id: $id) {
      __typename
      ... on CancelTrainingJobSuccess {
        job {
          id
          modelName
        }
      }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

const RetryJob = /* @__PURE__ */ graphql(`
  mutation RetryJobFromConsole($id: ID!) {
    retryTrainingJob(id: $id) {
      __typename
      ... on RetryTrainingJobSuccess {
        job {
          id
          modelName
        }
      }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  const jobId = String(form.get("jobId") ?? "");
  const back = safeRedirect(form.get("redirectTo"), "/training/jobs");
  if (intent === "cancel") {
    const result = (await gql(context, request, CancelJob, { id: jobId })).cancelTrainingJob;
    return redirectWithResult(
      result,
      "CancelTrainingJobSuccess",
      ({ job }) => ({ to: back, title: `Cancelled ${job.modelName}`, description: "The job stops within one step." }),
      { to: back, title: "Could not cancel the job" },
    );
  }
  if (intent === "retry") {
    const result = (await gql(context, request, RetryJob, { id: jobId })).retryTrainingJob;
    return redirectWithResult(
      result,
      "RetryTrainingJobSuccess",
      ({ job }) => ({ to: `/training/jobs/${job.id}`, title: `Retrying ${job.modelName}`, description: "A new job with the same configuration is queued." }),
      { to: back, title: "Could not retry the job" },
    );
  }
  return redirectWithToast(back, { type: "error", title: "Unknown action" });
}

type Job = ResultOf<typeof JobsQuery>["trainingJobs"]["nodes"][number];

export default function TrainingJobs() {
  const { trainingJobs, baseModels, now } = useLoaderData<typeof loader>();
  const filtered = useFiltered(FILTERS);
  // Progress of running jobs moves on its own: refresh the rows while any is active.
  usePolling(trainingJobs.nodes.some((j) => j.status === "RUNNING" || j.status === "QUEUED"), ACTIVE_POLL_MS);

  // Sorting is done by the server; TanStack only offers it on columns with an accessor.
  const columns = useMemo<ColumnDef<Job>[]>(
    () => [
      {
        id: "name",
        accessorFn: (row) => row.modelName,
        header: "Name",
        enableSorting: true,
        cell: ({ row }) => (
          <span className="inline-flex items-center gap-2.5">
            <CompareCheckbox id={row.original.id} label={row.original.modelName} />
            <Link to={`/training/jobs/${row.original.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
              {row.original.modelName}
            </Link>
            {row.original.trainer === "SIMULATED" ? (
              <span className="rounded bg-slate-100 px-1.5 py-0.5 text-xs font-medium text-slate-600" title="Run by the built-in simulated trainer: synthetic curve, placeholder artifact">
                Simulated
              </span>
            ) : null}
          </span>
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
            <StatusBadge domain="trainingJob" status={row.original.status} />
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
            <TrainingJobActions
              id={row.original.id}
              modelName={row.original.modelName}
              availableActions={row.original.availableActions}
              liveDeployment={row.original.liveDeployment}
            />
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
      <FilterBar label="Filter training jobs" names={FILTERS}>
        <FilterSearchField label="Name" placeholder="Search model names" />
        <FilterSelectField label="Status" name="status" allLabel="All statuses" options={enumOptions(TrainingJobStatus)} />
        <FilterSelectField label="Base model" name="baseModel" allLabel="All base models" options={baseModels.nodes.map((m) => ({ value: m.id, label: m.name }))} />
        <FilterSelectField label="Trainer" name="trainer" allLabel="Real and simulated" options={TRAINER_OPTIONS} />
      </FilterBar>
      <CompareBar />
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
                <ClearFilters names={FILTERS} />
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
