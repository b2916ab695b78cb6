import type { Prisma } from "./generated/prisma/client.ts";
import type { Context, Scope } from "./context.ts";
import { BaseError, ForbiddenError } from "./errors.ts";

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
    if (!ctx.actor.scopes.has(spec.scope)) {
      throw new ForbiddenError(`This action needs the "${spec.scope}" scope`);
    }
    const result = await work();
    const extra = describe?.(result) ?? {};
    await recordAudit(ctx, spec, "SUCCESS", null, extra.targetId ?? spec.targetId, extra.detail ?? spec.detail);
    return result;
  } catch (err) {
    const expected = err instanceof BaseError;
    await recordAudit(ctx, spec, expected ? "REFUSED" : "ERROR", expected ? err.code : "INTERNAL", spec.targetId, spec.detail).catch(
      (auditErr) => console.warn(`[audit] could not record ${spec.action}: ${(auditErr as Error).message}`),
    );
    throw err;
  }
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
