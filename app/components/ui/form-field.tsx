import type { FieldMetadata } from "@conform-to/react";
import type { ReactNode } from "react";
import { cn } from "~/lib/cn";

/** Border and focus ring of a text input or select, red while its field has an error. */
export const inputClass = (invalid: boolean) =>
  cn(
    "block w-full rounded-lg border bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:outline-none focus:ring-1",
    invalid ? "border-red-400 focus:border-red-500 focus:ring-red-500" : "border-slate-300 focus:border-indigo-500 focus:ring-indigo-500",
  );

/**
 * Label, control, and either the field's first error (from the browser's check or the server's answer)
 * or its hint. Ids come from Conform, so `getInputProps` wires aria-invalid and aria-describedby to them.
 */
export function FormField(props: { meta: FieldMetadata<unknown>; label: string; hint?: string; className?: string; children: ReactNode }) {
  const error = props.meta.errors?.[0];
  return (
    <div className={props.className}>
      <label htmlFor={props.meta.id} className="mb-1 block text-sm font-medium text-slate-700">
        {props.label}
      </label>
      {props.children}
      {error ? (
        <p id={props.meta.errorId} className="mt-1 text-xs font-medium text-red-700" role="alert">
          {error}
        </p>
      ) : props.hint ? (
        <p id={props.meta.descriptionId} className="mt-1 text-xs text-slate-500">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

/** A form-level message (the server refused the whole submission). */
export function FormErrors({ errors }: { errors?: string[] }) {
  return errors?.length ? (
    <div role="alert" className="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
      {errors[0]}
    </div>
  ) : null;
}
