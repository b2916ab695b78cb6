import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { Boxes, Sparkles } from "lucide-react";
import { useMemo } from "react";
import { DataTable } from "~/components/data-table";
import { GeneralErrorBoundary } from "~/components/error-page";
import { ClearFilters, FilterBar, FilterSearchField, FilterSelectField } from "~/components/ui/filters";
import { PageHeader } from "~/components/ui/page-header";
import { enumOptions, enumValue } from "~/lib/enum-options";
import { formatEnum, formatInteger, formatParameters } from "~/lib/format";
import { ModelTask } from "~/lib/schema-enums";
import { BaseModelSummary } from "~/lib/fragments";
import { graphql, type ResultOf } from "~/lib/graphql";
import { pageArgs, parsePage, parseSort } from "~/lib/table-state";
import { gql } from "~/server/gql.server";

export const meta: MetaFunction = () => [{ title: "Models · Trainyard" }];

const SORT_KEYS = ["name", "parameters", "context", "released"] as const;
const SORT_FIELDS = { name: "NAME", parameters: "PARAMETERS", context: "CONTEXT_LENGTH", released: "RELEASED" } as const;
const FILTERS = ["q", "task", "family", "license"] as const;

const ModelsQuery = /* @__PURE__ */ graphql(`
  query ModelCatalog($filter: BaseModelFilter, $sort: BaseModelSort, $first: Int, $offset: Int) {
    baseModels(filter: $filter, sort: $sort, first: $first, offset: $offset) {
      totalCount
      nodes {
        ...BaseModelSummary
      }
    }
    facets: baseModels(first: 200) {
      nodes {
        family
        license
      }
    }
  }
`, [BaseModelSummary]);

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const [sort] = parseSort(params.get("sort"), SORT_KEYS, [{ id: "name", desc: false }]);
  const data = await gql(context, request, ModelsQuery, {
    filter: {
      search: params.get("q") || null,
      task: enumValue(ModelTask, params.get("task")),
      family: params.get("family") || null,
      license: params.get("license") || null,
    },
    sort: { field: SORT_FIELDS[sort!.id as keyof typeof SORT_FIELDS], direction: sort!.desc ? "DESC" : "ASC" },
    ...pageArgs(parsePage(params)),
  });
  const distinct = (values: string[]) => [...new Set(values)].sort((a, b) => a.localeCompare(b));
  return json({
    baseModels: data.baseModels,
    families: distinct(data.facets.nodes.map((m) => m.family)),
    licenses: distinct(data.facets.nodes.map((m) => m.license)),
  });
}

type Model = ResultOf<typeof ModelsQuery>["baseModels"]["nodes"][number];

export default function ModelCatalog() {
  const { baseModels, families, licenses } = useLoaderData<typeof loader>();

  // Sorting is done by the server; TanStack only offers it on columns with an accessor.
  const columns = useMemo<ColumnDef<Model>[]>(
    () => [
      {
        id: "name",
        accessorFn: (row) => row.name,
        header: "Model",
        enableSorting: true,
        cell: ({ row }) => (
          <div>
            <Link to={`/models/${row.original.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
              {row.original.name}
            </Link>
            <p className="text-xs text-slate-500">{row.original.organization}</p>
          </div>
        ),
      },
      { id: "family", header: "Family", cell: ({ row }) => row.original.family },
      {
        id: "task",
        header: "Task",
        cell: ({ row }) => (
          <span className="rounded-md bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">{formatEnum(row.original.task)}</span>
        ),
      },
      {
        id: "parameters",
        accessorFn: (row) => row.parametersBillions,
        header: "Parameters",
        enableSorting: true,
        cell: ({ row }) => <span className="tabular-nums">{formatParameters(row.original.parametersBillions)}</span>,
      },
      {
        id: "context",
        accessorFn: (row) => row.contextLength,
        header: "Context",
        enableSorting: true,
        cell: ({ row }) => <span className="tabular-nums">{formatInteger(row.original.contextLength)} tokens</span>,
      },
      { id: "license", header: "License", cell: ({ row }) => <span className="text-slate-600">{row.original.license}</span> },
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) => (
          <div className="flex justify-end">
            <Link
              to={`/training/new?baseModel=${encodeURIComponent(row.original.id)}`}
              className="inline-flex items-center gap-1 rounded-lg px-2.5 py-1.5 text-xs font-medium text-indigo-700 ring-1 ring-inset ring-indigo-200 hover:bg-indigo-50"
              aria-label={`Fine-tune ${row.original.name}`}
            >
              <Sparkles className="h-3.5 w-3.5" aria-hidden /> Fine-tune
            </Link>
          </div>
        ),
      },
    ],
    [],
  );

  return (
    <>
      <PageHeader title="Models" description="Open-weight base models you can fine-tune. Pick one and press Fine-tune to configure a job." />
      <FilterBar label="Filter models" names={FILTERS}>
        <FilterSearchField label="Search" placeholder="Name, family or organization" />
        <FilterSelectField label="Task" name="task" allLabel="All tasks" options={enumOptions(ModelTask)} />
        <FilterSelectField label="Family" name="family" allLabel="All families" options={families.map((f) => ({ value: f, label: f }))} />
        <FilterSelectField label="License" name="license" allLabel="All licenses" options={licenses.map((l) => ({ value: l, label: l }))} />
      </FilterBar>
      <DataTable
        label="Base models"
        columns={columns}
        rows={baseModels.nodes}
        totalCount={baseModels.totalCount}
        sortKeys={SORT_KEYS}
        defaultSort={[{ id: "name", desc: false }]}
        getRowId={(m) => m.id}
        empty={
          <div className="flex flex-col items-center gap-2 text-center">
            <Boxes className="h-8 w-8 text-slate-300" aria-hidden />
            <p className="font-medium text-slate-900">No models match these filters</p>
            <ClearFilters names={FILTERS} />
          </div>
        }
      />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
