import type { Db } from "../db.ts";
import { Prisma } from "../generated/prisma/client.ts";
import type { Config } from "../config.ts";
import { isUuid } from "../ids.ts";
import { totalStepsFor } from "./training-curve.ts";
import { BUILTIN_PREFIX } from "./training-jobs.ts";
import { likeLiteral } from "./like.ts";

/** Reads about training jobs that need more than Prisma's query builder: filters, progress order, curves, estimates. */

export type TrainerKindName = "SIMULATED" | "REAL";

/** Real vs simulated, everywhere it shows (docs/decisions/0017-artifacts-and-honest-simulation.md). */
export function trainerKind(claimedBy: string | null): TrainerKindName | null {
  if (claimedBy === null) return null;
  return claimedBy.startsWith(BUILTIN_PREFIX) ? "SIMULATED" : "REAL";
}

/** Where a deployment's model and traffic come from: its job's trainer and whether the traffic simulator feeds it. */
export interface DeploymentProvenance {
  claimedBy: string | null;
  simulatedTraffic: boolean;
}

/** Provenance of a page of deployments in one statement (ADR 0043), keyed by deployment id. */
export async function deploymentProvenance(db: Db, ids: readonly string[]): Promise<Map<string, DeploymentProvenance>> {
  const rows = await db.$queryRaw<Array<DeploymentProvenance & { id: string }>>`
    SELECT d.id::text AS id, j."claimedBy", EXISTS (SELECT 1 FROM "SimulatorCursor" sc WHERE sc."deploymentId" = d.id) AS "simulatedTraffic"
    FROM "Deployment" d JOIN "TrainingJob" j ON j.id = d."jobId"
    WHERE d.id = ANY(${[...ids]}::uuid[])`;
  return new Map(rows.map((r) => [r.id, { claimedBy: r.claimedBy, simulatedTraffic: r.simulatedTraffic }]));
}

/** Prisma filter for jobs run by the simulated trainer or by a real one. */
export function trainerWhere(kind: TrainerKindName | null | undefined): Prisma.TrainingJobWhereInput {
  if (kind === "SIMULATED") return { claimedBy: { startsWith: BUILTIN_PREFIX } };
  if (kind === "REAL") return { AND: [{ claimedBy: { not: null } }, { NOT: { claimedBy: { startsWith: BUILTIN_PREFIX } } }] };
  return {};
}

export interface TrainingJobFilter {
  search?: string | null;
  status?: readonly string[] | null;
  baseModelId?: string | number | null;
  trainer?: TrainerKindName | null;
}

/** The list filter as Prisma's `where`. */
export function trainingJobWhere(f: TrainingJobFilter): Prisma.TrainingJobWhereInput {
  const search = f.search?.trim();
  return {
    ...(f.status?.length ? { status: { in: [...f.status] as Prisma.EnumTrainingJobStatusFilter["in"] } } : {}),
    ...(f.baseModelId ? { baseModelId: String(f.baseModelId) } : {}),
    ...(search ? { modelName: { contains: likeLiteral(search), mode: "insensitive" as const } } : {}),
    ...trainerWhere(f.trainer),
  };
}

/**
 * One page of job ids ordered by progress (a ratio, and 1 once COMPLETE: an SQL expression Prisma's
 * orderBy cannot express), with the same filter as `trainingJobWhere`, in the database.
 */
export async function jobIdsByProgress(
  prisma: Db,
  args: { filter: TrainingJobFilter; direction: "asc" | "desc"; take: number; skip: number },
): Promise<string[]> {
  const f = args.filter;
  const conditions: Prisma.Sql[] = [Prisma.sql`TRUE`];
  if (f.status?.length) conditions.push(Prisma.sql`status::text IN (${Prisma.join([...f.status])})`);
  if (f.baseModelId) conditions.push(Prisma.sql`"baseModelId" = ${String(f.baseModelId)}`);
  const search = f.search?.trim();
  if (search) conditions.push(Prisma.sql`"modelName" ILIKE ${`%${likeLiteral(search)}%`}`);
  if (f.trainer === "SIMULATED") conditions.push(Prisma.sql`"claimedBy" LIKE ${`${BUILTIN_PREFIX}%`}`);
  if (f.trainer === "REAL") conditions.push(Prisma.sql`"claimedBy" IS NOT NULL AND "claimedBy" NOT LIKE ${`${BUILTIN_PREFIX}%`}`);
  const dir = Prisma.raw(args.direction === "desc" ? "DESC" : "ASC");
  const rows = await prisma.$queryRaw<Array<{ id: string }>>`
    SELECT id::text AS id FROM "TrainingJob" WHERE ${Prisma.join(conditions, " AND ")}
    ORDER BY CASE WHEN status = 'COMPLETE'::"TrainingJobStatus" THEN 1.0 ELSE "currentStep"::float8 / GREATEST("totalSteps", 1) END ${dir}, id
    LIMIT ${args.take} OFFSET ${args.skip}`;
  return rows.map((r) => r.id);
}

