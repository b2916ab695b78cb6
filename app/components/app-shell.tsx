import { Form, Link, NavLink } from "@remix-run/react";
import { BellRing, Boxes, Braces, FlaskConical, History, KeyRound, LayoutDashboard, Rocket, TrainFront, Webhook, type LucideIcon } from "lucide-react";
import type { ReactNode } from "react";
import { cn } from "~/lib/cn";

interface NavItem {
  to: string;
  label: string;
  icon: LucideIcon;
  end?: boolean;
  /** Leaves the Remix app (the playground is served by yoga). */
  external?: boolean;
}

const NAV: NavItem[] = [
  { to: "/", label: "Dashboard", icon: LayoutDashboard, end: true },
  { to: "/models", label: "Models", icon: Boxes },
  { to: "/training/jobs", label: "Training", icon: FlaskConical },
  { to: "/deployments", label: "Deployments", icon: Rocket },
  { to: "/activity", label: "Activity", icon: History },
  { to: "/alerts", label: "Alerts", icon: BellRing },
  { to: "/settings/tokens", label: "API tokens", icon: KeyRound },
  { to: "/settings/channels", label: "Alert channels", icon: Webhook },
  { to: "/graphql", label: "API playground", icon: Braces, external: true },
];

/** The signed-in person, or null on /login and /setup. */
export type ConsoleSession = { name: string; role: string } | null;

export function AppShell({ children, session }: { children: ReactNode; session: ConsoleSession }) {
  return (
    <div className="flex min-h-screen">
      <div className="w-60 shrink-0 bg-slate-900">
      <aside className="sticky top-0 z-20 flex h-screen flex-col text-slate-300">
        <div className="flex h-16 items-center gap-2.5 px-5">
          <span className="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-500 text-white">
            <TrainFront className="h-5 w-5" aria-hidden />
          </span>
          <span className="text-base font-semibold tracking-tight text-white">Trainyard</span>
        </div>
        <nav aria-label="Main" className="flex-1 space-y-1 px-3 py-4">
          {NAV.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              end={item.end}
              reloadDocument={item.external}
              className={({ isActive }) =>
                cn(
                  "flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium transition-colors",
                  isActive && !item.external ? "bg-slate-800 text-white" : "hover:bg-slate-800/60 hover:text-white",
                )
              }
            >
              <item.icon className="h-4 w-4 shrink-0" aria-hidden />
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="flex items-center justify-between border-t border-slate-800 px-5 py-4 text-xs text-slate-500">
          {session === null ? (
            <span>Not signed in</span>
          ) : (
            <span>
              Signed in as{" "}
              <Link to="/account" className="font-medium text-slate-300 hover:text-white" title={`Role: ${session.role.toLowerCase()}`}>
                {session.name}
              </Link>
            </span>
          )}
          {session ? (
            <Form method="post" action="/logout">
              <button type="submit" className="font-medium text-slate-400 hover:text-white">
                Sign out
              </button>
            </Form>
          ) : null}
        </div>
      </aside>
      </div>
      <main className="min-w-0 flex-1 px-8 py-8">
        <div className="mx-auto max-w-7xl">{children}</div>
      </main>
    </div>
  );
}
