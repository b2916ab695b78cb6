import * as z from "zod/mini";
import { alertRuleFields as rule, errorRateThreshold } from "../../graphql/validation/alerts.ts";

/**
 * The alert rule forms of a deployment's page, read by their action into the API's input and checked
 * with graphql/validation/alerts.ts (the browser checks the inputs' own constraints, which say the same:
 * app/components/alert-rules-card.tsx, ADR 0045). The threshold is typed in percent for the error rate
 * and in the metric's own unit otherwise (thresholdToInput in app/components/alert-format.tsx).
 */
export const thresholdFromInput = (metric: unknown, raw: string) => (metric === "ERROR_RATE" ? Number(raw) / 100 : Number(raw));

type Fields = Record<string, unknown>;
const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);
const number = (v: unknown) => (v === undefined ? undefined : Number(v));
const condition = (f: Fields) => ({
  metric: f.metric,
  threshold: f.threshold === undefined ? undefined : thresholdFromInput(f.metric, String(f.threshold)),
  forSeconds: number(f.forSeconds) ?? 0,
  channelIds: list(f.channelIds),
});

/** A rule's inline edit (intent "save"): threshold, for-duration, enabled, channels. */
export const editRuleForm = z.pipe(
  z.transform((f: Fields) => ({ ...condition(f), enabled: f.enabled === "on" })),
  z.object({ metric: rule.metric, threshold: rule.threshold, forSeconds: rule.forSeconds, channelIds: rule.channelIds, enabled: rule.enabled }).check(errorRateThreshold),
);

/** "Add a rule": for this deployment or every version of its model. */
export const newRuleForm = z.pipe(
  z.transform((f: Fields) => ({ ...condition(f), scope: f.scope === "model" ? ("model" as const) : ("deployment" as const), comparison: f.comparison, window: f.window })),
  z
    .object({
      scope: z.enum(["deployment", "model"]),
      metric: rule.metric,
      comparison: rule.comparison,
      threshold: rule.threshold,
      window: rule.window,
      forSeconds: rule.forSeconds,
      channelIds: rule.channelIds,
    })
    .check(errorRateThreshold),
);

/** Silencing and deleting a rule read no field. */
export const noFields = z.object({});
