import { parseArgs, type ParseArgsConfig } from "node:util";

/** Exit codes are part of the CLI's contract: CI scripts branch on them (docs/cli.md). */
export const EXIT = { ok: 0, error: 1, usage: 2, auth: 3, refused: 4, rolloutFailed: 5, timeout: 6, unreachable: 7 } as const;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    readonly code?: string,
    /** The server's own message, without the code appended (for --json). */
    readonly serverMessage?: string,
  ) {
    super(message);
  }
}

export const usageError = (message: string) => new CliError(message, EXIT.usage);

type Options = NonNullable<ParseArgsConfig["options"]>;

/** Strict option parsing: an unknown flag or a stray argument is a usage error (exit 2). Every command takes --json. */
export function parse<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options: { json: { type: "boolean" }, ...options }, allowPositionals, strict: true });
  } catch (err) {
    throw usageError((err as Error).message);
  }
}

/** `<group> <subcommand> ID`: exactly one id after the options. */
export function parseOneId(args: string[], what: string, hint: string) {
  const { values, positionals } = parse(args, {}, true);
  if (positionals.length !== 1) throw usageError(`${what} needs exactly one ID (see \`${hint}\`)`);
  return { id: positionals[0]!, json: values.json ?? false };
}

/** A comma-separated list of enum values, upper-cased, each checked against the schema's values. */
export function enumList<T extends string>(value: string | undefined, allowed: readonly T[], what: string): T[] | undefined {
  if (!value) return undefined;
  const list = value.split(",").map((s) => s.trim().toUpperCase()).filter(Boolean);
  const bad = list.find((s) => !(allowed as readonly string[]).includes(s));
  if (bad !== undefined) throw usageError(`unknown ${what} "${bad}"; use one of ${allowed.join(", ")}`);
  return list as T[];
}

export function positiveNumber(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw usageError(`--${name} must be a positive number (got "${value}")`);
  return n;
}

/** --limit N, capped at the API's page size. */
export const limitOf = (value: string | undefined) => Math.min(positiveNumber(value, "limit", 20), 200);

// ---------------------------------------------------------------------------
// Output: tables and notes for people, one JSON document for scripts.

export function table(rows: Array<Record<string, string>>, empty: string): string {
  if (rows.length === 0) return `${empty}\n`;
  const headers = Object.keys(rows[0]!);
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => (r[h] ?? "").length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd();
  return [line(headers), ...rows.map((r) => line(headers.map((h) => r[h] ?? "")))].join("\n") + "\n";
}

export const when = (iso: string | null | undefined) => (iso ? iso.replace("T", " ").replace(/\.\d+Z$/, "Z") : "—");
export function print(text: string): void {
  process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
}
export const printJson = (value: unknown) => print(JSON.stringify(value, null, 2));
export function note(line: string): void {
  process.stderr.write(`${line}\n`);
}
/** The API's action names as a person types them: `DEPLOY, RETRY` → `deploy, retry`. */
export const actionList = (actions: readonly string[]) => (actions.length ? actions.join(", ").toLowerCase() : "none");

/** "3 of 40 shown" when a list was cut by --limit. */
export function noteTruncated(page: { totalCount: number; nodes: readonly unknown[] }) {
  if (page.totalCount > page.nodes.length) note(`${page.nodes.length} of ${page.totalCount} shown; use --limit`);
}
