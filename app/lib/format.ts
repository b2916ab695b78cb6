/** Client-safe formatters. Every figure they print comes from the server's data. */

const integer = new Intl.NumberFormat("en-US");
const compact = new Intl.NumberFormat("en-US", { notation: "compact", maximumFractionDigits: 1 });

export const formatInteger = (n: number) => integer.format(n);
export const formatCompact = (n: number) => (Math.abs(n) < 10_000 ? integer.format(n) : compact.format(n));

/** An enum value as words: TEXT_GENERATION → "Text generation". */
export const formatEnum = (value: string) => value.charAt(0) + value.slice(1).toLowerCase().replace(/_/g, " ");

export function formatPercent(fraction: number | null | undefined, digits = 2): string {
  if (fraction === null || fraction === undefined) return "—";
  return `${(fraction * 100).toFixed(digits)} %`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "—";
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`;
}

export function formatParameters(billions: number): string {
  return billions < 1 ? `${Math.round(billions * 1000)}M` : `${Number(billions.toFixed(1))}B`;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${m % 60}m`;
}

/** "5 min ago" relative to `now`, which the loader provides so server and browser render the same text. */
export function formatRelative(iso: string, now: string | number | Date): string {
  const diff = (new Date(now).getTime() - new Date(iso).getTime()) / 1000;
  if (diff < 45) return "just now";
  if (diff < 3600) return `${Math.round(diff / 60)} min ago`;
  if (diff < 86_400) return `${Math.round(diff / 3600)} h ago`;
  if (diff < 30 * 86_400) return `${Math.round(diff / 86_400)} d ago`;
  return formatDate(iso);
}

/**
 * Dates are written by hand, in UTC, as en-GB writes them ("22 Nov 2026", "22 Nov, 09:13 UTC"): the same text on the
 * server and in every browser (ICU versions differ, e.g. on "Sep"/"Sep"), and at a fraction of Intl's cost: a
 * 50-row table formats 100 of them on every render (tests/services/format.test.ts holds them to Intl's output).
 */
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sept", "Oct", "Nov", "Dec"];
const twoDigits = (n: number) => (n < 10 ? `0${n}` : String(n));

export function formatDate(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()}`;
}

export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  return `${d.getUTCDate()} ${MONTHS[d.getUTCMonth()]}, ${twoDigits(d.getUTCHours())}:${twoDigits(d.getUTCMinutes())} UTC`;
}
