import { lazy, Suspense, useSyncExternalStore } from "react";

/**
 * Toasts without Sonner in every page's first load (ADR 0045): Sonner (~10 kB gzip) is fetched with the
 * first toast a page shows, a flash toast after a redirect or the answer to an action, and stays for the
 * rest of the visit. Until then <Toaster /> draws nothing. `toast` queues behind the load and the mount,
 * so a toast asked for before either is drawn once both are done.
 */
type Options = { description?: string };
type Kind = "success" | "error" | "info";

let loading: Promise<typeof import("./toaster-sonner")> | undefined;
const load = () => (loading ??= import("./toaster-sonner"));
let wanted = false;
const listeners = new Set<() => void>();
let mounted!: () => void;
const ready = new Promise<void>((resolve) => (mounted = () => resolve()));

function show(kind: Kind, title: string, options?: Options) {
  if (typeof document === "undefined") return;
  if (!wanted) {
    wanted = true;
    for (const l of listeners) l();
  }
  void Promise.all([load(), ready]).then(([m]) => m.toast[kind](title, options));
}

export const toast = {
  success: (title: string, options?: Options) => show("success", title, options),
  error: (title: string, options?: Options) => show("error", title, options),
  info: (title: string, options?: Options) => show("info", title, options),
};

const SonnerToaster = lazy(load);
const subscribe = (listener: () => void) => {
  listeners.add(listener);
  return () => listeners.delete(listener);
};

export function Toaster() {
  const shown = useSyncExternalStore(subscribe, () => wanted, () => false);
  return shown ? (
    <Suspense fallback={null}>
      <SonnerToaster onMount={mounted} />
    </Suspense>
  ) : null;
}
