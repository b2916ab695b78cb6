import { Form, Link, useSearchParams } from "@remix-run/react";
import { Search, X } from "lucide-react";
import { forwardRef, useEffect, useRef, useState, type InputHTMLAttributes, type ReactNode } from "react";
import { Icon } from "~/components/ui/icon";
import { withParams } from "~/lib/table-state";

/*
 * The one filter bar above every list table. Filters live in the URL: a select applies as soon as it
 * changes, the search field as you type (debounced, replacing the history entry), and without JavaScript
 * the bar is a GET form that submits on Enter. No Apply button. Fields read the URL, so after Back they
 * show the filter actually applied.
 */

const label = "flex flex-col gap-1 text-xs font-medium text-slate-600";
const control = "rounded-lg border border-slate-300 bg-white py-2 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500";
const TYPING_DEBOUNCE_MS = 250;

/** True when any of the URL parameters `names` is set (an empty state then offers Clear filters). */
export function useFiltered(names: readonly string[]): boolean {
  const [params] = useSearchParams();
  return names.some((name) => Boolean(params.get(name)));
}

/** `names` are the bar's URL parameters: Clear filters removes them and keeps the sort and page size. */
export function FilterBar({ label: ariaLabel, names, children }: { label: string; names: readonly string[]; children: ReactNode }) {
  const [params] = useSearchParams();
  return (
    <Form method="get" role="search" aria-label={ariaLabel} className="mb-4 flex flex-wrap items-end gap-3">
      {/* Submitting without JavaScript keeps the table's sort and page size. */}
      {params.get("sort") ? <input type="hidden" name="sort" value={params.get("sort")!} /> : null}
      {params.get("size") ? <input type="hidden" name="size" value={params.get("size")!} /> : null}
      {children}
      <ClearFilters names={names} />
    </Form>
  );
}

/** Free-text search field, applied as you type. */
export function FilterSearchField({ label: text, placeholder, name = "q" }: { label: string; placeholder: string; name?: string }) {
  const [params, setParams] = useSearchParams();
  const applied = params.get(name) ?? "";
  const [value, setValue] = useState(applied);
  const input = useRef<HTMLInputElement>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>();

  // The URL changed from elsewhere (Clear filters, Back): show it, unless the user is typing.
  useEffect(() => {
    if (document.activeElement !== input.current) setValue(applied);
  }, [applied]);
  useEffect(() => () => clearTimeout(timer.current), []);

  const onType = (next: string) => {
    setValue(next);
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      setParams((current) => withParams(current, { [name]: next.trim() }), { replace: true, preventScrollReset: true });
    }, TYPING_DEBOUNCE_MS);
  };

  return (
    <label className={label}>
      {text}
      <SearchInput ref={input} name={name} value={value} onChange={(e) => onType(e.target.value)} placeholder={placeholder} />
    </label>
  );
}

/** A select whose empty first option (`allLabel`) means no filter. */
export function FilterSelectField(props: { label: string; name: string; allLabel: string; options: ReadonlyArray<{ value: string; label: string }> }) {
  const [params, setParams] = useSearchParams();
  return (
    <label className={label}>
      {props.label}
      <select
        name={props.name}
        value={params.get(props.name) ?? ""}
        onChange={(e) => setParams(withParams(params, { [props.name]: e.target.value }), { preventScrollReset: true })}
        className={`${control} pl-3 pr-8`}
      >
        <option value="">{props.allLabel}</option>
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** A link back to the list without the filters `names` (shown only while one is set); works without JavaScript. */
export function ClearFilters({ names }: { names: readonly string[] }) {
  const [params] = useSearchParams();
  if (!names.some((name) => params.get(name))) return null;
  const rest = withParams(params, Object.fromEntries(names.map((name) => [name, null]))).toString();
  return (
    <Link
      to={{ search: rest ? `?${rest}` : "" }}
      preventScrollReset
      className="inline-flex items-center gap-1 rounded-lg px-2.5 py-2 text-sm font-medium text-slate-600 hover:bg-slate-100 hover:text-slate-900"
    >
      <X className="h-4 w-4" aria-hidden /> Clear filters
    </Link>
  );
}

/** The search box with a magnifier; give it a label or an aria-label. */
export const SearchInput = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function SearchInput(props, ref) {
  return (
    <span className="relative block">
      <Icon icon={Search} className="pointer-events-none absolute left-2.5 top-1/2 h-4 w-4 -translate-y-1/2 text-slate-400" />
      <input ref={ref} type="search" {...props} className={`${control} w-full pl-8 pr-3 sm:w-64`} />
    </span>
  );
});

/** Kept for the activity page (owned elsewhere) until it moves onto FilterBar. */
export const inlineFilterSelectClass = `${control} pl-3 pr-8`;
/** Kept for the activity page (owned elsewhere) until it moves onto FilterBar. */
export const InlineFilterSearch = SearchInput;
