import { Form, useNavigation } from "@remix-run/react";
import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { Button } from "~/components/ui/button";
import { RoundIcon } from "~/components/ui/round-icon";

const inputClass =
  "mt-1 block w-full rounded-lg border border-slate-300 px-3 py-2 text-sm shadow-sm focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-200";

export interface AuthField {
  name: string;
  label: string;
  type: "text" | "password";
  autoComplete: string;
  autoFocus?: boolean;
  defaultValue?: string;
  minLength?: number;
}

/**
 * The sign-in and first-admin card: a centred form of required fields. The action's `error` goes under
 * `errorField` (wired with aria-invalid and aria-describedby) or, without one, above the button.
 */
export function AuthForm(props: {
  icon: LucideIcon;
  title: string;
  intro: ReactNode;
  hidden: Record<string, string>;
  fields: readonly AuthField[];
  error?: string;
  errorField?: string;
  submit: { icon: LucideIcon; label: string; busyLabel: string };
}) {
  const busy = useNavigation().state !== "idle";
  const { submit, error } = props;
  const message = (id?: string) => (
    <p id={id} role="alert" className={id ? "mt-1 text-xs text-red-700" : "text-xs text-red-700"}>
      {error}
    </p>
  );
  return (
    <div className="flex min-h-[70vh] items-center justify-center">
      <div className="w-full max-w-sm rounded-xl border border-slate-200 bg-white p-6 shadow-sm">
        <RoundIcon icon={props.icon} tone="accent" />
        <h1 className="mt-4 text-xl font-semibold tracking-tight text-slate-900">{props.title}</h1>
        <p className="mt-1 text-sm text-slate-500">{props.intro}</p>
        <Form method="post" className="mt-6 space-y-4">
          {Object.entries(props.hidden).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          {props.fields.map(({ label, ...field }) => {
            const invalid = Boolean(error) && props.errorField === field.name;
            return (
              <div key={field.name}>
                <label htmlFor={field.name} className="block text-sm font-medium text-slate-700">
                  {label}
                </label>
                <input
                  id={field.name}
                  {...field}
                  required
                  aria-invalid={invalid || undefined}
                  aria-describedby={invalid ? `${field.name}-error` : undefined}
                  className={inputClass}
                />
                {invalid ? message(`${field.name}-error`) : null}
              </div>
            );
          })}
          {error && !props.errorField ? message() : null}
          <Button type="submit" className="w-full" disabled={busy}>
            <submit.icon className="h-4 w-4" aria-hidden /> {busy ? submit.busyLabel : submit.label}
          </Button>
        </Form>
      </div>
    </div>
  );
}
