import { PREPARED, type PrismaClient } from "../db.ts";
import { Prisma, type Deployment } from "../generated/prisma/client.ts";
import { BUILTIN_PREFIX } from "./training-jobs.ts";
import type { DeploymentProvenance, TrainerKindName } from "./training-queries.ts";
import { parseStatusCounts, STATUS_COUNTS_JSON } from "./status-counts.ts";
import { metricsSummary, STATS_COLUMNS, windowBounds, type MetricsWindowName, type RollupSums, type WindowMetrics } from "./metrics.ts";

/**
 * A page of the deployments list in one statement (ADR 0046): the rows in their order, the filtered total when
 * asked, and what the list shows beside each row (trainer and simulated traffic, the production alias, the
 * window's figures). The same rows and order as the Prisma query the schema builds from the same arguments
 * (tests/graphql/deployment-page.test.ts compares them); the figures are the ones the batched loaders compute.
 */

export type DeploymentOrder =
  | { column: "modelName" | "createdAt" | "status"; direction: "asc" | "desc" }
  | { statsColumn: string; direction: "asc" | "desc"; nulls: "first" | "last" };

export interface DeploymentListSpec {
  statuses?: readonly string[] | null;
  /** Part of the model name, case-insensitive (as Prisma's `contains` with `mode: insensitive`). */
  modelNameContains?: string | null;
  trainer?: TrainerKindName | null;
  order: DeploymentOrder;
  take: number;
  skip: number;
}

/** A column of Deployment (Prisma's field names are the table's column names). */
export type DeploymentColumn = keyof Deployment;
const DEPLOYMENT_COLUMNS = new Set<string>(Object.values(Prisma.DeploymentScalarFieldEnum));

/** What to fetch besides the rows. */
export interface DeploymentPageWants {
  /**
   * The columns the rows need besides id, job and model name (null: every column). Rows read this way carry only
   * those: the caller knows what it will read (ADR 0051).
   */
  columns?: readonly DeploymentColumn[] | null;
  /** The total of the filter (a window count over the matching rows). */
  count: boolean;
  provenance: boolean;
  production: boolean;
  /** The figures of this window, without their series. */
  metricsWindow: MetricsWindowName | null;
  /** The deployments' kept counts per status (for the request's status-only totals, ADR 0051). */
  statusCounts?: boolean;
}

export interface DeploymentPageResult {
  /** With `wants.columns`, each row holds only those columns (and id, jobId, modelName). */
  rows: Deployment[];
  /** Null when not asked, or when the page is empty (past the end: no row carries it). */
  total: number | null;
  provenance: Map<string, DeploymentProvenance>;
  /** Model name → its production deployment's id. */
  production: Map<string, string | null>;
  metrics: Map<string, WindowMetrics>;
  /** Deployments per status, when asked and the page has a row to carry them. */
  statusCounts: Map<string, number> | null;
}

const COLUMN_SQL = { modelName: `d."modelName"`, createdAt: `d."createdAt"`, status: `d."status"` } as const;

/** A column sort orders by `rank`; a metric sort reads `statsColumn` (rankedPage). */
function orderParts(order: DeploymentOrder): {
  rank: Prisma.Sql | null;
  statsColumn: Prisma.Sql | null;
  direction: Prisma.Sql;
  nulls: Prisma.Sql;
  nullsFirst: boolean;
} {
  const direction = Prisma.raw(order.direction === "desc" ? "DESC" : "ASC");
  if ("column" in order) return { rank: Prisma.raw(COLUMN_SQL[order.column]), statsColumn: null, direction, nulls: Prisma.empty, nullsFirst: false };
  // Only a column of the window table, never input.
  if (!STATS_COLUMNS.includes(order.statsColumn)) throw new Error(`not a stats column: ${order.statsColumn}`);
  const nullsFirst = order.nulls === "first";
  return { rank: null, statsColumn: Prisma.raw(`"${order.statsColumn}"`), direction, nulls: Prisma.raw(nullsFirst ? "NULLS FIRST" : "NULLS LAST"), nullsFirst };
}

