/**
 * The one id check of the API. Every id the schema hands out for a database
 * row is a UUID; anything else names no row, so lookups answer "not found"
 * (or null) without asking the database, which would reject the cast.
 */
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: unknown): boolean {
  return typeof value === "string" && UUID_RE.test(value);
}

/** A UUID that matches no row: for filters given an id that cannot exist, so they match nothing. */
export const NO_ROW_ID = "00000000-0000-0000-0000-000000000000";

/** The id itself when it is a UUID, otherwise `NO_ROW_ID`. */
export function uuidOrNothing(value: unknown): string {
  return isUuid(value) ? (value as string) : NO_ROW_ID;
}
