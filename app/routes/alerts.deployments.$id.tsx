import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { thresholdFromInput } from "~/components/alert-format";
import { graphql } from "~/lib/graphql";
import { gql } from "~/server/gql.server";

/**
 * Resource route behind the deployment page's "Alert rules" card
 * (app/components/alert-rules-card.tsx): its rules, channels and alert
 * history as JSON, and the card's inline edits.
 */

const CardQuery = graphql(`
  query DeploymentAlertsCard($id: ID!) {
    deployment(id: $id) {
      id
      modelName
      alertRules {
        id
        modelName
        metric
        comparison
        threshold
        window
        forSeconds
        enabled
        silenced
        silencedUntil
        isDefault
        state
        lastEvaluatedAt
        targets {
          state
          lastValue
          deployment {
            id
          }
        }
        channels {
          id
          name
        }
      }
      alerts(first: 10) {
        totalCount
        nodes {
          id
          state
          metric
          comparison
          threshold
          window
          value
          resolvedValue
          startedAt
          firedAt
          resolvedAt
        }
      }
    }
    notificationChannels(first: 100) {
      nodes {
        id
        name
        kind
      }
    }
  }
`);

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const data = await gql(context, request, CardQuery, { id: params.id! });
  if (!data.deployment) throw new Response("Deployment not found", { status: 404 });
  return json({ ...data, now: new Date().toISOString() });
}

const UpdateRule = graphql(`
  mutation UpdateRuleFromConsole($id: ID!, $input: UpdateAlertRuleInput!) {
    updateAlertRule(id: $id, input: $input) {
      __typename
      ... on ValidationError {
        message
        fieldErrors {
          path
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const CreateRule = graphql(`
  mutation CreateRuleFromConsole($input: CreateAlertRuleInput!) {
    createAlertRule(input: $input) {
      __typename
      ... on ValidationError {
        message
        fieldErrors {
          path
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

const DeleteRule = graphql(`
  mutation DeleteRuleFromConsole($id: ID!) {
    deleteAlertRule(id: $id) {
      __typename
      ... on Error {
        message
      }
    }
  }
`);

type Outcome = { ok: true; message: string } | { ok: false; message: string; fieldErrors?: Array<{ path: string; message: string }> };

const METRICS = ["P50_LATENCY", "P95_LATENCY", "P99_LATENCY", "ERROR_RATE", "REQUEST_RATE"] as const;
const WINDOWS = ["LAST_15_MINUTES", "LAST_HOUR", "LAST_24_HOURS", "LAST_7_DAYS"] as const;
const pick = <T extends string>(allowed: readonly T[], raw: FormDataEntryValue | null, fallback: T): T =>
  (allowed as readonly string[]).includes(String(raw)) ? (String(raw) as T) : fallback;

function failure(r: { __typename: string; message?: string; fieldErrors?: Array<{ path: string; message: string }> }): Outcome {
  return { ok: false, message: r.message ?? "Refused", fieldErrors: r.fieldErrors };
}

export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = String(form.get("intent") ?? "");
  const id = String(form.get("ruleId") ?? "");
  const channelIds = form.getAll("channelIds").map(String);
  let outcome: Outcome;
  if (intent === "save") {
    const metric = String(form.get("metric") ?? "");
    const input = {
      threshold: thresholdFromInput(metric, String(form.get("threshold") ?? "")),
      forSeconds: Number(form.get("forSeconds") ?? 0),
      enabled: form.get("enabled") === "on",
      channelIds,
    };
    const r = (await gql(context, request, UpdateRule, { id, input })).updateAlertRule;
    outcome = r.__typename === "UpdateAlertRuleSuccess" ? { ok: true, message: "Rule saved" } : failure(r);
  } else if (intent === "silence" || intent === "unsilence") {
    const hours = Number(form.get("hours") ?? 1);
    const silencedUntil = intent === "silence" ? new Date(Date.now() + hours * 3_600_000).toISOString() : null;
    const r = (await gql(context, request, UpdateRule, { id, input: { silencedUntil } })).updateAlertRule;
    outcome = r.__typename === "UpdateAlertRuleSuccess" ? { ok: true, message: intent === "silence" ? `Silenced for ${hours} h` : "Silence lifted" } : failure(r);
  } else if (intent === "delete") {
    const r = (await gql(context, request, DeleteRule, { id })).deleteAlertRule;
    outcome = r.__typename === "DeleteAlertRuleSuccess" ? { ok: true, message: "Rule deleted" } : failure(r);
  } else if (intent === "create") {
    const metric = pick(METRICS, form.get("metric"), "P95_LATENCY");
    const scope = form.get("scope") === "model" ? "model" : "deployment";
    const input = {
      ...(scope === "model" ? { modelName: String(form.get("modelName") ?? "") } : { deploymentId: params.id! }),
      metric,
      comparison: form.get("comparison") === "BELOW" ? ("BELOW" as const) : ("ABOVE" as const),
      threshold: thresholdFromInput(metric, String(form.get("threshold") ?? "")),
      window: pick(WINDOWS, form.get("window"), "LAST_15_MINUTES"),
      forSeconds: Number(form.get("forSeconds") ?? 0),
      channelIds,
    };
    const r = (await gql(context, request, CreateRule, { input })).createAlertRule;
    outcome = r.__typename === "CreateAlertRuleSuccess" ? { ok: true, message: "Rule added" } : failure(r);
  } else {
    throw new Response("Unknown action", { status: 400 });
  }
  return json(outcome, { status: outcome.ok ? 200 : 400 });
}
