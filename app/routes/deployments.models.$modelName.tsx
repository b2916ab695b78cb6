import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useNavigation } from "@remix-run/react";
import { ArrowLeft, GitCompare, Rocket, Undo2 } from "lucide-react";
import { ProductionBadge, SimulatedBadge } from "~/components/serving-card";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { SimpleTable } from "~/components/ui/simple-table";
import { Card, CardHeader } from "~/components/ui/card";
import { CopyButton } from "~/components/ui/copy-button";
import { StatusBadge } from "~/components/ui/status-badge";
import { formatRelative } from "~/lib/format";
import { MutationFailure } from "~/lib/fragments";
import { graphql } from "~/lib/graphql";
import { gql, notFound } from "~/server/gql.server";
import { redirectWithToast } from "~/server/toast.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.model.modelName} · Models served · Trainyard` : "Model not found · Trainyard" }];

const ModelQuery = /* @__PURE__ */ graphql(`
  query ServedModelPage($modelName: String!) {
    servedModel(modelName: $modelName) {
      modelName
      gatewayUrl
      productionPromoted
      production {
        id
        version
      }
      splits {
        percent
        deployment {
          id
          version
        }
      }
      versions {
        id
        version
        status
        simulated
        upstreamUrl
        healthy
        isProduction
        createdAt
        deployedBy
      }
    }
  }
`);

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const data = await gql(context, request, ModelQuery, { modelName: params.modelName! });
  return json({ model: notFound(data.servedModel, "Model"), now: new Date().toISOString() });
}

