import { Link, useLocation, useSearchParams } from "@remix-run/react";
import { cn } from "~/lib/cn";

/** The metrics windows of the detail page, keyed as they appear in the URL (`?window=24h`). */
export const WINDOWS = {
  "15m": { query: "LAST_15_MINUTES", label: "15 m", long: "the last 15 minutes", spanHours: 0.25, bucket: "minute" },
  "1h": { query: "LAST_HOUR", label: "1 h", long: "the last hour", spanHours: 1, bucket: "minute" },
  "24h": { query: "LAST_24_HOURS", label: "24 h", long: "the last 24 hours", spanHours: 24, bucket: "hour" },
  "7d": { query: "LAST_7_DAYS", label: "7 d", long: "the last 7 days", spanHours: 168, bucket: "hour" },
} as const;
export type WindowKey = keyof typeof WINDOWS;
export const DEFAULT_WINDOW: WindowKey = "1h";

export function parseWindow(value: string | null): WindowKey {
  return value && value in WINDOWS ? (value as WindowKey) : DEFAULT_WINDOW;
}

export function WindowSelector({ current }: { current: WindowKey }) {
  const [params] = useSearchParams();
  const { pathname } = useLocation();
  return (
    <nav aria-label="Metrics window" className="inline-flex rounded-lg bg-slate-100 p-1">
      {(Object.keys(WINDOWS) as WindowKey[]).map((key) => {
        const next = new URLSearchParams(params);
        next.set("window", key);
        const active = key === current;
        return (
          <Link
            key={key}
            to={`${pathname}?${next}`}
            preventScrollReset
            replace
            aria-current={active ? "page" : undefined}
            className={cn(
              "rounded-md px-3 py-1 text-sm font-medium transition-colors",
              active ? "bg-white text-slate-900 shadow-sm" : "text-slate-600 hover:text-slate-900",
            )}
          >
            {WINDOWS[key].label}
          </Link>
        );
      })}
    </nav>
  );
}
