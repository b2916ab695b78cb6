import type { Prisma } from "./generated/prisma/client.ts";
import { mutationTransaction, type Actor, type Context, type Scope } from "./context.ts";
import { inTransaction, type Db, type PrismaClient } from "./db.ts";
import { storableJson, storableText } from "./security/text.ts";
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

/** A mutation may wait this long for a connection (PGlite: for the one session) and run this long. */
const MUTATION_TX = { maxWait: 30_000, timeout: 60_000 } as const;

/**
 * Every mutation goes through here: it checks the actor's scope, runs the
 * work, and records who did what, to which target, and how it ended — for
 * successes, refusals (expected errors) and unexpected failures alike.
 *
 * The work and its SUCCESS audit row run in one transaction: both commit or
 * neither does, so a client told "failed" never leaves work done, and no work
 * is done without its audit row. `work` receives that transaction (and
 * `ctx.prisma` is it while `work` runs). A refusal or failure rolls the work
 * back and is then audited in a transaction of its own.
 */
export async function runMutation<T>(
  ctx: Context,
  spec: MutationSpec,
  work: (db: Db) => Promise<T>,
  describe?: (result: T) => { targetId?: string; detail?: Prisma.InputJsonValue },
): Promise<T> {
  try {
    authorize(ctx.actor, spec.scope);
    return await inTransaction(
      ctx.db.prisma,
      async (tx) => {
        const result = await mutationTransaction.run(tx as PrismaClient, () => work(tx));
        const extra = describe?.(result) ?? {};
        await recordAudit(tx, ctx, spec, "SUCCESS", null, extra.targetId ?? spec.targetId, extra.detail ?? spec.detail);
        return result;
      },
      MUTATION_TX,
    );
  } catch (err) {
    const expected = err instanceof BaseError;
    // Refusals for credentials keep the reason (e.g. "revoked") next to the attempt.
    const detail = err instanceof ForbiddenError ? withReason(spec.detail, err.message) : spec.detail;
    await recordAudit(ctx.db.prisma, ctx, spec, expected ? "REFUSED" : "ERROR", expected ? err.code : "INTERNAL", spec.targetId, detail).catch(
      (auditErr) => console.warn(`[audit] could not record ${spec.action}: ${(auditErr as Error).message}`),
    );
    throw err;
  }
}

/** Records a mutation refused before its resolver ran (e.g. by the input bounds), in a transaction of its own. */
export async function auditRefusal(ctx: Context, action: string, error: BaseError): Promise<void> {
  await recordAudit(ctx.db.prisma, ctx, { action, scope: "read" }, "REFUSED", error.code, null, undefined).catch((auditErr) =>
    console.warn(`[audit] could not record ${action}: ${(auditErr as Error).message}`),
  );
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
  db: Db,
  ctx: Context,
  spec: MutationSpec,
  outcome: "SUCCESS" | "REFUSED" | "ERROR",
  errorCode: string | null,
  targetId: string | null | undefined,
  detail: Prisma.InputJsonValue | undefined,
) {
  await db.auditEvent.create({
    data: {
      actor: storableText(ctx.actor.name, 200),
      actorKind: ctx.actor.kind === "ANONYMOUS" ? "TOKEN" : ctx.actor.kind,
      action: spec.action,
      targetType: spec.targetType ?? null,
      targetId: targetId == null ? null : storableText(targetId, 200),
      outcome,
      errorCode,
      ...(detail === undefined ? {} : { detail: storableJson(detail) }),
    },
  });
}

/**
 * An audit row for something done outside a mutation: console sign-in and sign-out, account
 * changes, a console form refused by role, the local CLI minting a token. Its own statement.
 */
export async function recordEvent(
  db: Db,
  actor: Pick<Actor, "kind" | "name">,
  event: { action: string; outcome: "SUCCESS" | "REFUSED" | "ERROR"; errorCode?: string | null; targetType?: string; targetId?: string | null; detail?: Prisma.InputJsonValue },
): Promise<void> {
  await db.auditEvent.create({
    data: {
      actor: storableText(actor.name, 200),
      actorKind: actor.kind === "ANONYMOUS" ? "TOKEN" : actor.kind,
      action: storableText(event.action, 200),
      targetType: event.targetType ?? null,
      targetId: event.targetId == null ? null : storableText(event.targetId, 200),
      outcome: event.outcome,
      errorCode: event.errorCode ?? null,
      ...(event.detail === undefined ? {} : { detail: storableJson(event.detail) }),
    },
  });
}
