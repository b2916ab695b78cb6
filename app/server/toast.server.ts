import { createCookieSessionStorage, redirect, type SessionStorage } from "@remix-run/node";
import { processConfig } from "../../graphql/config.ts";

export interface Toast {
  type: "success" | "error" | "info";
  title: string;
  description?: string;
}

// Toasts ride a short-lived flash cookie across the redirect that follows an action. Its secret and
// `Secure` flag come from graphql/config.ts (SESSION_SECRET, NODE_ENV, TRAINYARD_INSECURE_COOKIES).
let storage: SessionStorage | undefined;
function toastStorage(): SessionStorage {
  const { cookies } = processConfig();
  return (storage ??= createCookieSessionStorage({
    cookie: { name: "ty_toast", path: "/", httpOnly: true, sameSite: "lax", secrets: [cookies.secret], secure: cookies.secure },
  }));
}

export async function redirectWithToast(url: string, toast: Toast, init?: ResponseInit) {
  const session = await toastStorage().getSession();
  session.flash("toast", toast);
  const headers = new Headers(init?.headers);
  headers.append("Set-Cookie", await toastStorage().commitSession(session));
  return redirect(url, { ...init, headers });
}

/** Reads (and clears) the pending toast; the root loader calls it on every navigation. */
export async function readToast(request: Request): Promise<{ toast: Toast | null; headers: Headers }> {
  const session = await toastStorage().getSession(request.headers.get("Cookie"));
  const toast = (session.get("toast") as Toast | undefined) ?? null;
  const headers = new Headers();
  if (toast) headers.append("Set-Cookie", await toastStorage().commitSession(session));
  return { toast, headers };
}

/** A mutation's result union as gql.tada types it when the document selects `__typename`. */
type Outcome = { __typename: string };
type Success<R extends Outcome, S extends R["__typename"]> = Extract<R, { __typename: S }>;

/** The message of a failed result (members of the schema's `Error` interface), if the document asked for it. */
export function failureMessage(result: object): string | undefined {
  return "message" in result && typeof result.message === "string" ? result.message : undefined;
}

/**
 * Turns a mutation's result into a redirect with a toast, narrowing by `__typename`: on `success` the
 * success callback gets the typed success member and says where to go and what to toast; any other member
 * is a failure toast carrying the API's message.
 */
export function redirectWithResult<R extends Outcome, S extends R["__typename"]>(
  result: R,
  success: S,
  onSuccess: (value: Success<R, S>) => { to: string; title: string; description?: string; type?: Toast["type"] },
  onFailure: { to: string; title: string },
): Promise<Response> {
  if (isSuccess(result, success)) {
    const { to, type = "success", ...toast } = onSuccess(result);
    return redirectWithToast(to, { type, ...toast });
  }
  return redirectWithToast(onFailure.to, { type: "error", title: onFailure.title, description: failureMessage(result) });
}

function isSuccess<R extends Outcome, S extends R["__typename"]>(result: R, success: S): result is Success<R, S> {
  return result.__typename === success;
}
