import {
  Ban,
  CheckCircle2,
  CircleDashed,
  CirclePause,
  Loader2,
  Archive,
  XCircle,
  Clock,
  type LucideIcon,
} from "lucide-react";
import { cn } from "~/lib/cn";

type Style = { label: string; icon: LucideIcon; className: string; spin?: boolean };

// Colours meet WCAG AA (4.5:1) for the text on its tinted background; icon and text carry the meaning too.
const styles: Record<string, Style> = {
  DEPLOYING: { label: "Deploying", icon: Loader2, className: "bg-sky-50 text-sky-800 ring-sky-200", spin: true },
  ACTIVE: { label: "Active", icon: CheckCircle2, className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  PAUSED: { label: "Paused", icon: CirclePause, className: "bg-amber-50 text-amber-900 ring-amber-200" },
  FAILED: { label: "Failed", icon: XCircle, className: "bg-red-50 text-red-800 ring-red-200" },
  RETIRED: { label: "Retired", icon: Archive, className: "bg-slate-100 text-slate-700 ring-slate-200" },
  QUEUED: { label: "Queued", icon: Clock, className: "bg-slate-100 text-slate-700 ring-slate-200" },
  RUNNING: { label: "Running", icon: Loader2, className: "bg-sky-50 text-sky-800 ring-sky-200", spin: true },
  COMPLETE: { label: "Complete", icon: CheckCircle2, className: "bg-emerald-50 text-emerald-800 ring-emerald-200" },
  CANCELLED: { label: "Cancelled", icon: Ban, className: "bg-slate-100 text-slate-700 ring-slate-200" },
};

const unknown: Style = { label: "Unknown", icon: CircleDashed, className: "bg-slate-100 text-slate-700 ring-slate-200" };

/** Status as colour + icon + text, never colour alone. */
export function StatusBadge({ status, className }: { status: string; className?: string }) {
  const s = styles[status] ?? { ...unknown, label: status };
  const Icon = s.icon;
  return (
    <span
      className={cn("inline-flex items-center gap-1.5 rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset", s.className, className)}
      data-status={status}
    >
      <Icon className={cn("h-3.5 w-3.5", s.spin && "animate-spin [animation-duration:2s]")} aria-hidden />
      {s.label}
    </span>
  );
}
