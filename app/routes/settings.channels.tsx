import { getFormProps, getInputProps, getSelectProps, parse, useForm } from "@conform-to/react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import type { ColumnDef } from "@tanstack/react-table";
import { Plus, Send, Trash2, Webhook } from "lucide-react";
import { useMemo } from "react";
import { DataTable } from "~/components/data-table";
import { StatusBadge } from "~/components/ui/status-badge";
import { ConfirmAction } from "~/components/ui/confirm-dialog";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { FormErrors, FormField, inputClass } from "~/components/ui/form-field";
import { enumOptions, enumValue } from "~/lib/enum-options";
import { NotificationChannelKind } from "~/lib/schema-enums";
import { SecretOnce } from "~/components/ui/secret-once";
import { PageHeader } from "~/components/ui/page-header";
import { cn } from "~/lib/cn";
import { formatDateTime, formatRelative } from "~/lib/format";
import { MutationFailure } from "~/lib/fragments";
import { graphql, type ResultOf } from "~/lib/graphql";
import { pageArgs, parsePage } from "~/lib/table-state";
import { replyWithApiErrors } from "~/server/form.server";
import { gql } from "~/server/gql.server";
import { failureMessage, redirectWithResult, redirectWithToast } from "~/server/toast.server";

export const meta: MetaFunction = () => [{ title: "Alert channels · Trainyard" }];

const ChannelsQuery = /* @__PURE__ */ graphql(`
  query ChannelsPage($channelId: ID, $first: Int, $offset: Int) {
    notificationChannels(first: 100) {
      totalCount
      nodes {
        id
        name
        kind
        url
        createdBy
        createdAt
        deliveries(first: 1) {
          totalCount
          nodes {
            status
            createdAt
          }
        }
      }
    }
    notificationDeliveries(channelId: $channelId, first: $first, offset: $offset) {
      totalCount
      nodes {
        id
        event
        status
        attempts
        lastStatusCode
        lastError
        lastAttemptAt
        nextAttemptAt
        deliveredAt
        createdAt
        channel {
          name
        }
        alert {
          deployment {
            id
            modelName
            version
          }
        }
      }
    }
  }
`);

type DeliveryRow = ResultOf<typeof ChannelsQuery>["notificationDeliveries"]["nodes"][number];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const channelId = params.get("channel") || null;
  const data = await gql(context, request, ChannelsQuery, { channelId, ...pageArgs(parsePage(params)) });
  return json({ ...data, now: new Date().toISOString() });
}

