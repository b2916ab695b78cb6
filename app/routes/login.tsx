import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useNavigation, useSearchParams } from "@remix-run/react";
import { LockKeyhole, LogIn } from "lucide-react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { isSignedIn, passwordMatches, safeRedirect, signIn, signInRequired } from "~/server/session.server";

export const meta: MetaFunction = () => [{ title: "Sign in · Trainyard" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const redirectTo = safeRedirect(new URL(request.url).searchParams.get("redirectTo"));
  if (!signInRequired() || (await isSignedIn(request.headers.get("Cookie")))) throw redirect(redirectTo);
  return json({});
}

const FAILED_ATTEMPT_DELAY_MS = 750;

export async function action({ request }: ActionFunctionArgs) {
  const form = await request.formData();
  const redirectTo = safeRedirect(form.get("redirectTo"));
  if (!signInRequired()) throw redirect(redirectTo);
  if (passwordMatches(String(form.get("password") ?? ""))) return signIn(request, redirectTo);
  // A pause per wrong guess makes trying passwords in bulk slow.
  await new Promise((r) => setTimeout(r, FAILED_ATTEMPT_DELAY_MS));
  return json({ error: "That password is not correct." }, { status: 401 });
}

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
        <p className="mt-1 text-sm text-slate-500">This console is protected by an admin password (TRAINYARD_ADMIN_PASSWORD).</p>
        <Form method="post" className="mt-6 space-y-4">
          <input type="hidden" name="redirectTo" value={params.get("redirectTo") ?? "/"} />
          <div>
            <label htmlFor="password" className="block text-sm font-medium text-slate-700">
              Admin password
            </label>
            <input
              id="password"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              autoFocus
              aria-invalid={actionData?.error ? true : undefined}
              aria-describedby={actionData?.error ? "password-error" : undefined}
              className="mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200"
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
