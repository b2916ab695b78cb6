import { Archive, CirclePause, CirclePlay, type LucideIcon } from "lucide-react";
import { ConfirmAction } from "~/components/deployment-confirm-action";

const ACTIONS: Array<{
  intent: "pause" | "resume" | "retire";
  offeredWhen: (status: string) => boolean;
  label: string;
  busyLabel: string;
  icon: LucideIcon;
  variant?: "primary" | "danger";
  description: string;
}> = [
  {
    intent: "pause",
    offeredWhen: (status) => status === "ACTIVE",
    label: "Pause",
    busyLabel: "Pausing…",
    icon: CirclePause,
    description: "The endpoint stops serving requests until you resume it. Its URL is kept, so clients need no change.",
  },
  {
    intent: "resume",
    offeredWhen: (status) => status === "PAUSED",
    label: "Resume",
    busyLabel: "Resuming…",
    icon: CirclePlay,
    variant: "primary",
    description: "The endpoint serves requests again, at the same URL.",
  },
  {
    intent: "retire",
    offeredWhen: (status) => status !== "RETIRED",
    label: "Retire",
    busyLabel: "Retiring…",
    icon: Archive,
    variant: "danger",
    description: "The endpoint is shut down for good. The version stays in the model's history, and you can roll back to it later.",
  },
];

/** Pause, Resume and Retire, offered only where the transition is legal; each asks for confirmation. */
export function DeploymentLifecycleActions({ status, label }: { status: string; label: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      {ACTIONS.filter((a) => a.offeredWhen(status)).map((a) => (
        <ConfirmAction
          key={a.intent}
          label={a.label}
          busyLabel={a.busyLabel}
          icon={a.icon}
          variant={a.variant}
          title={`${a.label} ${label}?`}
          description={a.description}
          confirmLabel={`${a.label} deployment`}
          fields={{ intent: a.intent }}
        />
      ))}
    </div>
  );
}
