import type { Prisma } from "./generated/prisma/client.ts";
import type { Actor, Context, Scope } from "./context.ts";
import { BaseError, ForbiddenError, UnauthenticatedError } from "./errors.ts";

export interface MutationSpec {
  /** The mutation's name, recorded in the audit trail (e.g. "deployJob"). */
  action: string;
  /** The scope a token needs (the console user has them all). */
  scope: Scope;
  targetType?: string;
  /** The target's id when known up front (e.g. the job being deployed). */
  targetId?: string | null;
  detail?: Prisma.InputJsonValue;
}

/**
 * Every mutation goes through here: it checks the actor's scope, runs the
 * work, and records who did what, to which target, and how it ended — for
 * successes, refusals (expected errors) and unexpected failures alike.
 */
export async function runMutation<T>(
  ctx: Context,
  spec: MutationSpec,
  work: () => Promise<T>,
  describe?: (result: T) => { targetId?: string; detail?: Prisma.InputJsonValue },
): Promise<T> {
  try {
    authorize(ctx.actor, spec.scope);
    const result = await work();
    const extra = describe?.(result) ?? {};
    await recordAudit(ctx, spec, "SUCCESS", null, extra.targetId ?? spec.targetId, extra.detail ?? spec.detail);
    return result;
  } catch (err) {
    const expected = err instanceof BaseError;
    // Refusals for credentials keep the reason (e.g. "revoked") next to the attempt.
    const detail = err instanceof ForbiddenError ? withReason(spec.detail, err.message) : spec.detail;
    await recordAudit(ctx, spec, expected ? "REFUSED" : "ERROR", expected ? err.code : "INTERNAL", spec.targetId, detail).catch(
      (auditErr) => console.warn(`[audit] could not record ${spec.action}: ${(auditErr as Error).message}`),
    );
    throw err;
  }
}

function withReason(detail: Prisma.InputJsonValue | undefined, reason: string): Prisma.InputJsonValue {
  const base = detail && typeof detail === "object" && !Array.isArray(detail) ? detail : {};
  return { ...base, reason };
}

/**
 * The authorization rule, in one place: unusable credentials or none at all
 * are UNAUTHENTICATED; a valid identity without the scope is FORBIDDEN.
 */
export function authorize(actor: Actor, scope: Scope): void {
  if (actor.credentialProblem) throw new UnauthenticatedError(actor.credentialProblem);
  if (actor.scopes.has(scope)) return;
  if (actor.kind === "ANONYMOUS") {
    throw new UnauthenticatedError(`This needs an API token with the "${scope}" scope: send "Authorization: Bearer <token>"`);
  }
  throw new ForbiddenError(`${actor.kind === "TOKEN" ? `API token "${actor.name}"` : actor.name} lacks the "${scope}" scope this needs`);
}

async function recordAudit(
  ctx: Context,
  spec: MutationSpec,
  outcome: "SUCCESS" | "REFUSED" | "ERROR",
  errorCode: string | null,
  targetId: string | null | undefined,
  detail: Prisma.InputJsonValue | undefined,
) {
  await ctx.prisma.auditEvent.create({
    data: {
      actor: ctx.actor.name,
      actorKind: ctx.actor.kind === "ANONYMOUS" ? "TOKEN" : ctx.actor.kind,
      action: spec.action,
      targetType: spec.targetType ?? null,
      targetId: targetId ?? null,
      outcome,
      errorCode,
      ...(detail === undefined ? {} : { detail }),
    },
  });
}