export interface CurvePointRow {
  jobId: string;
  step: number;
  epoch: number;
  trainLoss: number;
  evalLoss: number | null;
  learningRate: number;
  recordedAt: Date;
}

/**
 * The metric points thinned to about `maxPoints` train points (plus as many eval points), keeping the first
 * and last: every k-th point by row number (k from the count), so gaps in reported steps do not skew the sample.
 */
export function sampledCurve(prisma: Db, args: { jobId: string; maxPoints: number }): Promise<CurvePointRow[]> {
  if (!isUuid(args.jobId)) return Promise.resolve([]);
  return prisma.$queryRaw<CurvePointRow[]>`
    WITH p AS (
      SELECT "jobId", step, epoch, "trainLoss", "evalLoss", "learningRate", "recordedAt",
        row_number() OVER (ORDER BY step) AS rn,
        count(*) OVER () AS n,
        CASE WHEN "evalLoss" IS NOT NULL THEN row_number() OVER (PARTITION BY ("evalLoss" IS NOT NULL) ORDER BY step) END AS ern,
        count("evalLoss") OVER () AS en
      FROM "TrainingMetricPoint" WHERE "jobId" = ${args.jobId}::uuid
    )
    SELECT "jobId"::text AS "jobId", step, epoch, "trainLoss", "evalLoss", "learningRate", "recordedAt" FROM p
    WHERE (rn - 1) % GREATEST(1, CEIL(n::numeric / ${args.maxPoints}))::int = 0 OR rn = n
       OR (ern IS NOT NULL AND ((ern - 1) % GREATEST(1, CEIL(en::numeric / ${args.maxPoints}))::int = 0 OR ern = en))
    ORDER BY step`;
}

/** Seconds to completion at the pace of the last few reports (not since start: a resumed or throttled job changes speed). */
export async function estimateRemainingSeconds(
  prisma: Db,
  job: { id: string; currentStep: number; totalSteps: number },
): Promise<number | null> {
  const recent = await prisma.trainingMetricPoint.findMany({
    where: { jobId: job.id },
    orderBy: { step: "desc" },
    take: 10,
    select: { step: true, recordedAt: true },
  });
  if (recent.length < 2) return null;
  const newest = recent[0]!;
  const oldest = recent.at(-1)!;
  const seconds = (newest.recordedAt.getTime() - oldest.recordedAt.getTime()) / 1000;
  const steps = newest.step - oldest.step;
  if (seconds <= 0 || steps <= 0) return null;
  return Math.max(0, ((job.totalSteps - job.currentStep) * seconds) / steps);
}

export interface TrainingEstimate {
  totalSteps: number;
  stepsPerEpoch: number;
  /** At the built-in executor's step time; null when it is switched off (external trainers set their own pace). */
  estimatedSeconds: number | null;
}

/** Steps and duration a configuration would take; null for an unknown dataset or out-of-range numbers. */
export async function trainingEstimate(
  prisma: Db,
  args: { datasetId: string; batchSize: number; epochs: number; config: Pick<Config, "executorEnabled" | "executor"> },
): Promise<TrainingEstimate | null> {
  if (args.batchSize < 1 || args.epochs < 1) return null;
  const dataset = await prisma.dataset.findUnique({ where: { id: args.datasetId }, select: { rowCount: true } });
  if (!dataset) return null;
  const totalSteps = totalStepsFor(dataset.rowCount, args.batchSize, args.epochs);
  return {
    totalSteps,
    stepsPerEpoch: totalSteps / args.epochs,
    estimatedSeconds: args.config.executorEnabled ? (totalSteps * args.config.executor.stepMs) / 1000 : null,
  };
}
