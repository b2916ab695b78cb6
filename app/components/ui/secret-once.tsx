import { ShieldAlert } from "lucide-react";
import { useEffect, useRef, type ReactNode } from "react";
import { CopyButton } from "~/components/ui/copy-button";

/**
 * A secret the API returns once (a token, a channel's signing secret): shown with a copy button and
 * focused so a screen reader announces it; `details` and `footer` say how to use it.
 */
export function SecretOnce(props: { title: string; secret: string; details: ReactNode; footer?: ReactNode; testId: string; secretTestId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => ref.current?.focus(), []);
  return (
    <div ref={ref} tabIndex={-1} className="mb-6 rounded-xl border border-emerald-200 bg-emerald-50 p-5 outline-none" role="status" data-testid={props.testId}>
      <div className="flex items-start gap-3">
        <ShieldAlert className="mt-0.5 h-5 w-5 shrink-0 text-emerald-700" aria-hidden />
        <div className="min-w-0 flex-1">
          <h2 className="text-sm font-semibold text-emerald-900">{props.title}</h2>
          <p className="mt-1 text-xs text-emerald-800">{props.details}</p>
          <div className="mt-3 flex items-center gap-2">
            <code
              className="min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded-lg border border-emerald-200 bg-white px-3 py-2 font-mono text-sm text-slate-900"
              data-testid={props.secretTestId}
            >
              {props.secret}
            </code>
            <CopyButton value={props.secret} />
          </div>
          {props.footer ? <p className="mt-3 text-xs text-emerald-800">{props.footer}</p> : null}
        </div>
      </div>
    </div>
  );
}
