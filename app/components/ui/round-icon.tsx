import type { LucideIcon } from "lucide-react";
import { cn } from "~/lib/cn";

const SIZES = { md: ["h-10 w-10", "h-5 w-5"], lg: ["h-12 w-12", "h-6 w-6"] } as const;
const TONES = { accent: "bg-indigo-50 text-indigo-600", muted: "bg-slate-100 text-slate-500" } as const;

/** An icon in a tinted circle, heading an empty state or a sign-in card. */
export function RoundIcon({ icon: Icon, size = "md", tone = "muted" }: { icon: LucideIcon; size?: keyof typeof SIZES; tone?: keyof typeof TONES }) {
  return (
    <span className={cn("flex items-center justify-center rounded-full", SIZES[size][0], TONES[tone])}>
      <Icon className={SIZES[size][1]} aria-hidden />
    </span>
  );
}
