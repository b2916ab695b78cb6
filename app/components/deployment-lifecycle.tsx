import { Archive, CirclePause, CirclePlay, type LucideIcon } from "lucide-react";
import { ConfirmAction } from "~/components/ui/confirm-dialog";

const ACTIONS: Array<{
  intent: "pause" | "resume" | "retire";
  action: "PAUSE" | "RESUME" | "RETIRE";
  label: string;
  busyLabel: string;
  icon: LucideIcon;
  variant?: "primary" | "danger";
  description: string;
}> = [
  {
    intent: "pause",
    action: "PAUSE",
    label: "Pause",
    busyLabel: "Pausing…",
    icon: CirclePause,
    description: "The endpoint stops serving requests until you resume it. Its URL is kept, so clients need no change.",
  },
  {
    intent: "resume",
    action: "RESUME",
    label: "Resume",
    busyLabel: "Resuming…",
    icon: CirclePlay,
    variant: "primary",
    description: "The endpoint serves requests again, at the same URL.",
  },
  {
    intent: "retire",
    action: "RETIRE",
    label: "Retire",
    busyLabel: "Retiring…",
    icon: Archive,
    variant: "danger",
    description: "The endpoint is shut down for good. The version stays in the model's history, and you can roll back to it later.",
  },
];

/** Pause, Resume and Retire, offered only when the API lists them in `availableActions`; each asks for confirmation. */
export function DeploymentLifecycleActions({ availableActions, label }: { availableActions: readonly string[]; label: string }) {
  return (
    <div className="flex flex-wrap items-center gap-2">
      {ACTIONS.filter((a) => availableActions.includes(a.action)).map((a) => (
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
