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

const styles: { [D in StatusDomain]: Record<StatusDomains[D], Style> } = {
  deployment: {
    DEPLOYING: { label: "Deploying", icon: Loader2, tone: "info", spin: true },
    ACTIVE: { label: "Active", icon: CheckCircle2, tone: "good" },
    PAUSED: { label: "Paused", icon: CirclePause, tone: "warn" },
    FAILED: { label: "Failed", icon: XCircle, tone: "bad" },
    RETIRED: { label: "Retired", icon: Archive, tone: "muted" },
  },
  trainingJob: {
    QUEUED: { label: "Queued", icon: Clock, tone: "muted" },
    RUNNING: { label: "Running", icon: Loader2, tone: "info", spin: true },
    COMPLETE: { label: "Complete", icon: CheckCircle2, tone: "good" },
    FAILED: { label: "Failed", icon: XCircle, tone: "bad" },
    CANCELLED: { label: "Cancelled", icon: Ban, tone: "muted" },
  },
  alert: {
    FIRING: { label: "Firing", icon: Flame, tone: "bad" },
    PENDING: { label: "Pending", icon: Clock, tone: "warn" },
    RESOLVED: { label: "Resolved", icon: CheckCircle2, tone: "good" },
    OK: { label: "OK", icon: CheckCircle2, tone: "good" },
    SILENCED: { label: "Silenced", icon: BellOff, tone: "muted" },
  },
  token: {
    ACTIVE: { label: "Active", icon: CheckCircle2, tone: "good" },
    EXPIRED: { label: "Expired", icon: Clock, tone: "warn" },
    REVOKED: { label: "Revoked", icon: Ban, tone: "muted" },
  },
  delivery: {
    DELIVERED: { label: "Delivered", icon: CheckCircle2, tone: "good" },
    PENDING: { label: "Retrying", icon: Clock, tone: "warn" },
    FAILED: { label: "Failed", icon: XCircle, tone: "bad" },
  },
  audit: {
    SUCCESS: { label: "Succeeded", icon: CheckCircle2, tone: "good" },
    REFUSED: { label: "Refused", icon: ShieldX, tone: "warn" },
    ERROR: { label: "Error", icon: XCircle, tone: "bad" },
  },
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
