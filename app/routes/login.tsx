import type { ActionFunctionArgs, HeadersFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { useActionData, useSearchParams } from "@remix-run/react";
import { LockKeyhole, LogIn } from "lucide-react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { AuthForm } from "~/components/auth-form";
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

export default function LoginPage() {
  const actionData = useActionData<typeof action>();
  const [params] = useSearchParams();
  return (
    <AuthForm
      icon={LockKeyhole}
      title="Sign in to Trainyard"
      intro={
        <>
          Use your console account. An admin creates accounts with{" "}
          <code className="rounded bg-slate-100 px-1 py-0.5 text-xs text-slate-700">trainyard users create</code>.
        </>
      }
      hidden={{ redirectTo: params.get("redirectTo") ?? "/" }}
      fields={[
        { name: "name", label: "Name", type: "text", autoComplete: "username", autoFocus: true },
        { name: "password", label: "Password", type: "password", autoComplete: "current-password" },
      ]}
      error={actionData?.error}
      errorField="password"
      submit={{ icon: LogIn, label: "Sign in", busyLabel: "Signing in…" }}
    />
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
