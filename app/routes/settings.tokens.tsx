import { getCollectionProps, getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { Ban, KeyRound, Plus } from "lucide-react";
import { useMemo } from "react";
import * as z from "zod/mini";
import { DataTable } from "~/components/data-table";
import { StatusBadge } from "~/components/ui/status-badge";
import { ConfirmAction } from "~/components/ui/confirm-dialog";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { FormErrors, FormField, inputClass } from "~/components/ui/form-field";
import { SecretOnce } from "~/components/ui/secret-once";
import { PageHeader } from "~/components/ui/page-header";
import { cn } from "~/lib/cn";
import { formatDate, formatDateTime, formatRelative } from "~/lib/format";
import { MutationFailure } from "~/lib/fragments";
import { graphql, type ResultOf } from "~/lib/graphql";
import { parseWithSchema } from "~/lib/parse-form";
import { pageArgs, parsePage } from "~/lib/table-state";
import { createApiTokenInput } from "../../graphql/validation/tokens.ts";
import { replyWithApiErrors } from "~/server/form.server";
import { gql } from "~/server/gql.server";
import { failureMessage, redirectWithResult, redirectWithToast } from "~/server/toast.server";

export const meta: MetaFunction = () => [{ title: "API tokens · Trainyard" }];

const SCOPE_INFO = [
  { value: "READ", label: "read", description: "Query jobs, deployments and metrics (needed only when reads require a token)." },
  { value: "TRAIN", label: "train", description: "Create, cancel and retry training jobs; report progress from an external trainer." },
  { value: "DEPLOY", label: "deploy", description: "Deploy completed jobs; pause, resume, retire and roll back deployments." },
  { value: "INGEST", label: "ingest", description: "Record inference events from a gateway." },
  { value: "INVOKE", label: "invoke", description: "Send inference requests to deployed models through the gateway." },
  { value: "ADMIN", label: "admin", description: "Create and revoke API tokens." },
] as const;

const EXPIRY_CHOICES = [
  { value: "30", label: "30 days" },
  { value: "90", label: "90 days" },
  { value: "365", label: "1 year" },
  { value: "never", label: "Never" },
] as const;

const TokensQuery = /* @__PURE__ */ graphql(`
  query ApiTokensPage($first: Int, $offset: Int) {
    apiTokens(first: $first, offset: $offset, includeRevoked: true) {
      totalCount
      nodes {
        id
        name
        prefix
        scopes
        status
        createdBy
        createdAt
        lastUsedAt
        expiresAt
        revokedAt
      }
    }
  }
`);

type Row = ResultOf<typeof TokensQuery>["apiTokens"]["nodes"][number];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const data = await gql(context, request, TokensQuery, pageArgs(parsePage(params)));
  return json({ ...data, now: new Date().toISOString() });
}

