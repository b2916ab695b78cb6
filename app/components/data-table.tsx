import { Await, useNavigate, useNavigation, useSearchParams, type NavigateFunction } from "@remix-run/react";
import {
  flexRender,
  getCoreRowModel,
  useReactTable,
  type CellContext,
  type Column,
  type ColumnDef,
  type Row as TanStackRow,
  type RowData,
  type Table,
  type SortingState,
  type Updater,
} from "@tanstack/react-table";
import { ArrowDown, ArrowUp, ArrowUpDown, ChevronLeft, ChevronRight } from "lucide-react";
import { Suspense, useMemo, type MouseEvent, type ReactNode } from "react";
import { Icon } from "~/components/ui/icon";
import { cn } from "~/lib/cn";
import { PAGE_SIZES, parsePage, parseSort, serializeSort, withParams } from "~/lib/table-state";

declare module "@tanstack/react-table" {
  interface ColumnMeta<TData extends RowData, TValue> {
    /** A class for the column's body cells: a column's look said once per cell, not by a wrapper in every cell. */
    cell?: string;
  }
}

/** The icon a table's headers repeat (the unsorted columns' arrows), for a page's `<IconSprite>`; the others appear once. */
export const TABLE_ICONS = [ArrowUpDown];

type TableProps<Row> = {
  columns: ColumnDef<Row, any>[];
  /** Sort keys the server accepts. */
  sortKeys: readonly string[];
  defaultSort?: SortingState;
  getRowId: (row: Row) => string;
  empty: ReactNode;
  label: string;
  defaultPageSize?: number;
};

/** A page of rows as the API returns it (a connection's `nodes` and `totalCount`). */
export type TablePage<Row> = { nodes: Row[]; totalCount: number };

/**
 * A server-side table: sorting and paging live in the URL and are done by the
 * server (manualSorting / manualPagination with the server's totalCount).
 * Columns opt into sorting with `enableSorting: true`; their `id` is the URL's sort key.
 * The rows are either here (`rows`, `totalCount`) or on their way (`deferred`, a loader's `defer`red page):
 * then the headers and the pager render at once, skeleton rows until the rows stream in, and only the
 * body and the count are sent a second time.
 */
export function DataTable<Row, Packed = never>(
  props: TableProps<Row> &
    (
      | { rows: Row[]; totalCount: number }
      | { deferred: Promise<TablePage<Row>> }
      // A streamed page may come packed (the page's own encoding, e.g. app/lib/packed-rows.ts); `unpack` gives the rows.
      | { deferred: Promise<{ nodes: Packed; totalCount: number }>; unpack: (nodes: Packed) => Row[] }
    ),
) {
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const loading = navigation.state === "loading" && navigation.location?.pathname === (typeof window === "undefined" ? "" : window.location.pathname);
  const { pageSize } = parsePage(params, props.defaultPageSize);
  const ready = "rows" in props ? { nodes: props.rows, totalCount: props.totalCount } : null;
  // With the rows here, TanStack picks a column's first sort direction from its values (text ascending, figures
  // descending); a deferred table has none yet, so its text columns say `sortDescFirst: false` themselves.
  const headers = useServerTable(props, ready?.nodes ?? NO_ROWS, ready?.totalCount ?? 0);

  return (
    <div className="overflow-hidden rounded-xl border border-slate-200 bg-white shadow-sm">
      {/* relative: the headers' screen-reader text (absolutely placed) stays inside the scrolling box, not past the page's edge. */}
      <div className={cn("relative overflow-x-auto transition-opacity", loading && "opacity-60")} aria-busy={loading}>
        <table className="min-w-full divide-y divide-slate-200 text-sm" aria-label={props.label}>
          <thead className="data-table-head bg-slate-50">
            {headers.getHeaderGroups().map((group) => (
              <tr key={group.id}>
                {group.headers.map((header) => {
                  const sorted = header.column.getIsSorted();
                  const canSort = header.column.getCanSort();
                  const ariaSort = sorted === "asc" ? "ascending" : sorted === "desc" ? "descending" : canSort ? "none" : undefined;
                  const content = flexRender(header.column.columnDef.header, header.getContext());
                  return (
                    <th key={header.id} scope="col" aria-sort={ariaSort}>
                      {canSort ? (
                        <button type="button" onClick={header.column.getToggleSortingHandler()}>
                          {content}
                          {/* Sized and coloured by the stylesheet (.data-table-head): sorted columns' arrows dark, the others light. */}
                          <Icon icon={sorted === "asc" ? ArrowUp : sorted === "desc" ? ArrowDown : ArrowUpDown} />
                          <span className="sr-only">
                            {sorted === "asc" ? "(sorted ascending)" : sorted === "desc" ? "(sorted descending)" : "(click to sort)"}
                          </span>
                        </button>
                      ) : (
                        content
                      )}
                    </th>
                  );
                })}
              </tr>
            ))}
          </thead>
          {ready ? (
            <TableBody {...props} page={ready} />
          ) : (
            <Suspense fallback={<SkeletonRows columns={props.columns.length} count={Math.min(pageSize, SKELETON_ROWS)} />}>
              <Await resolve={(props as { deferred: Promise<TablePage<Row>> }).deferred}>{(page) => <TableBody {...props} page={page} />}</Await>
            </Suspense>
          )}
        </table>
      </div>
      {ready ? (
        <Pager totalCount={ready.totalCount} defaultPageSize={props.defaultPageSize} />
      ) : (
        <Suspense fallback={<Pager totalCount={null} label={props.label} defaultPageSize={props.defaultPageSize} />}>
          <Await resolve={(props as { deferred: Promise<TablePage<Row>> }).deferred}>
            {(page) => <Pager totalCount={page.totalCount} defaultPageSize={props.defaultPageSize} />}
          </Await>
        </Suspense>
      )}
    </div>
  );
}

