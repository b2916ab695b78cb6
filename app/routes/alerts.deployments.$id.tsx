import type { Submission } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { editRuleForm, newRuleForm, noFields } from "~/lib/alert-rule-form";
import { AlertSummary, MutationFailure } from "~/lib/fragments";
import { graphql } from "~/lib/graphql";
import { parseWithSchema } from "~/lib/parse-form";
import { replyWithApiErrors } from "~/server/form.server";
import { gql } from "~/server/gql.server";
import { failureMessage } from "~/server/toast.server";

/**
 * Resource route behind the deployment page's "Alert rules" card
 * (app/components/alert-rules-card.tsx): its rules, channels and alert
 * history as JSON, and the card's inline edits.
 */

const CardQuery = /* @__PURE__ */ graphql(`
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
          ...AlertSummary
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
`, [AlertSummary]);

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const data = await gql(context, request, CardQuery, { id: params.id! });
  if (!data.deployment) throw new Response("Deployment not found", { status: 404 });
  return json({ ...data, now: new Date().toISOString() });
}

const UpdateRule = /* @__PURE__ */ graphql(
  `
    mutation UpdateRuleFromConsole($id: ID!, $input: UpdateAlertRuleInput!) {
      updateAlertRule(id: $id, input: $input) {
        __typename
        ...MutationFailure
      }
    }
  `,
  [MutationFailure],
);

const CreateRule = /* @__PURE__ */ graphql(
  `
    mutation CreateRuleFromConsole($input: CreateAlertRuleInput!) {
      createAlertRule(input: $input) {
        __typename
        ...MutationFailure
      }
    }
  `,
  [MutationFailure],
);

const DeleteRule = /* @__PURE__ */ graphql(
  `
    mutation DeleteRuleFromConsole($id: ID!) {
      deleteAlertRule(id: $id) {
        __typename
        ...MutationFailure
      }
    }
  `,
  [MutationFailure],
);

const SUCCESS = { save: "Rule saved", create: "Rule added", delete: "Rule deleted", silence: "Silenced for 1 h", unsilence: "Silence lifted" } as const;
type Intent = keyof typeof SUCCESS;
const SILENCE_MS = 3_600_000;

/**
 * Every answer is 200 with Conform's reply (field errors next to the fields) and a message the card toasts;
 * a refused rule is the form's business, not a failed load.
 */
export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  const id = String(form.get("ruleId") ?? "");
  switch (intent) {
    case "create":
      return answer(intent, parseWithSchema(form, newRuleForm), async ({ scope, ...input }) => {
        const target = scope === "model" ? { modelName: String(form.get("modelName") ?? "") } : { deploymentId: params.id! };
        return (await gql(context, request, CreateRule, { input: { ...target, ...input } })).createAlertRule;
      });
    case "save":
      return answer(intent, parseWithSchema(form, editRuleForm), async (input) => (await gql(context, request, UpdateRule, { id, input })).updateAlertRule);
    case "silence":
    case "unsilence": {
      const silencedUntil = intent === "silence" ? new Date(Date.now() + SILENCE_MS).toISOString() : null;
      return answer(intent, parseWithSchema(form, noFields), async () => (await gql(context, request, UpdateRule, { id, input: { silencedUntil } })).updateAlertRule);
    }
    case "delete":
      return answer(intent, parseWithSchema(form, noFields), async () => (await gql(context, request, DeleteRule, { id })).deleteAlertRule);
    default:
      throw new Response("Unknown action", { status: 400 });
  }
}

async function answer<Value>(intent: Intent, submission: Submission<unknown, string[], Value>, mutate: (value: Value) => Promise<object>) {
  if (submission.status !== "success") return json({ ok: false as const, message: "Fix the highlighted fields and submit again.", reply: submission.reply() });
  const result = await mutate(submission.value);
  // Only the API's Error members carry a code (MutationFailure selects it): anything else is the success.
  if (!("code" in result)) return json({ ok: true as const, message: SUCCESS[intent], reply: submission.reply({ resetForm: intent === "create" }) });
  return json({ ok: false as const, message: failureMessage(result) ?? "Refused", reply: replyWithApiErrors(submission, result, "The rule was not saved.") });
}
