import {
  Archive,
  Ban,
  BellOff,
  CheckCircle2,
  CircleDashed,
  CirclePause,
  Clock,
  Flame,
  Loader2,
  ShieldX,
  XCircle,
  type LucideIcon,
} from "lucide-react";
import { cn } from "~/lib/cn";
import type { AlertRuleState, AlertStatus, ApiTokenStatus, AuditOutcome, DeliveryStatus, DeploymentStatus, TrainingJobStatus } from "~/lib/schema-enums";

type Style = { label: string; icon: LucideIcon; tone: Tone; spin?: boolean };
type Tone = "info" | "good" | "warn" | "bad" | "muted";
type Values<T extends readonly string[]> = T[number];

/** The status enums the console draws as pills, each keyed by the schema's enum (a new value fails the type check until it has a style). */
export interface StatusDomains {
  deployment: Values<typeof DeploymentStatus>;
  trainingJob: Values<typeof TrainingJobStatus>;
  /** A rule's state on a deployment, or an alert's; SILENCED is a firing rule whose notifications are off. */
  alert: Values<typeof AlertRuleState> | Values<typeof AlertStatus> | "SILENCED";
  token: Values<typeof ApiTokenStatus>;
  delivery: Values<typeof DeliveryStatus>;
  audit: Values<typeof AuditOutcome>;
}
export type StatusDomain = keyof StatusDomains;
export type DeploymentStatusValue = StatusDomains["deployment"];

// Colours meet WCAG AA (4.5:1) for the text on its tinted background; icon and text carry the meaning too.
const tones: Record<Tone, string> = {
  info: "bg-sky-50 text-sky-800 ring-sky-200",
  good: "bg-emerald-50 text-emerald-800 ring-emerald-200",
  warn: "bg-amber-50 text-amber-900 ring-amber-200",
  bad: "bg-red-50 text-red-800 ring-red-200",
  muted: "bg-slate-100 text-slate-700 ring-slate-200",
};

// The few looks a status takes; each domain below names its values' looks.
const look =
  (icon: LucideIcon, tone: Tone, spin?: boolean) =>
  (label: string): Style => ({ label, icon, tone, spin });
const busy = look(Loader2, "info", true);
const good = look(CheckCircle2, "good");
const waiting = look(Clock, "warn");
const queued = look(Clock, "muted");
const failed = look(XCircle, "bad");
const stopped = look(Ban, "muted");

const styles: { [D in StatusDomain]: Record<StatusDomains[D], Style> } = {
  deployment: { DEPLOYING: busy("Deploying"), ACTIVE: good("Active"), PAUSED: look(CirclePause, "warn")("Paused"), FAILED: failed("Failed"), RETIRED: look(Archive, "muted")("Retired") },
  trainingJob: { QUEUED: queued("Queued"), RUNNING: busy("Running"), COMPLETE: good("Complete"), FAILED: failed("Failed"), CANCELLED: stopped("Cancelled") },
  alert: { FIRING: look(Flame, "bad")("Firing"), PENDING: waiting("Pending"), RESOLVED: good("Resolved"), OK: good("OK"), SILENCED: look(BellOff, "muted")("Silenced") },
  token: { ACTIVE: good("Active"), EXPIRED: waiting("Expired"), REVOKED: stopped("Revoked") },
  delivery: { DELIVERED: good("Delivered"), PENDING: waiting("Retrying"), FAILED: failed("Failed") },
  audit: { SUCCESS: good("Succeeded"), REFUSED: look(ShieldX, "warn")("Refused"), ERROR: failed("Error") },
};

/**
 * A status as colour + icon + text, never colour alone: `<StatusBadge domain="deployment" status={d.status} />`.
 * `label` replaces the text where the page knows more (a delivery not yet attempted is "Queued").
 */
export function StatusBadge<D extends StatusDomain>(props: { domain: D; status: StatusDomains[D]; label?: string; className?: string }) {
  const s: Style = (styles[props.domain] as Record<string, Style>)[props.status] ?? { label: props.status, icon: CircleDashed, tone: "muted" };
  const Icon = s.icon;
  return (
    <span
      className={cn("inline-flex items-center gap-1.5 whitespace-nowrap rounded-full px-2.5 py-0.5 text-xs font-medium ring-1 ring-inset", tones[s.tone], props.className)}
      data-status={props.status}
    >
      <Icon className={cn("h-3.5 w-3.5", s.spin && "animate-spin [animation-duration:2s]")} aria-hidden />
      {props.label ?? s.label}
    </span>
  );
}
