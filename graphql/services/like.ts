/**
 * `text` as the literal part of a LIKE/ILIKE pattern: backslash (the default escape character), `%` and `_` escaped.
 * Prisma's `contains` puts its value between `%…%` as it is, so a search for "_" would match every row; every
 * "matches part of" filter passes its text through this first.
 */
export function likeLiteral(text: string): string {
  return text.replace(/[\\%_]/g, "\\$&");
}