const PromoteMutation = /* @__PURE__ */ graphql(`
  mutation PromoteFromConsole($id: ID!) {
    promoteDeployment(id: $id) {
      ... on PromoteDeploymentSuccess { deployment { id version } }
      ...MutationFailure
    }
  }
`, [MutationFailure]);
const RollbackMutation = /* @__PURE__ */ graphql(`
  mutation RollbackFromModelPage($id: ID!) {
    rollbackDeployment(id: $id) {
      ... on RollbackDeploymentSuccess { deployment { id version } }
      ...MutationFailure
    }
  }
`, [MutationFailure]);
const SplitMutation = /* @__PURE__ */ graphql(`
  mutation SplitFromConsole($modelName: String!, $splits: [TrafficSplitInput!]!) {
    setTrafficSplit(modelName: $modelName, splits: $splits) {
      ... on SetTrafficSplitSuccess { model { modelName } }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

export async function action({ request, context, params }: ActionFunctionArgs) {
  const form = await request.formData();
  const modelName = params.modelName!;
  const here = `/deployments/models/${encodeURIComponent(modelName)}`;
  const intent = String(form.get("intent") ?? "");
  const fail = (title: string, message?: string) => redirectWithToast(here, { type: "error", title, description: message });
  if (intent === "promote" || intent === "rollback") {
    const id = String(form.get("id") ?? "");
    const result =
      intent === "promote"
        ? ((await gql(context, request, PromoteMutation, { id })).promoteDeployment as { deployment?: { version: string }; message?: string })
        : ((await gql(context, request, RollbackMutation, { id })).rollbackDeployment as { deployment?: { version: string }; message?: string });
    if (!result.deployment) return fail(intent === "promote" ? "Promote failed" : "Rollback failed", result.message);
    const title = intent === "promote" ? `${modelName} ${result.deployment.version} is production` : `Rolled back ${modelName} to ${result.deployment.version}`;
    return redirectWithToast(here, { type: "success", title });
  }
  if (intent === "split" || intent === "clear-split") {
    const splits =
      intent === "clear-split"
        ? []
        : [...form.entries()]
            .filter(([k, v]) => k.startsWith("percent:") && String(v).trim() !== "" && Number(v) !== 0)
            .map(([k, v]) => ({ deploymentId: k.slice("percent:".length), percent: Number(v) }));
    if (splits.some((s) => !Number.isInteger(s.percent))) return fail("Split not saved", "Percents must be whole numbers from 0 to 100");
    const result = (await gql(context, request, SplitMutation, { modelName, splits })).setTrafficSplit as { model?: unknown; message?: string };
    if (!result.model) return fail("Split not saved", result.message);
    return redirectWithToast(here, { type: "success", title: splits.length ? `Traffic split saved for ${modelName}` : `Split cleared: production serves all of ${modelName}` });
  }
  throw new Response("Unknown action", { status: 400 });
}

export default function ServedModelPage() {
  const { model, now } = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  const splitOf = new Map(model.splits.map((s) => [s.deployment?.id, s.percent]));
  const live = model.versions.filter((v) => v.status === "ACTIVE" || v.status === "PAUSED");
  const compareIds = model.versions.filter((v) => v.status === "ACTIVE").map((v) => v.id);
  return (
    <>
      <Link to="/deployments" className="mb-4 inline-flex items-center gap-1 text-sm font-medium text-slate-500 hover:text-slate-900">
        <ArrowLeft className="h-4 w-4" aria-hidden /> Deployments
      </Link>
      <header className="mb-6 space-y-2">
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">{model.modelName}</h1>
        <div className="flex min-w-0 items-center gap-2 rounded-lg bg-slate-50 px-3 py-1.5 ring-1 ring-inset ring-slate-200">
          <code className="truncate font-mono text-xs text-slate-700" data-testid="model-gateway-url">{model.gatewayUrl}</code>
          <CopyButton value={model.gatewayUrl} iconOnly label="Copy model URL" copiedLabel="Model URL copied" />
        </div>
        <p className="text-sm text-slate-600" data-testid="routing-summary">
          {model.splits.length
            ? `Traffic split: ${model.splits.map((s) => `${s.deployment?.version ?? "?"} ${s.percent} %`).join(", ")}.`
            : model.production
              ? `Production: ${model.production.version}${model.productionPromoted ? " (promoted)" : " (newest active version)"}; it serves /v1/models/${model.modelName}/….`
              : "No version can serve yet."}
        </p>
      </header>

      <div className="space-y-6">
        <Card>
          <CardHeader
            title="Versions"
            description="Promote an active version to production, or roll back to an earlier one."
            action={
              compareIds.length >= 2 ? (
                <Link to={`/compare/versions?ids=${compareIds.join(",")}`} className="inline-flex items-center gap-1 text-sm font-medium text-indigo-600 hover:underline">
                  <GitCompare className="h-4 w-4" aria-hidden /> Compare versions
                </Link>
              ) : undefined
            }
          />
          <SimpleTable label="Versions" headers={["Version", "Status", "Model server", "Deployed", ""]}>
                {model.versions.map((v) => (
                  <tr key={v.id} data-version={v.version}>
                    <td className="whitespace-nowrap px-5 py-3">
                      <span className="inline-flex items-center gap-2">
                        <Link to={`/deployments/${v.id}`} className="font-mono text-xs font-semibold text-indigo-600 hover:underline">{v.version}</Link>
                        {v.isProduction ? <ProductionBadge /> : null}
                      </span>
                    </td>
                    <td className="whitespace-nowrap px-5 py-3"><StatusBadge domain="deployment" status={v.status} /></td>
                    <td className="px-5 py-3">
                      {v.simulated ? <SimulatedBadge /> : <code className="font-mono text-xs">{v.upstreamUrl}</code>}
                      {v.healthy === false ? <span className="ml-2 text-xs font-medium text-red-700">unhealthy</span> : null}
                    </td>
                    <td className="whitespace-nowrap px-5 py-3 text-slate-600">{formatRelative(v.createdAt, now)} by {v.deployedBy}</td>
                    <td className="whitespace-nowrap px-5 py-3 text-right">
                      {v.status === "ACTIVE" && !v.isProduction ? (
                        <Form method="post" className="inline">
                          <input type="hidden" name="id" value={v.id} />
                          <Button type="submit" name="intent" value="promote" size="sm" variant="secondary" disabled={busy}>
                            <Rocket className="h-3.5 w-3.5" aria-hidden /> Promote {v.version}
                          </Button>
                        </Form>
                      ) : null}
                      {v.status === "RETIRED" || v.status === "PAUSED" ? (
                        <Form method="post" className="inline">
                          <input type="hidden" name="id" value={v.id} />
                          <Button type="submit" name="intent" value="rollback" size="sm" variant="secondary" disabled={busy}>
                            <Undo2 className="h-3.5 w-3.5" aria-hidden /> Roll back to {v.version}
                          </Button>
                        </Form>
                      ) : null}
                    </td>
                  </tr>
                ))}
          </SimpleTable>
        </Card>

        <Card>
          <CardHeader title="Traffic split" description="Whole percents summing to 100. Callers sending x-trainyard-route-key always land on the same version." />
          {live.length < 2 ? (
            <p className="px-5 py-4 text-sm text-slate-500">A split needs at least two active or paused versions.</p>
          ) : (
            <Form method="post" className="space-y-3 px-5 py-4" data-testid="split-editor">
              <div className="flex flex-wrap gap-4">
                {live.map((v) => (
                  <label key={v.id} className="block text-sm">
                    <span className="font-mono text-xs font-semibold text-slate-700">{v.version}</span>
                    <span className="mt-1 flex items-center gap-1">
                      <input
                        type="number"
                        min={0}
                        max={100}
                        step={1}
                        name={`percent:${v.id}`}
                        defaultValue={splitOf.get(v.id) ?? (model.splits.length ? 0 : v.isProduction ? 100 : 0)}
                        aria-label={`Percent of traffic for ${v.version}`}
                        className="w-20 rounded-lg border border-slate-300 px-2 py-1 text-sm"
                      />
                      %
                    </span>
                  </label>
                ))}
              </div>
              <div className="flex gap-2">
                <Button type="submit" name="intent" value="split" disabled={busy}>Save split</Button>
                {model.splits.length ? (
                  <Button type="submit" name="intent" value="clear-split" variant="secondary" disabled={busy}>Clear split</Button>
                ) : null}
              </div>
            </Form>
          )}
        </Card>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
