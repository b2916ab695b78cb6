import { isRouteErrorResponse, Link, useRouteError } from "@remix-run/react";
import { AlertTriangle, SearchX } from "lucide-react";

/** The one error boundary UI: 404s say what was not found; anything else apologises without leaking internals. */
export function GeneralErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  const notFound = status === 404;
  const unavailable = status === 503;
  const Icon = notFound ? SearchX : AlertTriangle;
  const detail = isRouteErrorResponse(error) && typeof error.data === "string" ? error.data : null;
  return (
    <div className="flex min-h-[60vh] items-center justify-center" role="alert">
      <div className="max-w-md text-center">
        <span className="mx-auto flex h-12 w-12 items-center justify-center rounded-full bg-slate-100 text-slate-600">
          <Icon className="h-6 w-6" aria-hidden />
        </span>
        <p className="mt-4 text-sm font-semibold text-indigo-600">{status}</p>
        <h1 className="mt-1 text-2xl font-semibold tracking-tight text-slate-900">
          {notFound ? "Page not found" : unavailable ? "Temporarily unavailable" : "Something went wrong"}
        </h1>
        <p className="mt-2 text-sm text-slate-500">
          {notFound
            ? (detail ?? "The page you are looking for does not exist or was removed.")
            : unavailable
              ? "The database cannot be reached right now. Nothing was lost; reload the page in a few seconds."
              : "The console hit an unexpected error. It has been logged on the server; try again in a moment."}
        </p>
        <Link
          to="/"
          className="mt-6 inline-flex items-center rounded-lg bg-slate-900 px-4 py-2 text-sm font-medium text-white hover:bg-slate-700"
        >
          Back to the dashboard
        </Link>
      </div>
    </div>
  );
}