function useServerTable<Row>(props: TableProps<Row>, rows: Row[], totalCount: number) {
  const [params, setParams] = useSearchParams();
  const sorting = parseSort(params.get("sort"), props.sortKeys, props.defaultSort);
  const { page, pageSize } = parsePage(params, props.defaultPageSize);
  return useReactTable({
    data: rows,
    columns: props.columns,
    getRowId: props.getRowId,
    getCoreRowModel: getCoreRowModel(),
    manualSorting: true,
    manualPagination: true,
    enableSortingRemoval: false,
    enableMultiSort: false,
    rowCount: totalCount,
    state: { sorting, pagination: { pageIndex: page - 1, pageSize } },
    onSortingChange: (updater: Updater<SortingState>) => {
      const next = typeof updater === "function" ? updater(sorting) : updater;
      setParams(withParams(params, { sort: serializeSort(next) }), { preventScrollReset: true });
    },
  });
}

function TableBody<Row>(props: TableProps<Row> & { page: TablePage<Row>; unpack?: (nodes: never) => Row[] }) {
  const { nodes } = props.page;
  const { unpack } = props;
  const rows = useMemo(() => (unpack ? unpack(nodes as never) : nodes), [nodes, unpack]);
  const table = useServerTable(props, rows, props.page.totalCount);
  const columns = table.getVisibleLeafColumns();
  const navigate = useNavigate();
  return (
    <tbody className="data-table-body divide-y divide-slate-100" onClick={(event) => followRowLink(event, navigate)}>
      {rows.length === 0 ? (
        <tr className="data-table-empty">
          <td colSpan={props.columns.length} className="px-4 py-12">
            {props.empty}
          </td>
        </tr>
      ) : (
        table.getRowModel().rows.map((row) => (
          <tr key={row.id}>
            {columns.map((column) => (
              <td key={column.id} className={column.columnDef.meta?.cell}>
                {flexRender(column.columnDef.cell, cellContext(table, row, column))}
              </td>
            ))}
          </tr>
        ))
      )}
    </tbody>
  );
}

/**
 * A cell's context without TanStack's cell object, which it builds (with a memoised context and the pinning and
 * visibility memos of its row) for every cell: 350 of them on a 50-row page, about a fifth of the rows' server
 * rendering. The cells read `row` (and `getValue`); `cell` is there, built on first use, for any that needs it.
 */
function cellContext<Row>(table: Table<Row>, row: TanStackRow<Row>, column: Column<Row, unknown>): CellContext<Row, unknown> {
  return {
    table,
    row,
    column,
    getValue: () => row.getValue(column.id),
    renderValue: () => row.renderValue(column.id),
    get cell() {
      return row.getAllCells().find((c) => c.column.id === column.id)!;
    },
  };
}