const CreateChannel = /* @__PURE__ */ graphql(`
  mutation CreateChannelFromConsole($input: CreateNotificationChannelInput!) {
    createNotificationChannel(input: $input) {
      __typename
      ... on CreateNotificationChannelSuccess {
        secret
        channel {
          id
          name
          kind
        }
      }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

const TestChannel = /* @__PURE__ */ graphql(`
  mutation TestChannelFromConsole($id: ID!) {
    testNotificationChannel(id: $id) {
      __typename
      ... on TestNotificationChannelSuccess {
        delivery {
          status
          lastStatusCode
          lastError
          channel {
            name
          }
        }
      }
      ...MutationFailure
    }
  }
`, [MutationFailure]);

const DeleteChannel = /* @__PURE__ */ graphql(`
  mutation DeleteChannelFromConsole($id: ID!) {
    deleteNotificationChannel(id: $id) {
      __typename
      ...MutationFailure
    }
  }
`, [MutationFailure]);

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const intent = form.get("intent");
  const id = String(form.get("id") ?? "");
  if (intent === "test") {
    const r = (await gql(context, request, TestChannel, { id })).testNotificationChannel;
    if (r.__typename === "TestNotificationChannelSuccess") {
      const ok = r.delivery.status === "DELIVERED";
      return redirectWithToast(`/settings/channels?channel=${id}`, {
        type: ok ? "success" : "error",
        title: ok ? `Sample delivered to "${r.delivery.channel.name}"` : `"${r.delivery.channel.name}" did not accept the sample`,
        description: ok ? `The receiver answered HTTP ${r.delivery.lastStatusCode}.` : (r.delivery.lastError ?? undefined),
      });
    }
    return redirectWithToast("/settings/channels", { type: "error", title: "Could not send a test", description: failureMessage(r) });
  }
  if (intent === "delete") {
    const r = (await gql(context, request, DeleteChannel, { id })).deleteNotificationChannel;
    return redirectWithResult(r, "DeleteNotificationChannelSuccess", () => ({ to: "/settings/channels", title: "Channel deleted" }), {
      to: "/settings/channels",
      title: "Could not delete the channel",
    });
  }
  if (intent !== "create") throw new Response("Unknown action", { status: 400 });
  // The channel rules live in graphql/services/notifications.ts (no client schema): the server's answer goes back per field.
  const submission = parse(form, { resolve: (value) => ({ value: value as Record<string, string | undefined> }) });
  if (submission.status !== "success") return json({ reply: submission.reply(), created: null }, { status: 400 });
  const { name = "", url = "" } = submission.value;
  const input = { name, url, kind: enumValue(NotificationChannelKind, submission.value.kind) ?? "WEBHOOK" };
  const r = (await gql(context, request, CreateChannel, { input })).createNotificationChannel;
  if (r.__typename === "CreateNotificationChannelSuccess") {
    return json({ reply: submission.reply({ resetForm: true }), created: { secret: r.secret, ...r.channel } });
  }
  if (r.__typename === "ValidationError") return json({ reply: replyWithApiErrors(submission, r, "The channel could not be created."), created: null }, { status: 400 });
  return redirectWithToast("/settings/channels", { type: "error", title: "Could not create the channel", description: failureMessage(r) });
}

const KIND_OPTIONS = enumOptions(NotificationChannelKind, { WEBHOOK: "Webhook (JSON)", SLACK: "Slack" });

export default function ChannelsPage() {
  const { notificationChannels, notificationDeliveries, now } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const selected = params.get("channel");
  const created = actionData?.created ?? null;
  const creating = navigation.state === "submitting" && navigation.formData?.get("intent") === "create";
  const [form, fields] = useForm<{ name: string; kind: string; url: string }>({ lastResult: actionData?.reply, defaultValue: { kind: "WEBHOOK" } });

  const columns = useMemo<ColumnDef<DeliveryRow>[]>(
    () => [
      { id: "status", header: "Status", cell: ({ row }) => <StatusBadge domain="delivery" status={row.original.status} label={row.original.status === "PENDING" && row.original.attempts === 0 ? "Queued" : undefined} /> },
      { id: "event", header: "Event", cell: ({ row }) => <span className="font-mono text-xs">{row.original.event.toLowerCase()}</span> },
      { id: "channel", header: "Channel", cell: ({ row }) => row.original.channel.name },
      {
        id: "deployment",
        header: "Deployment",
        cell: ({ row }) =>
          row.original.alert ? (
            <Link to={`/deployments/${row.original.alert.deployment.id}`} className="text-indigo-700 hover:underline">
              {row.original.alert.deployment.modelName} {row.original.alert.deployment.version}
            </Link>
          ) : (
            <span className="text-slate-400">sample</span>
          ),
      },
      { id: "attempts", header: "Attempts", cell: ({ row }) => <span className="tabular-nums">{row.original.attempts}</span> },
      {
        id: "last",
        header: "Last answer",
        cell: ({ row }) =>
          row.original.lastError ? (
            <span className="text-xs text-red-700" title={row.original.lastError}>
              {row.original.lastError.slice(0, 80)}
            </span>
          ) : row.original.lastStatusCode ? (
            <span className="text-xs text-slate-600">HTTP {row.original.lastStatusCode}</span>
          ) : (
            <span className="text-slate-400">—</span>
          ),
      },
      {
        id: "when",
        header: "Queued",
        cell: ({ row }) => <span title={formatDateTime(row.original.createdAt)}>{formatRelative(row.original.createdAt, now)}</span>,
      },
      {
        id: "next",
        header: "Next try",
        cell: ({ row }) => (row.original.nextAttemptAt ? <span title={formatDateTime(row.original.nextAttemptAt)}>{formatDateTime(row.original.nextAttemptAt)}</span> : <span className="text-slate-400">—</span>),
      },
    ],
    [now],
  );

  return (
    <>
      <PageHeader
        title="Alert channels"
        description="Where alert notifications go: a generic JSON webhook or a Slack-compatible incoming webhook. One notification when an alert fires, one when it resolves; failed deliveries are retried for an hour."
      />
      {created ? (
        <SecretOnce
          key={created.id}
          testId="new-channel"
          secretTestId="channel-secret"
          title={`Channel “${created.name}” created. Copy its signing secret now: it will not be shown again.`}
          secret={created.secret}
          details={
            <>
              Every request carries <code className="font-mono">X-Trainyard-Signature: t=&lt;unix s&gt;,v1=&lt;hex HMAC-SHA256(secret, "t.body")&gt;</code>. See docs/alerts.md.
            </>
          }
        />
      ) : null}
      <div className="mb-6 grid grid-cols-1 gap-6 xl:grid-cols-2">
        <Card>
          <CardHeader title="Add a channel" description="Receivers should check the signature and refuse timestamps older than 5 minutes." />
          <Form method="post" {...getFormProps(form)} className="space-y-4 px-5 py-5">
            <input type="hidden" name="intent" value="create" />
            <FormErrors errors={form.errors} />
            <div className="grid grid-cols-1 gap-4 sm:grid-cols-3">
              <FormField meta={fields.name} label="Name" className="sm:col-span-2">
                <input {...getInputProps(fields.name, { type: "text" })} maxLength={100} placeholder="oncall-webhook" className={inputClass(!fields.name.valid)} />
              </FormField>
              <FormField meta={fields.kind} label="Kind">
                <select {...getSelectProps(fields.kind)} className={inputClass(!fields.kind.valid)}>
                  {KIND_OPTIONS.map((o) => (
                    <option key={o.value} value={o.value}>
                      {o.label}
                    </option>
                  ))}
                </select>
              </FormField>
            </div>
            <FormField meta={fields.url} label="URL">
              <input {...getInputProps(fields.url, { type: "url" })} placeholder="https://hooks.example.com/trainyard" className={inputClass(!fields.url.valid)} />
            </FormField>
            <div className="flex justify-end">
              <Button type="submit" disabled={creating}>
                <Plus className="h-4 w-4" aria-hidden /> {creating ? "Adding…" : "Add channel"}
              </Button>
            </div>
          </Form>
        </Card>
        <Card>
          <CardHeader title="Channels" description={`${notificationChannels.totalCount} configured. Attach them to rules on a deployment's page.`} />
          {notificationChannels.nodes.length === 0 ? (
            <div className="px-5 py-8 text-center text-sm text-slate-500">
              <Webhook className="mx-auto h-8 w-8 text-slate-300" aria-hidden />
              <p className="mt-2">No channels yet: alerts are recorded but notify no one.</p>
            </div>
          ) : (
            <ul className="divide-y divide-slate-100" data-testid="channel-list">
              {notificationChannels.nodes.map((c) => (
                <li key={c.id} className={cn("flex flex-wrap items-center gap-3 px-5 py-3", selected === c.id && "bg-indigo-50/50")}>
                  <div className="min-w-0 flex-1">
                    <Link to={`?channel=${c.id}`} className="font-medium text-slate-900 hover:underline">
                      {c.name}
                    </Link>
                    <span className="ml-2 rounded bg-slate-100 px-1.5 py-0.5 font-mono text-xs text-slate-600">{c.kind.toLowerCase()}</span>
                    <p className="truncate text-xs text-slate-500" title={c.url}>
                      {c.url}
                    </p>
                    <p className="text-xs text-slate-500">
                      {c.deliveries.totalCount} deliveries{c.deliveries.nodes[0] ? `, last ${formatRelative(c.deliveries.nodes[0].createdAt, now)} (${c.deliveries.nodes[0].status.toLowerCase()})` : ""}
                    </p>
                  </div>
                  <Form method="post">
                    <input type="hidden" name="intent" value="test" />
                    <input type="hidden" name="id" value={c.id} />
                    <Button type="submit" variant="secondary" size="sm">
                      <Send className="h-3.5 w-3.5" aria-hidden /> Send test
                    </Button>
                  </Form>
                  <ConfirmAction
                    label="Delete"
                    busyLabel="Deleting…"
                    icon={Trash2}
                    variant="danger"
                    size="sm"
                    title={`Delete “${c.name}”?`}
                    description="Rules stop notifying it and its delivery log is removed."
                    confirmLabel="Delete channel"
                    fields={{ intent: "delete", id: c.id }}
                  />
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <h2 className="mb-3 text-base font-semibold text-slate-900">
        Delivery log{selected ? ` · ${notificationChannels.nodes.find((c) => c.id === selected)?.name ?? ""}` : ""}
        {selected ? (
          <Link to="/settings/channels" className="ml-3 text-sm font-normal text-indigo-700 hover:underline">
            all channels
          </Link>
        ) : null}
      </h2>
      <DataTable
        label="Delivery log"
        columns={columns}
        rows={notificationDeliveries.nodes}
        totalCount={notificationDeliveries.totalCount}
        sortKeys={[]}
        getRowId={(row) => row.id}
        empty={<p className="text-center text-sm text-slate-500">No deliveries yet.</p>}
      />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
