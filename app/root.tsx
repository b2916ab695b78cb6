import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Links, Meta, Outlet, Scripts, ScrollRestoration, useLoaderData, useRouteLoaderData } from "@remix-run/react";
import { useEffect, type ReactNode } from "react";
import { AppShell, type ConsoleSession } from "~/components/app-shell";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Toaster, toast as showToast } from "~/components/toaster";
import { readToast } from "~/server/toast.server";
import stylesheet from "~/tailwind.css";

export const links: LinksFunction = () => [
  { rel: "stylesheet", href: stylesheet },
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
];

export const meta: MetaFunction = () => [{ title: "Trainyard" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { toast, headers } = await readToast(request);
  // Every page but /login and /setup is behind the session guard (graphql/security/console-auth.ts).
  const user = context.console.user;
  const session: ConsoleSession = user ? { name: user.name, role: user.role } : null;
  return json({ toast, session }, { headers });
}

export function Layout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        <AppShell session={useRouteLoaderData<typeof loader>("root")?.session ?? null}>{children}</AppShell>
        <Toaster />
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

function useFlashToast() {
  const data = useRouteLoaderData<typeof loader>("root");
  const toast = data?.toast;
  useEffect(() => {
    if (!toast) return;
    const show = toast.type === "error" ? showToast.error : toast.type === "success" ? showToast.success : showToast.info;
    show(toast.title, { description: toast.description });
  }, [toast]);
}

export default function App() {
  useLoaderData<typeof loader>();
  useFlashToast();
  return <Outlet />;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
