import { GeneralErrorBoundary } from "~/components/error-page";

// Any URL no other route matches: a real 404 status with the app's 404 page.
export function loader() {
  throw new Response("The page you are looking for does not exist or was removed.", { status: 404 });
}

export default function NotFound() {
  return null;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