function conditions(spec: DeploymentListSpec): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  // One cast value each: an enum array parameter reaches embedded PGlite as a plain string ("malformed array literal").
  if (spec.statuses?.length) parts.push(Prisma.sql`d."status" IN (${Prisma.join(spec.statuses.map((s) => Prisma.sql`${s}::"DeploymentStatus"`))})`);
  if (spec.modelNameContains) parts.push(Prisma.sql`d."modelName" ILIKE ('%' || ${spec.modelNameContains} || '%')`);
  if (spec.trainer === "SIMULATED") {
    parts.push(Prisma.sql`EXISTS (SELECT 1 FROM "TrainingJob" tj WHERE tj.id = d."jobId" AND tj."claimedBy" LIKE (${BUILTIN_PREFIX} || '%'))`);
  } else if (spec.trainer === "REAL") {
    parts.push(
      Prisma.sql`EXISTS (SELECT 1 FROM "TrainingJob" tj WHERE tj.id = d."jobId" AND tj."claimedBy" IS NOT NULL AND tj."claimedBy" NOT LIKE (${BUILTIN_PREFIX} || '%'))`,
    );
  }
  return parts.length ? Prisma.join(parts, " AND ") : Prisma.sql`true`;
}

type PageRow = Deployment & {
  _x_rank: unknown;
  _x_part?: number;
  _x_total?: number;
  _x_claimed_by?: string | null;
  _x_simulated?: boolean;
  _x_production?: string | null;
  _x_n?: number | null;
  _x_c?: number | null;
  _x_s?: number | null;
  _x_l?: number | null;
  _x_h?: string | null;
  _x_counts?: string;
};

/**
 * The page of a metric sort, read through the stats column's index: the deployments with a figure in the column's
 * order (an index scan, stopped after `skip + take` matching rows; ties by id), then those without one by id, as
 * many as the page still needs (or the other way round for NULLS FIRST). The same rows and order as
 * `ORDER BY s.column dir NULLS …, d.id` over a LEFT JOIN, which cannot use the index: it hashed the whole fleet's
 * stats and sorted it for every page (~20 ms of PostgreSQL at 10,000 deployments against ~0.3 ms).
 */
function rankedPage(spec: DeploymentListSpec, columns: Prisma.Sql, column: Prisma.Sql, direction: Prisma.Sql, nullsFirst: boolean, count: boolean): Prisma.Sql {
  const where = conditions(spec);
  const upTo = spec.take + spec.skip;
  const ranked = (limit: Prisma.Sql) => Prisma.sql`
      SELECT ${columns}, s.${column} AS "_x_rank" FROM "DeploymentStats" s JOIN "Deployment" d ON d.id = s."deploymentId"
      WHERE s.${column} IS NOT NULL AND ${where}
      ORDER BY s.${column} ${direction}, s."deploymentId" LIMIT ${limit}`;
  const unranked = (limit: Prisma.Sql) => Prisma.sql`
      SELECT ${columns}, NULL::float8 AS "_x_rank" FROM "Deployment" d
      WHERE ${where} AND NOT EXISTS (SELECT 1 FROM "DeploymentStats" s WHERE s."deploymentId" = d.id AND s.${column} IS NOT NULL)
      ORDER BY d.id LIMIT ${limit}`;
  const [first, second] = nullsFirst ? [unranked, ranked] : [ranked, unranked];
  return Prisma.sql`first_part AS MATERIALIZED (${first(Prisma.sql`${upTo}`)}
    ), second_part AS MATERIALIZED (${second(Prisma.sql`greatest(0, ${upTo} - (SELECT count(*) FROM first_part))`)}
    ), page AS MATERIALIZED (
      SELECT u.*${count ? Prisma.sql`, (SELECT count(*) FROM "Deployment" d WHERE ${where})::int AS "_x_total"` : Prisma.empty}
      FROM (SELECT *, 0 AS "_x_part" FROM first_part UNION ALL SELECT *, 1 FROM second_part) u
      ORDER BY u."_x_part", u."_x_rank" ${direction}, u.id
      LIMIT ${spec.take} OFFSET ${spec.skip}
    )`;
}

/** `d.*`, or the named columns and those the statement itself reads (never input: only Deployment's columns). */
function selectList(columns: readonly DeploymentColumn[] | null | undefined): Prisma.Sql {
  if (!columns) return Prisma.raw("d.*");
  const names = new Set<string>(["id", "jobId", "modelName", ...columns]);
  for (const name of names) if (!DEPLOYMENT_COLUMNS.has(name)) throw new Error(`not a Deployment column: ${name}`);
  return Prisma.raw([...names].map((name) => `d."${name}"`).join(", "));
}

const PAGE_STATEMENT = Prisma.raw(PREPARED("deployment-page"));

