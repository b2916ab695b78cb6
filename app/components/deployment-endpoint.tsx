import { Check, Copy } from "lucide-react";
import { useEffect, useState } from "react";

/** The endpoint URL with a copy button that says when it has copied. */
export function DeploymentEndpoint({ url }: { url: string }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  return (
    <div className="flex min-w-0 items-center gap-2 rounded-lg bg-slate-50 px-3 py-1.5 ring-1 ring-inset ring-slate-200">
      <code className="truncate font-mono text-xs text-slate-700" data-testid="endpoint-url">
        {url}
      </code>
      <button
        type="button"
        onClick={() => navigator.clipboard?.writeText(url).then(() => setCopied(true), () => {})}
        className="shrink-0 rounded p-1 text-slate-500 hover:bg-slate-200 hover:text-slate-900"
        aria-label={copied ? "Endpoint URL copied" : "Copy endpoint URL"}
        title={copied ? "Copied" : "Copy endpoint URL"}
      >
        {copied ? <Check className="h-3.5 w-3.5 text-emerald-600" aria-hidden /> : <Copy className="h-3.5 w-3.5" aria-hidden />}
      </button>
      <span className="sr-only" aria-live="polite">
        {copied ? "Copied to the clipboard" : ""}
      </span>
    </div>
  );
}
