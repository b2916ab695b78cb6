import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";

export const meta: MetaFunction = () => [{ title: "Your account · Trainyard" }];

export async function loader({ context }: LoaderFunctionArgs) {
  const user = context.console.user!;
  return json({ name: user.name, role: user.role.toLowerCase() });
}

/** Changing the password signs out every other browser of this account. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const next = form.get("password");
  if (next !== form.get("confirm")) return json({ ok: false as const, message: "The two new passwords differ." }, { status: 400 });
  const result = await context.console.changePassword(form.get("current"), next);
  if (!result.ok) return json({ ok: false as const, message: result.message }, { status: 400 });
  const others = result.sessionsEnded;
  return json({ ok: true as const, message: `Password changed. ${others} other session${others === 1 ? "" : "s"} signed out.` });
}

const inputClass =
  "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

export default function AccountPage() {
  const { name, role } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  return (
    <div className="max-w-md space-y-6">
      <div>
        <h1 className="text-2xl font-semibold tracking-tight text-slate-900">Your account</h1>
        <p className="mt-1 text-sm text-slate-500">
          Signed in as <span className="font-medium text-slate-700">{name}</span> · role {role}
        </p>
      </div>
      <Form method="post" className="space-y-4 rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <h2 className="text-base font-semibold text-slate-900">Change password</h2>
        <div>
          <label htmlFor="current" className="block text-sm font-medium text-slate-700">Current password</label>
          <input id="current" name="current" type="password" autoComplete="current-password" required className={inputClass} />
        </div>
        <div>
          <label htmlFor="password" className="block text-sm font-medium text-slate-700">New password (at least 12 characters)</label>
          <input id="password" name="password" type="password" autoComplete="new-password" required minLength={12} className={inputClass} />
        </div>
        <div>
          <label htmlFor="confirm" className="block text-sm font-medium text-slate-700">Repeat the new password</label>
          <input id="confirm" name="confirm" type="password" autoComplete="new-password" required minLength={12} className={inputClass} />
        </div>
        {result ? (
          <p role={result.ok ? "status" : "alert"} className={result.ok ? "text-sm text-emerald-700" : "text-sm text-red-700"}>
            {result.message}
          </p>
        ) : null}
        <Button type="submit" disabled={busy}>{busy ? "Changing…" : "Change password"}</Button>
      </Form>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
