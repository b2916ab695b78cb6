import { redirect } from "@remix-run/node";
import { GeneralErrorBoundary } from "~/components/error-page";

/** /training has no page of its own: the jobs table is the training home. */
export function loader() {
  return redirect("/training/jobs");
}

export default function TrainingIndex() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
