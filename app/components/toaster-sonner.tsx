import { useEffect } from "react";
import { Toaster, toast } from "sonner";

export { toast };

/**
 * Sonner's toaster, in a chunk of its own that app/components/toaster.tsx loads with the first toast.
 * `onMount` runs after Sonner's own effects (children's effects run first), so it has subscribed to
 * its toast store by then and a toast shown from `onMount` on is drawn.
 */
export default function SonnerToaster({ onMount }: { onMount: () => void }) {
  useEffect(onMount, [onMount]);
  // Bottom right: at the top the toast covered the page header's action buttons.
  return <Toaster position="bottom-right" richColors closeButton />;
}
