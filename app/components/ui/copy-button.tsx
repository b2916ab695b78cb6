import { Check, Copy } from "lucide-react";
import { useEffect, useState } from "react";
import { Button } from "~/components/ui/button";

/**
 * Copies `value` to the clipboard and says so for two seconds. By default a secondary button reading
 * "Copy"/"Copied"; `iconOnly` makes it a small icon button named by `label`/`copiedLabel`, with the
 * confirmation announced through a live region since the name alone is not read out on change.
 */
export function CopyButton({
  value,
  label = "Copy",
  copiedLabel = "Copied",
  iconOnly = false,
}: {
  value: string;
  label?: string;
  copiedLabel?: string;
  iconOnly?: boolean;
}) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 2000);
    return () => clearTimeout(timer);
  }, [copied]);
  // A refused clipboard (no permission, insecure origin) leaves the button as it was.
  const copy = () => navigator.clipboard?.writeText(value).then(() => setCopied(true), () => {});

  if (iconOnly) {
    return (
      <>
        <button
          type="button"
          onClick={copy}
          className="shrink-0 rounded p-1 text-slate-500 hover:bg-slate-200 hover:text-slate-900"
          aria-label={copied ? copiedLabel : label}
          title={copied ? "Copied" : label}
        >
          {copied ? <Check className="h-3.5 w-3.5 text-emerald-600" aria-hidden /> : <Copy className="h-3.5 w-3.5" aria-hidden />}
        </button>
        <span className="sr-only" aria-live="polite">
          {copied ? "Copied to the clipboard" : ""}
        </span>
      </>
    );
  }
  return (
    <Button type="button" variant="secondary" onClick={copy}>
      {copied ? <Check className="h-4 w-4 text-emerald-600" aria-hidden /> : <Copy className="h-4 w-4" aria-hidden />}
      <span aria-live="polite">{copied ? copiedLabel : label}</span>
    </Button>
  );
}
