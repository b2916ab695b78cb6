import { Form, Link, useSearchParams, useSubmit } from "@remix-run/react";
import { Search, X } from "lucide-react";
import { forwardRef, type InputHTMLAttributes, type ReactNode } from "react";

/*
 * Filter bars above tables. Two looks are in use: labelled fields stacked over their controls
 * (FilterBar and its fields: models, training jobs) and inline ring-styled controls (activity,
 * deployments). Filters live in the URL, so every bar is a GET form that also works without JavaScript.
 */

const stackedLabel = "flex flex-col gap-1 text-xs font-medium text-slate-600";
const stackedSelect = "rounded-lg border border-slate-300 bg-white py-2 pl-3 pr-8 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none";

/** A stacked filter bar: choosing from a select applies at once; typing applies on Enter or with FilterSubmit. */
export function FilterBar({ label, children }: { label: string; children: ReactNode }) {
  const [params] = useSearchParams();
  const submit = useSubmit();
  return (
    <Form
      method="get"
      role="search"
      aria-label={label}
      className="mb-4 flex flex-wrap items-end gap-3"
      onChange={(e) => {
        if ((e.target as HTMLElement).tagName === "SELECT") submit(e.currentTarget, { preventScrollReset: true });
      }}
    >
      {/* Filtering keeps the table's sort and page size. */}
      {params.get("sort") ? <input type="hidden" name="sort" value={params.get("sort")!} /> : null}
      {params.get("size") ? <input type="hidden" name="size" value={params.get("size")!} /> : null}
      {children}
    </Form>
  );
}

/** Free-text search field of a FilterBar, prefilled from the URL. */
export function FilterSearchField({ label, placeholder, name = "q" }: { label: string; placeholder: string; name?: string }) {
  const [params] = useSearchParams();
  return (
    <label className={stackedLabel}>
      {label}
      <span className="relative">
        <Search className="pointer-events-none absolute left-2.5 top-2.5 h-4 w-4 text-slate-400" aria-hidden />
        <input
          type="search"
          name={name}
          // Keyed by the URL's value: after Back/Forward the field shows the filter actually applied.
          key={params.get(name) ?? ""}
          defaultValue={params.get(name) ?? ""}
          placeholder={placeholder}
          className="w-full rounded-lg border border-slate-300 py-2 pl-8 sm:w-64 pr-3 text-sm text-slate-900 shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-1 focus:ring-indigo-500"
        />
      </span>
    </label>
  );
}

/** A select of a FilterBar whose empty first option ("All …") means no filter. */
export function FilterSelectField(props: { label: string; name: string; allLabel: string; options: ReadonlyArray<{ value: string; label: string }> }) {
  const [params] = useSearchParams();
  return (
    <label className={stackedLabel}>
      {props.label}
      <select name={props.name} key={params.get(props.name) ?? ""} defaultValue={params.get(props.name) ?? ""} className={stackedSelect}>
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

export function FilterSubmit({ children }: { children: ReactNode }) {
  return (
    <button
      type="submit"
      className="rounded-lg bg-white px-3.5 py-2 text-sm font-medium text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50"
    >
      {children}
    </button>
  );
}

/** Back to the unfiltered list at `to`. */
export function ClearFiltersLink({ to }: { to: string }) {
  return (
    <Link to={to} className="inline-flex items-center gap-1 px-2 py-2 text-sm text-slate-500 hover:text-slate-900">
      <X className="h-4 w-4" aria-hidden /> Clear filters
    </Link>
  );
}

/** Class of an inline ring-styled filter select. */
export const inlineFilterSelectClass =
  "rounded-lg border-0 bg-white py-2 pl-3 pr-8 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 focus:ring-2 focus:ring-indigo-600";

/** An inline ring-styled search box with a magnifier; it has no visible label, so give it an aria-label. */
export const InlineFilterSearch = forwardRef<HTMLInputElement, InputHTMLAttributes<HTMLInputElement>>(function InlineFilterSearch(props, ref) {
  return (
    <div className="relative w-full max-w-xs">
      <Search className="pointer-events-none absolute left-3 top-1/2 h-4 w-4 -translate-y-1/2 text-slate-400" aria-hidden />
      <input
        ref={ref}
        type="search"
        {...props}
        className="w-full rounded-lg border-0 py-2 pl-9 pr-3 text-sm text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-400 focus:ring-2 focus:ring-inset focus:ring-indigo-600"
      />
    </div>
  );
});
