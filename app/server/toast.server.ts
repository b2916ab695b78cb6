import { createCookieSessionStorage, redirect } from "@remix-run/node";

export interface Toast {
  type: "success" | "error" | "info";
  title: string;
  description?: string;
}

// Toasts ride a short-lived flash cookie across the redirect that follows an action.
const toastStorage = createCookieSessionStorage({
  cookie: {
    name: "ty_toast",
    path: "/",
    httpOnly: true,
    sameSite: "lax",
    secrets: [process.env.SESSION_SECRET ?? "trainyard-toast-cookie"],
    secure: process.env.NODE_ENV === "production" && process.env.TRAINYARD_INSECURE_COOKIES !== "1",
  },
});

export async function redirectWithToast(url: string, toast: Toast, init?: ResponseInit) {
  const session = await toastStorage.getSession();
  session.flash("toast", toast);
  const headers = new Headers(init?.headers);
  headers.append("Set-Cookie", await toastStorage.commitSession(session));
  return redirect(url, { ...init, headers });
}

/** Reads (and clears) the pending toast; the root loader calls it on every navigation. */
export async function readToast(request: Request): Promise<{ toast: Toast | null; headers: Headers }> {
  const session = await toastStorage.getSession(request.headers.get("Cookie"));
  const toast = (session.get("toast") as Toast | undefined) ?? null;
  const headers = new Headers();
  if (toast) headers.append("Set-Cookie", await toastStorage.commitSession(session));
  return { toast, headers };
}
