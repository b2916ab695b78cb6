import { Link } from "@remix-run/react";
import type { LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "~/lib/cn";

export type StatTone = "neutral" | "good" | "warning" | "critical";

const toneStyles: Record<StatTone, string> = {
  neutral: "text-slate-900",
  good: "text-emerald-700",
  warning: "text-amber-700",
  critical: "text-red-700",
};

/**
 * One headline figure. `cue` is a text explanation so tone is never carried by colour alone.
 * `to`: the card is a link to the list behind the figure (the label names the link).
 */
export function StatCard(props: {
  label: string;
  value: ReactNode;
  icon: LucideIcon;
  hint?: ReactNode;
  tone?: StatTone;
  cue?: string;
  testId?: string;
  to?: string;
}) {
  const Icon = props.icon;
  const tone = props.tone ?? "neutral";
  const card = (
    <div className={cn("h-full rounded-xl border border-slate-200 bg-white p-5 shadow-sm", props.to && "transition-shadow group-hover:border-indigo-200 group-hover:shadow-md")} data-testid={props.testId}>
      <div className="flex items-center justify-between">
        <p className="text-sm font-medium text-slate-500">{props.label}</p>
        <span className="rounded-lg bg-slate-100 p-2 text-slate-600">
          <Icon className="h-4 w-4" aria-hidden />
        </span>
      </div>
      <p className={cn("mt-3 text-3xl font-semibold tracking-tight tabular-nums", toneStyles[tone])} data-testid={props.testId && `${props.testId}-value`}>
        {props.value}
      </p>
      <div className="mt-1 flex items-center gap-2 text-xs text-slate-500">
        {props.cue ? <span className={cn("font-semibold", toneStyles[tone])}>{props.cue}</span> : null}
        {props.hint ? <span>{props.hint}</span> : null}
      </div>
    </div>
  );
  if (!props.to) return card;
  return (
    <Link
      to={props.to}
      className="group block rounded-xl focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-500"
      data-testid={props.testId && `${props.testId}-link`}
    >
      {card}
    </Link>
  );
}
