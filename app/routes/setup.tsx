import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { ShieldCheck, UserPlus } from "lucide-react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { AuthForm } from "~/components/auth-form";

export const meta: MetaFunction = () => [{ title: "Create the first admin · Trainyard" }];

/** The one-time link printed at first start (no admin yet). A used, expired or wrong token is a 404. */
export async function loader({ request, context }: LoaderFunctionArgs) {
  const token = new URL(request.url).searchParams.get("token");
  if (!context.console.setupTokenValid(token)) {
    throw new Response("This setup link is not valid (used, expired, or mistyped). Sign in at /login.", { status: 404, statusText: "Not Found" });
  }
  return json({ token: token! });
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const password = form.get("password");
  if (password !== form.get("confirm")) return json({ error: "The two passwords differ." }, { status: 400 });
  const result = await context.console.completeSetup(form.get("token"), form.get("name"), password);
  if (result.ok) throw redirect("/", { headers: { "Set-Cookie": result.setCookie } });
  if (result.status === 404) throw new Response(result.message, { status: 404, statusText: "Not Found" });
  return json({ error: result.message }, { status: result.status });
}

export default function SetupPage() {
  const { token } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  return (
    <AuthForm
      icon={ShieldCheck}
      title="Create the first admin"
      intro="This link works once. The account you create here can then create the others."
      hidden={{ token }}
      fields={[
        { name: "name", label: "Name", type: "text", autoComplete: "username", autoFocus: true, defaultValue: "admin" },
        { name: "password", label: "Password (at least 12 characters)", type: "password", autoComplete: "new-password", minLength: 12 },
        { name: "confirm", label: "Repeat the password", type: "password", autoComplete: "new-password", minLength: 12 },
      ]}
      error={actionData?.error}
      submit={{ icon: UserPlus, label: "Create admin and sign in", busyLabel: "Creating…" }}
    />
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
