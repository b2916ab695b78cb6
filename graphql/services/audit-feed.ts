import type { Db } from "../db.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { likeLiteral } from "./like.ts";

/**
 * The activity feed: the audit trail newest first, read in keyset pages on the `createdAt` index
 * (a cursor names the last row seen, so page N costs what page 1 does, unlike OFFSET).
 */

export interface AuditFilter {
  actor?: string | null;
  action?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  outcome?: "SUCCESS" | "REFUSED" | "ERROR" | null;
  since?: Date | null;
}

/** Newest first; the id breaks ties between events of the same instant. */
export const AUDIT_ORDER: Prisma.AuditEventOrderByWithRelationInput[] = [{ createdAt: "desc" }, { id: "desc" }];

/** An opaque cursor for a row: its time and id. */
export function auditCursor(event: { createdAt: Date; id: bigint }): string {
  return Buffer.from(`${event.createdAt.toISOString()}|${event.id}`).toString("base64url");
}

/** The row a cursor names, or null for a malformed one (which then matches nothing). */
export function parseAuditCursor(cursor: string): { createdAt: Date; id: bigint } | null {
  const [iso, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const createdAt = new Date(iso ?? "");
  if (Number.isNaN(createdAt.getTime()) || !id || !/^\d{1,19}$/.test(id)) return null;
  return { createdAt, id: BigInt(id) };
}

/** The filter as Prisma's `where`; with `before`, only rows older than the cursor's. */
export function auditEventWhere(f: AuditFilter, before?: string | null): Prisma.AuditEventWhereInput {
  const where: Prisma.AuditEventWhereInput = {
    ...(f.actor?.trim() ? { actor: { contains: likeLiteral(f.actor.trim()), mode: "insensitive" as const } } : {}),
    ...(f.action?.trim() ? { action: f.action.trim() } : {}),
    ...(f.targetType?.trim() ? { targetType: f.targetType.trim() } : {}),
    ...(f.targetId ? { targetId: String(f.targetId) } : {}),
    ...(f.outcome ? { outcome: f.outcome } : {}),
    ...(f.since ? { createdAt: { gte: f.since } } : {}),
  };
  if (before == null) return where;
  const c = parseAuditCursor(before);
  if (!c) return { id: { lt: 0n } };
  return { AND: [where, { OR: [{ createdAt: { lt: c.createdAt } }, { createdAt: c.createdAt, id: { lt: c.id } }] }] };
}

/** Every action recorded so far (for filter menus): one GROUP BY on the (action, createdAt) index. */
export async function auditActions(prisma: Db): Promise<string[]> {
  const rows = await prisma.auditEvent.groupBy({ by: ["action"], orderBy: { action: "asc" } });
  return rows.map((r) => r.action);
}
