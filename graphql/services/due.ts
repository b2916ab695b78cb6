import type { Db } from "../db.ts";

/**
 * Milliseconds from `now` until the earliest `due` over the rows of `from` that `where` selects
 * (≤ 0: due already), or null when there is none: how long an idle worker may sleep. The SQL pieces
 * are the callers' own constants, never input; values go in as parameters ($2, $3, … after `now`).
 */
export async function msUntilEarliest(db: Db, sql: { from: string; due: string; where: string }, now = new Date(), params: unknown[] = []): Promise<number | null> {
  const rows = await db.$queryRawUnsafe<Array<{ ms: number | null }>>(
    // An infinite due time (a row never done, e.g. COALESCE(last, '-infinity')) is due now; +infinity never.
    `SELECT (CASE WHEN d IS NULL OR d = 'infinity' THEN NULL WHEN d = '-infinity' THEN 0
                  ELSE EXTRACT(EPOCH FROM (d - $1::timestamp)) * 1000 END)::float8 AS ms
       FROM (SELECT min(${sql.due}) AS d FROM ${sql.from} WHERE ${sql.where}) earliest`,
    now.toISOString(),
    ...params,
  );
  return rows[0]?.ms ?? null;
}
