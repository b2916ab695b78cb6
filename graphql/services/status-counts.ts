import type { Db, PrismaClient } from "../db.ts";

/**
 * How many deployments or training jobs are in each status, from the rows the database keeps for it
 * (`StatusCount`, written by triggers; docs/decisions/0039-status-counts.md): a handful of rows to sum,
 * whatever the fleet size, and exact in every snapshot, like `count(*)`.
 */
export type CountedTable = "Deployment" | "TrainingJob";

/** Rows per status of each of `tables` (one statement for all of them). */
export async function statusCounts(prisma: Db, tables: readonly CountedTable[]): Promise<Map<CountedTable, Map<string, number>>> {
  const rows = await prisma.$queryRaw<Array<{ subject: CountedTable; status: string; n: number }>>`
    SELECT "subject", "status", sum("delta")::int AS n FROM "StatusCount"
    WHERE "subject" = ANY(${tables as CountedTable[]}::text[]) GROUP BY 1, 2`;
  const counts = new Map<CountedTable, Map<string, number>>(tables.map((t) => [t, new Map()]));
  for (const r of rows) counts.get(r.subject)?.set(r.status, r.n);
  return counts;
}

/**
 * A statement already on its way can carry a table's counts (a list page's, ADR 0051): what it offers, per request,
 * so that the request's totals wait for it instead of sending a statement of their own.
 */
const rides = new WeakMap<object, Map<CountedTable, Promise<ReadonlyMap<string, number> | null>>>();

/**
 * Offers a ride for `table`'s counts in this request: the caller's statement will carry them and the returned
 * function must be called once with them (null: it did not, e.g. its page was empty or it failed). Undefined when
 * another statement of the request already offered one.
 */
export function offerStatusCounts(request: object, table: CountedTable): ((counts: ReadonlyMap<string, number> | null) => void) | undefined {
  let offered = rides.get(request);
  if (!offered) rides.set(request, (offered = new Map()));
  if (offered.has(table)) return undefined;
  let settle!: (counts: ReadonlyMap<string, number> | null) => void;
  offered.set(table, new Promise((resolve) => (settle = resolve)));
  return settle;
}

/** `statusCounts` for one request: the tables a statement of the request carries come from it, the rest are read. */
export async function requestStatusCounts(request: object, prisma: Db, tables: readonly CountedTable[]): Promise<Map<CountedTable, ReadonlyMap<string, number>>> {
  const counts = new Map<CountedTable, ReadonlyMap<string, number>>();
  const unread: CountedTable[] = [];
  for (const table of tables) {
    const ride = rides.get(request)?.get(table);
    const carried = ride ? await ride : null;
    if (carried) counts.set(table, carried);
    else unread.push(table);
  }
  if (unread.length) for (const [table, byStatus] of await statusCounts(prisma, unread)) counts.set(table, byStatus);
  return counts;
}

/** The SQL of a select-list column holding `table`'s counts as a JSON object (status → rows); parse with `parseStatusCounts`. */
export const STATUS_COUNTS_JSON = (table: CountedTable) => `(SELECT COALESCE(json_object_agg(c."status", c.n), '{}'::json)::text FROM (
        SELECT "status", sum("delta")::int AS n FROM "StatusCount" WHERE "subject" = '${table}' GROUP BY 1) c)`;

export function parseStatusCounts(json: string): Map<string, number> {
  return new Map(Object.entries(JSON.parse(json) as Record<string, number>));
}

/** Rows in one of `statuses` (every status when null), from `statusCounts`' figures for one table. */
export function sumOfStatuses(counts: ReadonlyMap<string, number> | undefined, statuses: readonly string[] | null): number {
  let n = 0;
  for (const [status, count] of counts ?? []) if (statuses === null || statuses.includes(status)) n += count;
  return n;
}

/**
 * The statuses a list filter asks for, when the filter is nothing but a status filter (`{}` or
 * `{ status: { in: [...] } }`): then the kept counts answer its total. Undefined for any other filter.
 */
export function statusOnlyFilter(where: object | undefined): readonly string[] | null | undefined {
  const keys = Object.keys(where ?? {});
  if (keys.length === 0) return null;
  if (keys.length !== 1 || keys[0] !== "status") return undefined;
  const status = (where as { status?: unknown }).status;
  if (typeof status === "string") return [status];
  if (status && typeof status === "object" && Object.keys(status).length === 1 && Array.isArray((status as { in?: unknown }).in)) {
    return (status as { in: string[] }).in;
  }
  return undefined;
}

/**
 * Folds the delta rows into one row per status (when there is anything to fold); returns how many rows
 * it folded. Run by the maintenance pass; safe beside writers and other folds.
 */
export async function foldStatusCounts(prisma: PrismaClient): Promise<number> {
  const [row] = await prisma.$queryRaw<Array<{ folded: number }>>`SELECT "trainyard_fold_status_counts"() AS folded`;
  return row?.folded ?? 0;
}
