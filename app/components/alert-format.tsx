export const METRIC_LABEL: Record<string, string> = {
  P50_LATENCY: "P50 latency",
  P95_LATENCY: "P95 latency",
  P99_LATENCY: "P99 latency",
  ERROR_RATE: "Error rate",
  REQUEST_RATE: "Request rate",
};

export const WINDOW_LABEL: Record<string, string> = {
  LAST_15_MINUTES: "15 min",
  LAST_HOUR: "1 h",
  LAST_24_HOURS: "24 h",
  LAST_7_DAYS: "7 d",
};

/** A metric value in its unit: ms for latencies, % for the error rate, req/s for the request rate. */
export function formatAlertValue(metric: string, value: number | null | undefined): string {
  if (value === null || value === undefined) return "—";
  if (metric === "ERROR_RATE") return `${(value * 100).toFixed(value < 0.1 ? 2 : 1)} %`;
  if (metric === "REQUEST_RATE") return `${value.toFixed(2)} req/s`;
  return `${Math.round(value).toLocaleString("en-US")} ms`;
}

/** "P95 latency > 500 ms over 15 min for 1 min" */
export function describeCondition(rule: { metric: string; comparison: string; threshold: number; window: string; forSeconds?: number }): string {
  const cmp = rule.comparison === "ABOVE" ? ">" : "<";
  const hold = rule.forSeconds ? ` for ${rule.forSeconds >= 60 && rule.forSeconds % 60 === 0 ? `${rule.forSeconds / 60} min` : `${rule.forSeconds} s`}` : "";
  return `${METRIC_LABEL[rule.metric] ?? rule.metric} ${cmp} ${formatAlertValue(rule.metric, rule.threshold)} over ${WINDOW_LABEL[rule.window] ?? rule.window}${hold}`;
}

/** A stored threshold as its form input shows it: percent for the error rate (a fraction in the API). */
export const thresholdToInput = (metric: string, threshold: number) => (metric === "ERROR_RATE" ? String(+(threshold * 100).toFixed(4)) : String(threshold));
export const thresholdUnit = (metric: string) => (metric === "ERROR_RATE" ? "%" : metric === "REQUEST_RATE" ? "req/s" : "ms");

export function formatSpan(fromIso: string, toIso: string | null, nowIso: string): string {
  const ms = Date.parse(toIso ?? nowIso) - Date.parse(fromIso);
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}
