import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { ShieldCheck, UserPlus } from "lucide-react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";

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

const inputClass =
  "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

export default function SetupPage() {
  const { token } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="flex min-h-[70vh] items-center justify-center">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <span className="flex h-10 w-10 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
          <ShieldCheck className="h-5 w-5" aria-hidden />
        </span>
        <h1 className="mt-4 text-xl font-semibold tracking-tight text-slate-900">Create the first admin</h1>
        <p className="mt-1 text-sm text-slate-500">This link works once. The account you create here can then create the others.</p>
        <Form method="post" className="mt-6 space-y-4">
          <input type="hidden" name="token" value={token} />
          <div>
            <label htmlFor="name" className="block text-sm font-medium text-slate-700">Name</label>
            <input id="name" name="name" type="text" autoComplete="username" required autoFocus defaultValue="admin" className={inputClass} />
          </div>
          <div>
            <label htmlFor="password" className="block text-sm font-medium text-slate-700">Password (at least 12 characters)</label>
            <input id="password" name="password" type="password" autoComplete="new-password" required minLength={12} className={inputClass} />
          </div>
          <div>
            <label htmlFor="confirm" className="block text-sm font-medium text-slate-700">Repeat the password</label>
            <input id="confirm" name="confirm" type="password" autoComplete="new-password" required minLength={12} className={inputClass} />
          </div>
          {actionData?.error ? (
            <p role="alert" className="text-xs text-red-700">
              {actionData.error}
            </p>
          ) : null}
          <Button type="submit" className="w-full" disabled={busy}>
            <UserPlus className="h-4 w-4" aria-hidden /> {busy ? "Creating…" : "Create admin and sign in"}
          </Button>
        </Form>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
