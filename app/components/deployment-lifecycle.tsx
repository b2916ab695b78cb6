import { Archive, CirclePause, CirclePlay } from "lucide-react";
import { ConfirmAction } from "~/components/deployment-confirm-action";

/** Pause, Resume and Retire, offered only where the transition is legal; each asks for confirmation. */
export function DeploymentLifecycleActions({ status, label }: { status: string; label: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      {status === "ACTIVE" ? (
        <ConfirmAction
          label="Pause"
          busyLabel="Pausing…"
          icon={CirclePause}
          title={`Pause ${label}?`}
          description="The endpoint stops serving requests until you resume it. Its URL is kept, so clients need no change."
          confirmLabel="Pause deployment"
          fields={{ intent: "pause" }}
        />
      ) : null}
      {status === "PAUSED" ? (
        <ConfirmAction
          label="Resume"
          busyLabel="Resuming…"
          icon={CirclePlay}
          variant="primary"
          title={`Resume ${label}?`}
          description="The endpoint serves requests again, at the same URL."
          confirmLabel="Resume deployment"
          fields={{ intent: "resume" }}
        />
      ) : null}
      {status !== "RETIRED" ? (
        <ConfirmAction
          label="Retire"
          busyLabel="Retiring…"
          icon={Archive}
          variant="danger"
          title={`Retire ${label}?`}
          description="The endpoint is shut down for good. The version stays in the model's history, and you can roll back to it later."
          confirmLabel="Retire deployment"
          fields={{ intent: "retire" }}
        />
      ) : null}
    </div>
  );
}