/**
 * A link in a row that the browser follows in the app, as `<Link>` does, without a `<Link>` per row: each costs
 * its path resolution and its prefetch and discovery hooks on every server render (a fifth of a 50-row page's
 * rows). One handler on the table's body navigates for any of them; a click with a modifier key (new tab), a
 * middle click, or a link with a target is left to the browser. The route itself is discovered through the
 * page's other links to it, or on the first click.
 */
export function RowLink({ to, children }: { to: string; children: ReactNode }) {
  return (
    <a href={to} data-row-link="">
      {children}
    </a>
  );
}

function followRowLink(event: MouseEvent<HTMLElement>, navigate: NavigateFunction) {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.altKey || event.ctrlKey || event.shiftKey) return;
  const link = (event.target as Element).closest("a[data-row-link]");
  if (!(link instanceof HTMLAnchorElement) || link.target || link.origin !== window.location.origin) return;
  event.preventDefault();
  navigate(link.pathname + link.search + link.hash);
}

/** The count and the paging controls under the table; `totalCount` null while the rows are on their way. */
function Pager({ totalCount, label, defaultPageSize }: { totalCount: number | null; label?: string; defaultPageSize?: number }) {
  const [params, setParams] = useSearchParams();
  const { page, pageSize } = parsePage(params, defaultPageSize);
  const pageCount = totalCount === null ? null : Math.max(1, Math.ceil(totalCount / pageSize));
  const from = !totalCount ? 0 : (page - 1) * pageSize + 1;
  const to = Math.min(page * pageSize, totalCount ?? 0);
  return (
    <div className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 border-t border-slate-200 bg-slate-50/50 px-4 py-3 text-sm text-slate-600">
      {totalCount === null ? (
        <span role="status">{`Loading ${label?.toLowerCase() ?? "rows"}…`}</span>
      ) : (
        <span>{totalCount === 0 ? "No results" : `Showing ${from}–${to} of ${totalCount.toLocaleString("en-US")}`}</span>
      )}
      <div className="flex flex-wrap items-center gap-2">
        <label className="mr-2 flex items-center gap-2">
          Rows per page
          <select
            value={pageSize}
            onChange={(e) => setParams(withParams(params, { size: e.target.value }), { preventScrollReset: true })}
            className="rounded-md border border-slate-200 bg-white py-1 pl-2 pr-7 text-sm text-slate-700"
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <span className="tabular-nums">{pageCount === null ? `Page ${page}` : `Page ${page} of ${pageCount}`}</span>
        <button
          type="button"
          className="rounded-md border border-slate-200 bg-white p-1.5 hover:bg-slate-50 disabled:opacity-40"
          disabled={page <= 1}
          onClick={() => setParams(withParams(params, { page: page - 1 }), { preventScrollReset: true })}
          aria-label="Previous page"
        >
          <Icon icon={ChevronLeft} className="h-4 w-4" />
        </button>
        <button
          type="button"
          className="rounded-md border border-slate-200 bg-white p-1.5 hover:bg-slate-50 disabled:opacity-40"
          disabled={pageCount === null || page >= pageCount}
          onClick={() => setParams(withParams(params, { page: page + 1 }), { preventScrollReset: true })}
          aria-label="Next page"
        >
          <Icon icon={ChevronRight} className="h-4 w-4" />
        </button>
      </div>
    </div>
  );
}

const NO_ROWS: never[] = [];
/** Enough placeholder rows to fill the first screen; more would only add bytes before the real ones. */
const SKELETON_ROWS = 10;

/** Grey bars where the cells will be, pulsing while the rows stream in. */
function SkeletonRows({ columns, count }: { columns: number; count: number }) {
  return (
    <tbody className="data-table-body divide-y divide-slate-100" aria-busy>
      {Array.from({ length: count }, (_, row) => (
        <tr key={row} className="skeleton-row" aria-hidden>
          {Array.from({ length: columns }, (_, column) => (
            <td key={column}>
              <i />
            </td>
          ))}
        </tr>
      ))}
    </tbody>
  );
}
