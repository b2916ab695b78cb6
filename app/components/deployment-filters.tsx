import { Form, useSearchParams } from "@remix-run/react";
import { X } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { Button } from "~/components/ui/button";
import { InlineFilterSearch, inlineFilterSelectClass } from "~/components/ui/filters";
import { withParams } from "~/lib/table-state";

export const DEPLOYMENT_STATUSES = ["DEPLOYING", "ACTIVE", "PAUSED", "FAILED", "RETIRED"] as const;
const STATUS_LABELS: Record<(typeof DEPLOYMENT_STATUSES)[number], string> = {
  DEPLOYING: "Deploying",
  ACTIVE: "Active",
  PAUSED: "Paused",
  FAILED: "Failed",
  RETIRED: "Retired",
};

const TYPING_DEBOUNCE_MS = 250;

/**
 * Model-name text filter (applied as you type, debounced) and status dropdown.
 * Both live in the URL (`?q=…&status=…`); without JavaScript the form submits as a GET.
 */
export function DeploymentFilters() {
  const [params, setParams] = useSearchParams();
  const q = params.get("q") ?? "";
  const status = params.get("status") ?? "";
  const trainer = params.get("trainer") ?? "";
  const [text, setText] = useState(q);
  const input = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  // The URL changed from elsewhere (Clear filters, back button): show it, unless the user is typing.
  useEffect(() => {
    if (document.activeElement !== input.current) setText(q);
  }, [q]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const onType = (value: string) => {
    setText(value);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      setParams((current) => withParams(current, { q: value.trim() }), { replace: true, preventScrollReset: true });
    }, TYPING_DEBOUNCE_MS);
  };

  const filtered = q !== "" || status !== "" || trainer !== "";
  return (
    <Form method="get" role="search" className="mb-4 flex flex-wrap items-center gap-3" onSubmit={() => clearTimeout(timer.current)}>
      {/* Submitting without JavaScript keeps the current sort. */}
      {params.get("sort") ? <input type="hidden" name="sort" value={params.get("sort")!} /> : null}
      <InlineFilterSearch
        ref={input}
        name="q"
        value={text}
        onChange={(e) => onType(e.target.value)}
        placeholder="Filter by model name…"
        aria-label="Filter by model name"
      />
      <label className="flex items-center gap-2 text-sm text-slate-600">
        <span>Status</span>
        <select
          name="status"
          value={status}
          onChange={(e) => setParams(withParams(params, { status: e.target.value }), { preventScrollReset: true })}
          className={inlineFilterSelectClass}
        >
          <option value="">All statuses</option>
          {DEPLOYMENT_STATUSES.map((s) => (
            <option key={s} value={s}>
              {STATUS_LABELS[s]}
            </option>
          ))}
        </select>
      </label>
      <label className="flex items-center gap-2 text-sm text-slate-600">
        <span>Trained by</span>
        <select
          name="trainer"
          value={trainer}
          onChange={(e) => setParams(withParams(params, { trainer: e.target.value }), { preventScrollReset: true })}
          className={inlineFilterSelectClass}
        >
          <option value="">Real and simulated</option>
          <option value="real">Real trainers</option>
          <option value="simulated">Simulated trainer</option>
        </select>
      </label>
      {filtered ? <ClearFiltersButton variant="ghost" /> : null}
    </Form>
  );
}

export function ClearFiltersButton({ variant = "secondary" }: { variant?: "secondary" | "ghost" }) {
  const [params, setParams] = useSearchParams();
  return (
    <Button
      type="button"
      variant={variant}
      onClick={() => setParams(withParams(params, { q: null, status: null, trainer: null }), { preventScrollReset: true })}
    >
      <X className="h-4 w-4" aria-hidden /> {variant === "ghost" ? "Reset filters" : "Clear filters"}
    </Button>
  );
}
