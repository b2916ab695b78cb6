import { CheckCircle2, Info, X, XCircle } from "lucide-react";
import { useEffect, useState, useSyncExternalStore } from "react";
import { cn } from "~/lib/cn";

/**
 * Toasts: `toast.success(title, { description })` anywhere in the browser, `<Toaster />` once in the
 * document. Ours rather than a library's: the few lines the console needs instead of ~9 kB gzip on
 * every page (issue 12).
 */
type Kind = "success" | "error" | "info";
interface Item {
  id: number;
  kind: Kind;
  title: string;
  description?: string;
}

const DURATION_MS = 4_000;
let items: Item[] = [];
let nextId = 1;
const listeners = new Set<() => void>();
const emit = () => listeners.forEach((l) => l());
const dismiss = (id: number) => {
  items = items.filter((t) => t.id !== id);
  emit();
};
const show = (kind: Kind) => (title: string, options?: { description?: string }) => {
  items = [...items, { id: nextId++, kind, title, description: options?.description }];
  emit();
};

export const toast = { success: show("success"), error: show("error"), info: show("info") };

const STYLE: Record<Kind, { icon: typeof Info; className: string }> = {
  success: { icon: CheckCircle2, className: "border-emerald-200 bg-emerald-50 text-emerald-900" },
  error: { icon: XCircle, className: "border-red-200 bg-red-50 text-red-900" },
  info: { icon: Info, className: "border-sky-200 bg-sky-50 text-sky-900" },
};

function ToastCard({ item }: { item: Item }) {
  const [hovered, setHovered] = useState(false);
  useEffect(() => {
    if (hovered) return;
    const timer = setTimeout(() => dismiss(item.id), DURATION_MS);
    return () => clearTimeout(timer);
  }, [item.id, hovered]);
  const { icon: Icon, className } = STYLE[item.kind];
  return (
    <li
      data-toast={item.kind}
      onMouseEnter={() => setHovered(true)}
      onMouseLeave={() => setHovered(false)}
      className={cn("pointer-events-auto flex w-80 items-start gap-2 rounded-lg border px-4 py-3 text-sm shadow-lg", className)}
    >
      <Icon className="mt-0.5 h-4 w-4 shrink-0" aria-hidden />
      <div className="min-w-0 flex-1">
        <p className="font-medium">{item.title}</p>
        {item.description ? <p className="mt-0.5 text-xs opacity-90">{item.description}</p> : null}
      </div>
      <button type="button" onClick={() => dismiss(item.id)} aria-label="Close toast" className="rounded p-0.5 opacity-60 hover:opacity-100">
        <X className="h-3.5 w-3.5" aria-hidden />
      </button>
    </li>
  );
}

/** Bottom right: at the top the toast covered the page header's action buttons. */
export function Toaster() {
  const current = useSyncExternalStore(
    (l) => (listeners.add(l), () => void listeners.delete(l)),
    () => items,
    () => items,
  );
  return (
    <section aria-label="Notifications" aria-live="polite" className="pointer-events-none fixed bottom-4 right-4 z-50">
      <ol className="flex flex-col gap-2">
        {current.map((item) => (
          <ToastCard key={item.id} item={item} />
        ))}
      </ol>
    </section>
  );
}
