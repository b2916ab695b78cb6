import * as z from "zod/mini";
import { METRICS_WINDOWS } from "../services/metrics/windows.ts";
import { MAX_FOR_SECONDS, MAX_RULE_CHANNELS } from "./alert-limits.ts";

export { MAX_FOR_SECONDS, MAX_RULE_CHANNELS };

/**
 * The one definition of a valid alert rule: graphql/services/alerts.ts refuses
 * what these schemas refuse (with their messages, paths relative to `input`),
 * and the rule forms on a deployment's page check the same fields in the browser.
 * zod/mini and client-safe: windows.ts imports nothing.
 */

export const ALERT_METRICS = ["P50_LATENCY", "P95_LATENCY", "P99_LATENCY", "ERROR_RATE", "REQUEST_RATE"] as const;
export type AlertMetricName = (typeof ALERT_METRICS)[number];
export const ALERT_COMPARISONS = ["ABOVE", "BELOW"] as const;
export type AlertComparisonName = (typeof ALERT_COMPARISONS)[number];

const FOR_SECONDS_MESSAGE = `whole seconds from 0 to ${MAX_FOR_SECONDS}`;
const missing = (input: unknown) => input === undefined;

/** Each field's own rule; the create schema requires the condition's four fields ("is required"). */
export const alertRuleFields = {
  deploymentId: z.string(),
  modelName: z.string().check(z.maxLength(200, "at most 200 characters")),
  metric: z.enum(ALERT_METRICS, { error: (i) => (missing(i.input) ? "is required" : `unknown metric "${String(i.input)}"; one of ${ALERT_METRICS.join(", ")}`) }),
  comparison: z.enum(ALERT_COMPARISONS, { error: (i) => (missing(i.input) ? "is required" : "must be ABOVE or BELOW") }),
  window: z.enum(METRICS_WINDOWS, { error: (i) => (missing(i.input) ? "is required" : `one of ${METRICS_WINDOWS.join(", ")}`) }),
  threshold: z
    .number({ error: (i) => (missing(i.input) ? "is required" : "must be a number") })
    .check(z.refine(Number.isFinite, "must be a number"), z.gte(0, "must not be negative")),
  forSeconds: z.number(FOR_SECONDS_MESSAGE).check(z.int(FOR_SECONDS_MESSAGE), z.gte(0, FOR_SECONDS_MESSAGE), z.lte(MAX_FOR_SECONDS, FOR_SECONDS_MESSAGE)),
  channelIds: z.array(z.string()).check(z.maxLength(MAX_RULE_CHANNELS, `at most ${MAX_RULE_CHANNELS} channels`)),
  enabled: z.boolean(),
  silencedUntil: z.nullable(z.date()),
};

type Rule = { metric?: string; threshold?: number; deploymentId?: string; modelName?: string };

/** An error rate is a fraction: the threshold is judged against the rule's metric. */
export const errorRateThreshold = z.refine<Rule>((r) => !(r.metric === "ERROR_RATE" && typeof r.threshold === "number" && r.threshold > 1), {
  message: "an error rate is a fraction between 0 and 1 (0.01 = 1 %)",
  path: ["threshold"],
  when: () => true,
});

/** The API's inputs carry null for "not given": the schemas read it as absent. */
const withoutNulls = (input: unknown) =>
  input && typeof input === "object" ? Object.fromEntries(Object.entries(input).filter(([, v]) => v !== null && v !== undefined)) : input;

export const createAlertRuleSchema = z.pipe(
  z.transform(withoutNulls),
  z
    .object({
      ...alertRuleFields,
      deploymentId: z.optional(alertRuleFields.deploymentId),
      modelName: z.optional(alertRuleFields.modelName),
      forSeconds: z.optional(alertRuleFields.forSeconds),
      channelIds: z.optional(alertRuleFields.channelIds),
      enabled: z.optional(alertRuleFields.enabled),
      silencedUntil: z.optional(alertRuleFields.silencedUntil),
    })
    .check(
      z.refine((r: Rule) => Number(r.deploymentId !== undefined) + Number((r.modelName ?? "").trim() !== "") === 1, {
        message: "give either deploymentId or modelName (exactly one)",
        path: ["deploymentId"],
        when: () => true,
      }),
      errorRateThreshold,
    ),
);

/** An update names only what changes; the service passes the rule's metric and threshold in, so the pair is judged whole. */
export const updateAlertRuleSchema = z.pipe(z.transform(withoutNulls), z.partial(z.object(alertRuleFields)).check(errorRateThreshold));

/** Field errors as the API reports them (`input.threshold`), first the fields' own, then the cross-field checks. */
export function alertRuleFieldErrors(schema: typeof createAlertRuleSchema | typeof updateAlertRuleSchema, input: unknown): Array<{ path: string; message: string }> {
  const parsed = z.safeParse(schema, input);
  return parsed.success ? [] : parsed.error.issues.map((issue) => ({ path: ["input", ...issue.path].join("."), message: issue.message }));
}
