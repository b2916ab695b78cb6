import { Form, useNavigation } from "@remix-run/react";
import type { LucideIcon } from "lucide-react";
import { useId, useRef, type ReactNode } from "react";
import { Button } from "~/components/ui/button";

/**
 * The console's one confirmation (no `window.confirm` anywhere): a button that
 * asks before it posts, a native modal <dialog> (focus is trapped, Escape
 * cancels) holding the form with the action's hidden fields. `action`: the
 * route to post to (default: the current one).
 */
export function ConfirmAction(props: {
  label: string;
  busyLabel: string;
  icon: LucideIcon;
  variant?: "primary" | "secondary" | "danger";
  size?: "sm" | "md";
  title: string;
  description: ReactNode;
  confirmLabel: string;
  fields: Record<string, string>;
  action?: string;
  children?: ReactNode;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const navigation = useNavigation();
  const busy =
    navigation.state !== "idle" &&
    Object.entries(props.fields).every(([name, value]) => navigation.formData?.get(name) === value);
  const Icon = props.icon;
  return (
    <>
      <Button type="button" variant={props.variant ?? "secondary"} size={props.size} disabled={busy} onClick={() => dialog.current?.showModal()}>
        <Icon className="h-4 w-4" aria-hidden /> {busy ? props.busyLabel : props.label}
      </Button>
      <dialog
        ref={dialog}
        aria-labelledby={titleId}
        className="w-full max-w-md whitespace-normal rounded-xl p-0 text-left shadow-xl backdrop:bg-slate-900/40"
        onClick={(e) => {
          if (e.target === dialog.current) dialog.current?.close();
        }}
      >
        <Form method="post" action={props.action} onSubmit={() => dialog.current?.close()} className="p-6">
          {Object.entries(props.fields).map(([name, value]) => (
            <input key={name} type="hidden" name={name} value={value} />
          ))}
          <h2 id={titleId} className="text-base font-semibold text-slate-900">
            {props.title}
          </h2>
          <div className="mt-2 text-sm text-slate-600">{props.description}</div>
          {props.children}
          <div className="mt-6 flex justify-end gap-2">
            <Button type="button" variant="secondary" onClick={() => dialog.current?.close()}>
              Cancel
            </Button>
            <Button type="submit" variant={props.variant === "danger" ? "danger" : "primary"} autoFocus>
              {props.confirmLabel}
            </Button>
          </div>
        </Form>
      </dialog>
    </>
  );
}
