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