export async function loadDeploymentPage(prisma: PrismaClient, spec: DeploymentListSpec, wants: DeploymentPageWants, now = new Date()): Promise<DeploymentPageResult> {
  const { rank, statsColumn, direction, nulls, nullsFirst } = orderParts(spec.order);
  const bounds = wants.metricsWindow ? windowBounds(wants.metricsWindow, now) : null;
  const columns = selectList(wants.columns);
  const extra: Prisma.Sql[] = [];
  if (wants.provenance) {
    extra.push(Prisma.sql`(SELECT j."claimedBy" FROM "TrainingJob" j WHERE j.id = p."jobId") AS "_x_claimed_by",
      EXISTS (SELECT 1 FROM "SimulatorCursor" sc WHERE sc."deploymentId" = p.id) AS "_x_simulated"`);
  }
  if (wants.production) {
    // As productionDeploymentIds: the route's explicit production version, else the newest ACTIVE version.
    extra.push(Prisma.sql`COALESCE(
        (SELECT r."productionDeploymentId" FROM "ModelRoute" r WHERE r."modelName" = p."modelName"),
        (SELECT n.id FROM "Deployment" n WHERE n."modelName" = p."modelName" AND n."status" = 'ACTIVE'
         ORDER BY n."versionMajor" DESC, n."versionMinor" DESC, n."versionPatch" DESC LIMIT 1))::text AS "_x_production"`);
  }
  if (wants.statusCounts) extra.push(Prisma.sql`${Prisma.raw(STATUS_COUNTS_JSON("Deployment"))} AS "_x_counts"`);
  if (bounds) extra.push(Prisma.sql`m.n AS "_x_n", m.c AS "_x_c", m.s AS "_x_s", m.l AS "_x_l", m.h AS "_x_h"`);
  // Prepared by name (ADR 0051): PostgreSQL parses a page's statement once per connection, ~1 ms of its time a page
  // at 50 rows. Not with a name filter: a generic plan would not see the pattern the trigram index is chosen for.
  const rows = await prisma.$queryRaw<PageRow[]>`${spec.modelNameContains ? Prisma.empty : PAGE_STATEMENT}
    WITH ${statsColumn ? rankedPage(spec, columns, statsColumn, direction, nullsFirst, wants.count) : Prisma.sql`page AS MATERIALIZED (
      SELECT ${columns}, ${rank!} AS "_x_rank"${wants.count ? Prisma.sql`, (count(*) OVER ())::int AS "_x_total"` : Prisma.empty}
      FROM "Deployment" d
      WHERE ${conditions(spec)}
      ORDER BY ${rank!} ${direction}, d.id
      LIMIT ${spec.take} OFFSET ${spec.skip}
    )`}
    SELECT p.*${extra.length ? Prisma.sql`, ${Prisma.join(extra, ", ")}` : Prisma.empty}
    FROM page p${
      bounds
        ? Prisma.sql` LEFT JOIN LATERAL (
        SELECT sum("requestCount")::float8 AS n, sum("clientErrorCount")::float8 AS c, sum("serverErrorCount")::float8 AS s,
               sum("latencySumMs")::float8 AS l, json_agg(json_build_array("histogramOffset", "histogram"))::text AS h
        FROM "InferenceRollup"
        WHERE "deploymentId" = p.id AND "resolution" = ${bounds.resolution}::"RollupResolution"
          AND "bucketStart" >= ${bounds.start.toISOString()}::timestamp AND "bucketStart" < ${bounds.end.toISOString()}::timestamp) m ON true`
        : Prisma.empty
    }
    ORDER BY p."_x_rank" ${direction} ${nulls}, p.id`;

  const result: DeploymentPageResult = { rows: [], total: null, provenance: new Map(), production: new Map(), metrics: new Map(), statusCounts: null };
  if (wants.statusCounts && rows[0]?._x_counts !== undefined) result.statusCounts = parseStatusCounts(rows[0]._x_counts);
  for (const row of rows) {
    const { _x_rank, _x_part, _x_total, _x_claimed_by, _x_simulated, _x_production, _x_n, _x_c, _x_s, _x_l, _x_h, _x_counts, ...deployment } = row;
    result.rows.push(deployment);
    if (_x_total !== undefined) result.total = _x_total;
    if (wants.provenance) result.provenance.set(deployment.id, { claimedBy: _x_claimed_by ?? null, simulatedTraffic: _x_simulated === true });
    if (wants.production) result.production.set(deployment.modelName, _x_production ?? null);
    if (bounds) {
      const sums: RollupSums = { n: _x_n ?? null, c: _x_c ?? null, s: _x_s ?? null, l: _x_l ?? null, h: _x_h ?? null };
      result.metrics.set(deployment.id, metricsSummary(prisma, deployment.id, bounds, sums));
    }
  }
  return result;
}
