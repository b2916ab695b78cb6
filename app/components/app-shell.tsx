import { Form, Link, NavLink, useLocation } from "@remix-run/react";
import { BellRing, Boxes, Braces, FlaskConical, History, KeyRound, LayoutDashboard, Menu, Rocket, TrainFront, Webhook, X, type LucideIcon } from "lucide-react";
import { useEffect, useState, type ReactNode } from "react";
import { Icon } from "~/components/ui/icon";
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

function Logo() {
  return (
    <>
      <span className="flex h-8 w-8 items-center justify-center rounded-lg bg-indigo-500 text-white">
        <Icon icon={TrainFront} className="h-5 w-5" />
      </span>
      <span className="text-base font-semibold tracking-tight text-white">Trainyard</span>
    </>
  );
}

/**
 * The sidebar on wide screens; below 768 px a top bar whose Menu button opens
 * the same navigation over the page (closed again by any navigation), so a
 * phone keeps its whole width for the content.
 */
export function AppShell({ children, session }: { children: ReactNode; session: ConsoleSession }) {
  const [open, setOpen] = useState(false);
  const location = useLocation();
  useEffect(() => setOpen(false), [location.pathname, location.search]);
  if (session === null) {
    // Signed out (/login, /setup): nothing to navigate to yet, so no navigation.
    return (
      <div className="min-h-screen">
        <header className="flex h-14 items-center gap-2.5 bg-slate-900 px-5">
          <Logo />
        </header>
        <main id="main" tabIndex={-1} className="px-4 py-6 focus:outline-none md:px-8 md:py-8">
          <div className="mx-auto max-w-7xl">{children}</div>
        </main>
      </div>
    );
  }
  return (
    <div className="min-h-screen md:flex">
      <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded-lg focus:bg-white focus:px-3 focus:py-2 focus:text-sm focus:font-medium focus:text-indigo-700 focus:shadow">
        Skip to content
      </a>
      <header className="sticky top-0 z-30 flex h-14 items-center justify-between bg-slate-900 px-4 md:hidden">
        <div className="flex items-center gap-2.5">
          <Logo />
        </div>
        <button
          type="button"
          aria-expanded={open}
          aria-controls="main-navigation"
          onClick={() => setOpen((o) => !o)}
          className="inline-flex items-center gap-1.5 rounded-lg px-2.5 py-1.5 text-sm font-medium text-slate-200 hover:bg-slate-800"
        >
          <Icon icon={open ? X : Menu} className="h-5 w-5" />
          Menu
        </button>
      </header>
      <div id="main-navigation" className={cn("bg-slate-900 md:block md:w-60 md:shrink-0", open ? "fixed inset-x-0 bottom-0 top-14 z-30 overflow-y-auto" : "hidden")}>
      <aside className="z-20 flex flex-col text-slate-300 md:sticky md:top-0 md:h-screen">
        <div className="hidden h-16 items-center gap-2.5 px-5 md:flex">
          <Logo />
        </div>
        <nav aria-label="Main" className="flex-1 space-y-1 px-3 py-4">
          {NAV.map((item) => (
            <NavLink
              key={item.to}
              to={item.to}
              end={item.end}
              reloadDocument={item.external}
              className="nav-link"
            >
              <Icon icon={item.icon} />
              {item.label}
            </NavLink>
          ))}
        </nav>
        <div className="flex items-center justify-between border-t border-slate-800 px-5 py-4 text-xs text-slate-500">
          <span>
            Signed in as{" "}
            <Link to="/account" className="font-medium text-slate-300 hover:text-white" title={`Role: ${session.role.toLowerCase()}`}>
              {session.name}
            </Link>
          </span>
          <Form method="post" action="/logout">
            <button type="submit" className="font-medium text-slate-400 hover:text-white">
              Sign out
            </button>
          </Form>
        </div>
      </aside>
      </div>
      <main id="main" tabIndex={-1} className="min-w-0 flex-1 px-4 py-6 focus:outline-none md:px-8 md:py-8">
        <div className="mx-auto max-w-7xl">{children}</div>
      </main>
    </div>
  );
}
