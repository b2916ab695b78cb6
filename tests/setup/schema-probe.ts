import { getNamedType, isEnumType, isScalarType, isUnionType, type GraphQLArgument, type GraphQLField } from "graphql";
import type { Database } from "../../graphql/db.ts";

/**
 * Probes built from the schema itself (tests/graphql/auth.test.ts, tests/security/bad-input.test.ts):
 * one operation per root field, and a digest of the database to prove a refused call wrote nothing.
 */

/**
 * `<kind> Probe($a: T…) { result: field(a: $a…) <selection> }` over `args` (all of the field's by
 * default): a result union selects its Error members' code and message, a scalar or enum nothing.
 */
export function probeOperation(
  kind: "mutation" | "query",
  field: GraphQLField<unknown, unknown>,
  args: readonly GraphQLArgument[] = field.args,
): string {
  const decl = args.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
  const call = args.map((a) => `${a.name}: $${a.name}`).join(", ");
  const named = getNamedType(field.type);
  const selection = isUnionType(named) ? "{ __typename ... on Error { code message } }" : isScalarType(named) || isEnumType(named) ? "" : "{ __typename }";
  return `${kind} Probe${decl ? `(${decl})` : ""} { result: ${field.name}${call ? `(${call})` : ""} ${selection} }`;
}

/** Every table but the audit trail, with token use times left out: any other write changes this. */
export async function tableFingerprint(db: Database): Promise<string> {
  const tables = await db.prisma.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name NOT IN ('AuditEvent', '_prisma_migrations') ORDER BY 1`,
  );
  const parts: string[] = [];
  for (const { name } of tables) {
    const [row] = await db.prisma.$queryRawUnsafe<Array<{ n: bigint; h: string | null }>>(
      `SELECT count(*) AS n, md5(string_agg(x::text, '|' ORDER BY x::text)) AS h FROM (SELECT to_jsonb(r) - 'lastUsedAt' AS x FROM "${name}" r) s`,
    );
    parts.push(`${name}:${row!.n}:${row!.h}`);
  }
  return parts.join("\n");
}
