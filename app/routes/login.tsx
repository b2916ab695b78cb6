import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { LockKeyhole, LogIn } from "lucide-react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { safeRedirect } from "~/lib/safe-redirect";

export const meta: MetaFunction = () => [{ title: "Sign in · Trainyard" }];

/** A refused attempt's Retry-After reaches the browser on a full-page post too. */
export const headers: HeadersFunction = ({ actionHeaders }) => {
  const headers = new Headers();
  const retryAfter = actionHeaders.get("Retry-After");
  if (retryAfter) headers.set("Retry-After", retryAfter);
  return headers;
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get("redirectTo"));
  if (context.console.user) throw redirect(redirectTo);
  return json({});
}

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const redirectTo = safeRedirect(form.get("redirectTo"));
  const result = await context.console.signIn(form.get("name"), form.get("password"));
  if (result.ok) throw redirect(redirectTo, { headers: { "Set-Cookie": result.setCookie } });
  const headers: Record<string, string> = result.retryAfterSeconds ? { "Retry-After": String(result.retryAfterSeconds) } : {};
  return json({ error: result.message }, { status: result.status, headers });
}

const inputClass =
  "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

export default function LoginPage() {
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  const navigation = useNavigation();
  const busy = navigation.state !== "idle";
  return (
    <div className="flex min-h-[70vh] items-center justify-center">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <span className="flex h-10 w-10 items-center justify-center rounded-full bg-indigo-50 text-indigo-600">
          <LockKeyhole className="h-5 w-5" aria-hidden />
        </span>
        <h1 className="mt-4 text-xl font-semibold tracking-tight text-slate-900">Sign in to Trainyard</h1>
        <p className="mt-1 text-sm text-slate-500">Use your console account. An admin creates accounts with{" "}
          <code className="rounded bg-slate-100 px-1 py-0.5 text-xs text-slate-700">trainyard users create</code>.
        </p>
        <Form method="post" className="mt-6 space-y-4">
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
          <div>
            <label htmlFor="name" className="block text-sm font-medium text-slate-700">
              Name
            </label>
            <input id="name" name="name" type="text" autoComplete="username" required autoFocus className={inputClass} />
          </div>
          <div>
            <label htmlFor="password" className="block text-sm font-medium text-slate-700">
              Password
            </label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              aria-invalid={actionData?.error ? true : undefined}
              aria-describedby={actionData?.error ? "password-error" : undefined}
              className={inputClass}
            />
            {actionData?.error ? (
              <p id="password-error" role="alert" className="mt-1 text-xs text-red-700">
                {actionData.error}
              </p>
            ) : null}
          </div>
          <Button type="submit" className="w-full" disabled={busy}>
            <LogIn className="h-4 w-4" aria-hidden /> {busy ? "Signing in…" : "Sign in"}
          </Button>
        </Form>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