const CreateTokenMutation = /* @__PURE__ */ graphql(`
  mutation CreateTokenFromConsole($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on CreateApiTokenSuccess {
        secret
        token {
          id
          name
          prefix
          scopes
          expiresAt
        }
      }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

const RevokeTokenMutation = /* @__PURE__ */ graphql(`
  mutation RevokeTokenFromConsole($id: ID!) {
    revokeApiToken(id: $id) {
      __typename
      ... on RevokeApiTokenSuccess {
        token {
          name
          prefix
        }
      }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

const EXPIRY = ["30", "90", "365", "never"] as const;
const { name: tokenName, scopes: tokenScopes } = createApiTokenInput.shape;

/**
 * graphql/validation/tokens.ts's rules for the name and scopes; the form posts the schema's enum values
 * (DEPLOY) where the validation reads lower case, and picks an expiry period instead of a date.
 */
const createForm = z.object({
  // prefault: an empty field (which Conform reads as missing) gets the name rule's own message.
  name: z.prefault(tokenName, ""),
  scopes: z.pipe(
    z.transform((v: unknown) => (v === undefined ? [] : Array.isArray(v) ? v : [v]).map((scope) => String(scope).toLowerCase())),
    tokenScopes,
  ),
  expiry: z.enum(EXPIRY),
});

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "revoke") {
    const result = (await gql(context, request, RevokeTokenMutation, { id: String(form.get("id") ?? "") })).revokeApiToken;
    return redirectWithResult(
      result,
      "RevokeApiTokenSuccess",
      ({ token }) => ({ to: "/settings/tokens", title: `Revoked "${token.name}"`, description: `Requests with ${token.prefix}… are refused from now on.` }),
      { to: "/settings/tokens", title: "Could not revoke the token" },
    );
  }
  if (intent !== "create") throw new Response("Unknown action", { status: 400 });

  const submission = parseWithSchema(form, createForm);
  if (submission.status !== "success") return json({ reply: submission.reply(), created: null }, { status: 400 });
  const { name, scopes, expiry } = submission.value;
  const expiresAt = expiry === "never" ? null : new Date(Date.now() + Number(expiry) * 86_400_000).toISOString();
  const input = { name, scopes: scopes.map((scope) => scope.toUpperCase() as Uppercase<typeof scope>), expiresAt };
  const result = (await gql(context, request, CreateTokenMutation, { input })).createApiToken;
  if (result.__typename === "CreateApiTokenSuccess") {
    // The secret goes back in this one response and nowhere else: not in a cookie, not in the URL.
    return json({ reply: submission.reply({ resetForm: true }), created: { secret: result.secret, ...result.token } });
  }
  if (result.__typename === "ValidationError") {
    return json({ reply: replyWithApiErrors(submission, result, "The token could not be created."), created: null }, { status: 400 });
  }
  return redirectWithToast("/settings/tokens", { type: "error", title: "Could not create the token", description: failureMessage(result) });
}

function ScopeList({ scopes }: { scopes: readonly string[] }) {
  return (
    <span className="flex flex-wrap gap-1">
      {scopes.map((s) => (
        <span key={s} className="rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-700">
          {s.toLowerCase()}
        </span>
      ))}
    </span>
  );
}

function NewSecret({ created }: { created: { secret: string; name: string; prefix: string; scopes: readonly string[]; expiresAt: string | null } }) {
  return (
    <SecretOnce
      testId="new-token"
      secretTestId="token-secret"
      title={`Token “${created.name}” created. Copy it now: it will not be shown again.`}
      secret={created.secret}
      details={`Only a hash is stored. Scopes: ${created.scopes.map((s) => s.toLowerCase()).join(", ")}${created.expiresAt ? `; expires ${formatDate(created.expiresAt)}` : "; does not expire"}.`}
      footer={
        <>
          In CI, store it as a secret named <code className="font-mono">TRAINYARD_TOKEN</code> and run{" "}
          <code className="font-mono">trainyard deploy --job $JOB_ID --wait</code>. See docs/cli.md.
        </>
      }
    />
  );
}

export default function ApiTokensPage() {
  const { apiTokens, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const creating = navigation.state === "submitting" && navigation.formData?.get("intent") === "create";
  const created = actionData?.created ?? null;
  const [form, fields] = useForm<{ name: string; scopes: string[]; expiry: string }>({
    lastResult: actionData?.reply,
    defaultValue: { expiry: "90", scopes: ["DEPLOY"] },
    onValidate: ({ formData }) => parseWithSchema(formData, createForm),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
  });

  const columns = useMemo<ColumnDef<Row>[]>(
    () => [
      {
        id: "name",
        header: "Name",
        cell: ({ row }) => (
          <span className={cn("font-medium", row.original.status === "REVOKED" ? "text-slate-500 line-through" : "text-slate-900")}>{row.original.name}</span>
        ),
      },
      { id: "prefix", header: "Prefix", cell: ({ row }) => <code className="font-mono text-xs text-slate-600">{row.original.prefix}…</code> },
      { id: "scopes", header: "Scopes", cell: ({ row }) => <ScopeList scopes={row.original.scopes} /> },
      { id: "status", header: "Status", cell: ({ row }) => <StatusBadge domain="token" status={row.original.status} /> },
      {
        id: "created",
        header: "Created",
        cell: ({ row }) => (
          <span title={formatDateTime(row.original.createdAt)}>
            {formatRelative(row.original.createdAt, now)} <span className="text-xs text-slate-500">by {row.original.createdBy}</span>
          </span>
        ),
      },
      {
        id: "lastUsed",
        header: "Last used",
        cell: ({ row }) =>
          row.original.lastUsedAt ? (
            <span title={formatDateTime(row.original.lastUsedAt)}>{formatRelative(row.original.lastUsedAt, now)}</span>
          ) : (
            <span className="text-slate-400">Never</span>
          ),
      },
      {
        id: "expires",
        header: "Expires",
        cell: ({ row }) => (row.original.expiresAt ? <span title={formatDateTime(row.original.expiresAt)}>{formatDate(row.original.expiresAt)}</span> : <span className="text-slate-400">Never</span>),
      },
      {
        id: "actions",
        header: () => <span className="sr-only">Actions</span>,
        cell: ({ row }) =>
          row.original.status === "REVOKED" ? (
            <span className="text-xs text-slate-500">Revoked {row.original.revokedAt ? formatRelative(row.original.revokedAt, now) : ""}</span>
          ) : (
            <ConfirmAction
              label="Revoke"
              busyLabel="Revoking…"
              icon={Ban}
              variant="danger"
              size="sm"
              title={`Revoke “${row.original.name}”?`}
              description={
                <>
                  Requests with <code className="font-mono">{row.original.prefix}…</code> will be refused immediately. Pipelines using it stop
                  working until they get a new token. This cannot be undone.
                </>
              }
              confirmLabel="Revoke token"
              fields={{ intent: "revoke", id: row.original.id }}
            />
          ),
      },
    ],
    [now],
  );

  return (
    <>
      <PageHeader
        title="API tokens"
        description="Bearer tokens for CI pipelines, gateways and scripts. Each mutation over the API needs a token with the matching scope."
      />
      {created ? <NewSecret key={created.id} created={created} /> : null}
      <Card className="mb-6">
        <CardHeader title="Create a token" description="Give each pipeline or script its own token with only the scopes it needs. The secret is shown once." />
        <Form method="post" {...getFormProps(form)} className="space-y-5 px-5 py-5">
          <input type="hidden" name="intent" value="create" />
          <FormErrors errors={form.errors} />
          <div className="grid grid-cols-1 gap-4 md:grid-cols-3">
            <FormField meta={fields.name} label="Name" className="md:col-span-2">
              <input {...getInputProps(fields.name, { type: "text" })} maxLength={80} placeholder="github-actions-deploy" className={inputClass(!fields.name.valid)} />
            </FormField>
            <FormField meta={fields.expiry} label="Expires after">
              <select {...getSelectProps(fields.expiry)} className={inputClass(!fields.expiry.valid)}>
                {EXPIRY_CHOICES.map((c) => (
                  <option key={c.value} value={c.value}>
                    {c.label}
                  </option>
                ))}
              </select>
            </FormField>
          </div>
          <fieldset aria-describedby={fields.scopes.errors ? fields.scopes.errorId : undefined}>
            <legend className="text-sm font-medium text-slate-700">Scopes</legend>
            <div className="mt-2 grid grid-cols-1 gap-2 sm:grid-cols-2 lg:grid-cols-5">
              {getCollectionProps(fields.scopes, { type: "checkbox", options: SCOPE_INFO.map((s) => s.value) }).map((props) => {
                const s = SCOPE_INFO.find((info) => info.value === props.value)!;
                return (
                  <label key={props.key} className="flex cursor-pointer items-start gap-3 rounded-lg border border-slate-200 px-3 py-2 hover:bg-slate-50">
                    <input {...props} key={props.key} className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600" />
                    <span>
                      <span className="font-mono text-sm font-medium text-slate-900">{s.label}</span>
                      <span className="block text-xs text-slate-500">{s.description}</span>
                    </span>
                  </label>
                );
              })}
            </div>
            {fields.scopes.errors ? (
              <p id={fields.scopes.errorId} className="mt-1 text-xs text-red-700" role="alert">
                {fields.scopes.errors[0]}
              </p>
            ) : null}
          </fieldset>
          <div className="flex justify-end">
            <Button type="submit" disabled={creating}>
              <Plus className="h-4 w-4" aria-hidden /> {creating ? "Creating…" : "Create token"}
            </Button>
          </div>
        </Form>
      </Card>
      <DataTable
        label="API tokens"
        columns={columns}
        rows={apiTokens.nodes}
        totalCount={apiTokens.totalCount}
        sortKeys={[]}
        getRowId={(row) => row.id}
        empty={
          <div className="text-center">
            <KeyRound className="mx-auto h-8 w-8 text-slate-300" aria-hidden />
            <p className="mt-2 text-sm font-medium text-slate-900">No API tokens yet</p>
            <p className="mt-1 text-sm text-slate-500">Create one for each pipeline or script, with only the scopes it needs.</p>
          </div>
        }
      />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
