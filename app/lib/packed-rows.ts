/**
 * A page of table rows as the browser receives it: the field names once, then one array of values per row.
 * Remix sends a loader's data as JSON, so 50 rows of objects repeat every key 50 times (more than half of
 * /deployments' row data); packed, they are said once (docs/decisions/0037-streamed-list-pages.md, amendment).
 * Rows must be flat (one level of fields): a nested object would keep its own keys.
 */
export interface PackedRows<Row> {
  fields: Array<keyof Row & string>;
  values: unknown[][];
}

/** Packs rows that all have the same fields (the first row's). */
export function packRows<Row extends object>(rows: Row[]): PackedRows<Row> {
  const fields = (rows[0] ? Object.keys(rows[0]) : []) as Array<keyof Row & string>;
  return { fields, values: rows.map((row) => fields.map((f) => row[f])) };
}

export function unpackRows<Row>({ fields, values }: PackedRows<Row>): Row[] {
  // A loop, not Object.fromEntries over mapped pairs: the server unpacks every row of every page it renders.
  return values.map((v) => {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < fields.length; i++) row[fields[i]!] = v[i];
    return row as Row;
  });
}
