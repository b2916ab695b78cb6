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
import { Icon } from "~/components/ui/icon";
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

// Colours meet WCAG AA (4.5:1) for the text on its tinted background (app/tailwind.css); icon and text carry the meaning too.
const tones: Record<Tone, string> = { info: "tone-info", good: "tone-good", warn: "tone-warn", bad: "tone-bad", muted: "tone-muted" };

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
  return (
    <span
      className={cn("badge", tones[s.tone], props.className)}
      data-status={props.status}
    >
      <Icon icon={s.icon} className={s.spin ? "animate-spin [animation-duration:2s]" : undefined} />
      {props.label ?? s.label}
    </span>
  );
}

/** The icons a domain's badges draw, for the `<IconSprite>` of a table that shows many of them. */
export function statusIcons(domain: StatusDomain): LucideIcon[] {
  return [...new Set(Object.values(styles[domain] as Record<string, Style>).map((s) => s.icon))];
}
