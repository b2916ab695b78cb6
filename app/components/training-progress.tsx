import { cn } from "~/lib/cn";

const barColour: Record<string, string> = {
  RUNNING: "bg-sky-500",
  QUEUED: "bg-slate-300",
  COMPLETE: "bg-emerald-500",
  FAILED: "bg-red-500",
  CANCELLED: "bg-slate-400",
};

/** A job's progress as a labelled bar: the percentage is always printed next to it. */
export function TrainingProgress({ progress, status, label, className }: { progress: number; status: string; label: string; className?: string }) {
  const pct = Math.min(100, Math.max(0, Math.round(progress * 100)));
  return (
    <div className={cn("flex items-center gap-2", className)}>
      <div
        className="h-1.5 w-28 flex-1 overflow-hidden rounded-full bg-slate-100"
        role="progressbar"
        aria-valuenow={pct}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-label={label}
      >
        <div className={cn("h-full rounded-full transition-[width] duration-700", barColour[status] ?? "bg-indigo-500")} style={{ width: `${pct}%` }} />
      </div>
      <span className="w-10 text-right text-xs tabular-nums text-slate-600">{pct}%</span>
    </div>
  );
}
