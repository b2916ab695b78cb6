import { CopyButton } from "~/components/ui/copy-button";

/** The endpoint URL with a copy button that says when it has copied. */
export function DeploymentEndpoint({ url }: { url: string }) {
  return (
    <div className="flex min-w-0 items-center gap-2 rounded-lg bg-slate-50 px-3 py-1.5 ring-1 ring-inset ring-slate-200">
      <code className="truncate font-mono text-xs text-slate-700" data-testid="endpoint-url">
        {url}
      </code>
      <CopyButton value={url} iconOnly label="Copy endpoint URL" copiedLabel="Endpoint URL copied" />
    </div>
  );
}
