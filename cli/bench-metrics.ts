/**
 * Inference-metrics benchmark (`npm run bench:metrics -- [--scale 0.1] [--keep]`).
 *
 * Creates a database of its own on a PostgreSQL server (DATABASE_URL, or
 * postgresql://postgres@127.0.0.1:5432/postgres, used as admin), fills it with
 * 10,000 × scale deployments and the rollups of 50 million × scale events over
 * 7 days, and prints, side by side, the public path against a hand-written SQL
 * floor for ingestion, the deployments list and single-deployment metrics.
 * The database is dropped afterwards unless --keep is given.
 */
import os from "node:os";
import { performance } from "node:perf_hooks";
import { execute, parse } from "graphql";
import { systemActor, contextFor, type Actor } from "../graphql/context.ts";
import { openDatabase, type Database } from "../graphql/db.ts";
import { schema } from "../graphql/schema.ts";
import { METRICS_WINDOWS, refreshDeploymentStats, rollupWritesFor, windowBounds } from "../graphql/services/metrics.ts";
import { GAMMA, LatencySketch } from "../graphql/services/sketch.ts";
import { applyMigrations } from "../prisma/migrate.ts";
import { writeFleet, writeRollupDataset } from "./bench-dataset.ts";
import { benchArgs, createScratchDatabase } from "./bench-options.ts";
import { logNormal, seededRandom } from "../graphql/services/random.ts";

const args = benchArgs();
const scale = args.number("scale", 1);
args.check(scale > 0 && scale <= 1, "--scale must be a number in (0, 1]");
const keep = args.flag("keep");

const DEPLOYMENTS = Math.max(50, Math.round(10_000 * scale));
const EVENTS = Math.round(50_000_000 * scale);
const INGEST_BATCH = 10_000;
const INGEST_EVENTS = Math.max(200_000, Math.round(1_000_000 * scale));
const WRITERS = 4;
const RUNS = 100;

const random = seededRandom(2026);

function percentile(sorted: number[], q: number) {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))]!;
}
function summary(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  return { p50: percentile(s, 0.5), p95: percentile(s, 0.95) };
}
const fmt = (n: number, digits = 1) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
function log(line: string) {
  process.stdout.write(`${line}\n`);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
}


async function main() {
  const scratch = await createScratchDatabase(`trainyard_bench_${process.pid}`);
  const { version } = scratch;
  let db: Database | undefined;
  try {
    db = await openDatabase({ databaseUrl: scratch.url, poolSize: WRITERS + 2 });
    await applyMigrations(db);
    log(`Trainyard metrics benchmark — scale ${scale}: ${DEPLOYMENTS.toLocaleString("en-US")} deployments, rollups of ${EVENTS.toLocaleString("en-US")} events over 7 days`);
    log(`machine: ${os.cpus().length} CPU (${os.cpus()[0]?.model ?? "?"}), ${fmt(os.totalmem() / 2 ** 30, 0)} GiB RAM, PostgreSQL ${version}, Node ${process.version}`);
    await run(db);
  } finally {
    await db?.close();
    await scratch.drop({ keep, log });
  }
}

async function run(db: Database) {
  const prisma = db.prisma;
  const now = new Date();
  const sql = (text: string, params: unknown[] = []) => db.withConnection((c) => c.query(text, params));

  // Catalog rows, then one COMPLETE job and one ACTIVE deployment per index (a job may have one live deployment).
  const [, setupMs] = await timed(async () => {
    await writeFleet(sql, DEPLOYMENTS);
  });
  log(`setup: ${DEPLOYMENTS.toLocaleString("en-US")} deployments in ${fmt(setupMs / 1000)} s`);

  // The 7-day dataset (cli/bench-dataset.ts): each deployment gets its own latency scale.
  const [, datasetMs] = await timed(async () => {
    await writeRollupDataset(sql, { deployments: DEPLOYMENTS, events: EVENTS, now, random });
    await sql(`VACUUM ANALYZE "InferenceRollup"`);
  });
  const counts = (await sql(`SELECT resolution::text AS r, count(*)::int AS n, sum("requestCount")::bigint AS e FROM "InferenceRollup" GROUP BY 1 ORDER BY 1`)) as Array<{ r: string; n: number; e: string }>;
  log(`dataset: ${counts.map((c) => `${c.n.toLocaleString("en-US")} ${c.r} rollups (${Number(c.e).toLocaleString("en-US")} events)`).join(", ")} in ${fmt(datasetMs / 1000)} s`);

  const ids = ((await sql(`SELECT id::text AS id FROM "Deployment" ORDER BY id`)) as Array<{ id: string }>).map((r) => r.id);
  const [, statsMs] = await timed(async () => {
    for (let i = 0; i < ids.length; i += 200) await refreshDeploymentStats(prisma, ids.slice(i, i + 200), now);
  });
  await sql(`ANALYZE "DeploymentStats"`);
  log(`DeploymentStats for every deployment (the maintenance worker's job): ${fmt(statsMs / 1000)} s, ${fmt(ids.length / (statsMs / 1000), 0)} deployments/s`);
  log("");

  // 1. Ingestion: the public mutation vs writing the same rollup rows by hand.
  const ingestTargets = ids.slice(0, 40);
  const batches = Array.from({ length: Math.ceil(INGEST_EVENTS / INGEST_BATCH) }, (_, b) => {
    const deploymentId = ingestTargets[b % ingestTargets.length]!;
    const events = Array.from({ length: INGEST_BATCH }, () => ({
      timestamp: new Date(now.getTime() - Math.floor(random() * 3_600_000)).toISOString(),
      latencyMs: Math.round(logNormal(random, 120, 0.5) * 100) / 100,
      outcome: random() < 0.01 ? "SERVER_ERROR" : random() < 0.02 ? "CLIENT_ERROR" : "OK",
    }));
    return { deploymentId, events };
  });
  const totalEvents = batches.length * INGEST_BATCH;
  const ingestActor: Actor = { ...systemActor("bench-gateway"), kind: "TOKEN", scopes: new Set(["ingest"]) };
  const mutation = parse(`mutation ($id: ID!, $events: [InferenceEventInput!]!) {
    recordInferenceEvents(deploymentId: $id, events: $events) { __typename ... on RecordInferenceEventsSuccess { acceptedCount } ... on Error { message } }
  }`);
  const inParallel = async (work: (index: number) => Promise<void>) => {
    let next = 0;
    await Promise.all(Array.from({ length: WRITERS }, async () => {
      while (next < batches.length) await work(next++);
    }));
  };
  const [, publicMs] = await timed(() =>
    inParallel(async (i) => {
      const b = batches[i]!;
      const result = await execute({ schema, document: mutation, variableValues: { id: b.deploymentId, events: b.events }, contextValue: contextFor(db, ingestActor) });
      const data = result.data as { recordInferenceEvents?: { __typename: string; message?: string } } | undefined;
      if (result.errors || data?.recordInferenceEvents?.__typename !== "RecordInferenceEventsSuccess") {
        throw new Error(`ingest failed: ${result.errors?.[0]?.message ?? data?.recordInferenceEvents?.message}`);
      }
    }),
  );
  // Floor A: one hand-written INSERT … SELECT per batch that turns the same events into the same rollup rows
  // (minute and hour buckets, counts, latency sums, log-bucket histograms) inside PostgreSQL.
  // Floor B: writing those rollup rows, aggregated beforehand (untimed): the database's share alone.
  // Both write into a table shaped like InferenceRollup, with distinct keys per batch so they never pay for conflicts.
  await sql(`CREATE TABLE bench_floor (LIKE "InferenceRollup" INCLUDING ALL)`);
  const outcomeCode = { OK: 0, CLIENT_ERROR: 1, SERVER_ERROR: 2 } as const;
  const columnar = batches.map((b) => ({
    deploymentId: b.deploymentId,
    t: b.events.map((e) => Date.parse(e.timestamp)),
    l: b.events.map((e) => e.latencyMs),
    o: b.events.map((e) => outcomeCode[e.outcome as keyof typeof outcomeCode]),
  }));
  let floorRound = 0;
  const [, floorMs] = await timed(() =>
    inParallel(async (i) => {
      const b = columnar[i]!;
      const round = floorRound++;
      await db.withConnection((c) =>
        c.query(
          `WITH e AS (
             SELECT to_timestamp(t / 1000.0) AT TIME ZONE 'UTC' AS ts, l, o, ceil(ln(greatest(l, 0.001)) / ln(${GAMMA}))::int AS b
             FROM unnest($2::float8[], $3::float8[], $4::int[]) AS u(t, l, o)),
           r AS (
             SELECT 'MINUTE' AS res, date_trunc('minute', ts) AS bucket, l, o, b FROM e
             UNION ALL SELECT 'HOUR', date_trunc('hour', ts), l, o, b FROM e),
           bc AS (SELECT res, bucket, b, count(*)::int AS n FROM r GROUP BY 1, 2, 3),
           agg AS (
             SELECT res, bucket, count(*)::int AS n, (count(*) FILTER (WHERE o = 1))::int AS c, (count(*) FILTER (WHERE o = 2))::int AS s,
                    sum(l) AS sum, min(b) AS lo, max(b) AS hi
             FROM r GROUP BY 1, 2),
           hist AS (
             SELECT a.res, a.bucket, array_agg(COALESCE(x.n, 0) ORDER BY g.g) AS h
             FROM agg a CROSS JOIN LATERAL generate_series(a.lo, a.hi) AS g(g)
             LEFT JOIN bc x ON x.res = a.res AND x.bucket = a.bucket AND x.b = g.g
             GROUP BY 1, 2)
           INSERT INTO bench_floor ("deploymentId", resolution, "bucketStart", "requestCount", "clientErrorCount", "serverErrorCount", "latencySumMs", "histogramOffset", histogram)
           SELECT $1::uuid, a.res::"RollupResolution", a.bucket - make_interval(days => $5), a.n, a.c, a.s, a.sum, a.lo, hist.h
           FROM agg a JOIN hist USING (res, bucket)`,
          [b.deploymentId, b.t, b.l, b.o, round],
        ),
      );
    }),
  );
  const rowsPerBatch = batches.map((b) => ({
    deploymentId: b.deploymentId,
    rows: rollupWritesFor(b.events.map((e) => ({ ...e, timestamp: new Date(e.timestamp), outcome: e.outcome as "OK" }))),
  }));
  const [, writeOnlyMs] = await timed(() =>
    inParallel(async (i) => {
      const b = rowsPerBatch[i]!;
      const round = floorRound++;
      await db.withConnection((c) =>
        c.query(
          `INSERT INTO bench_floor ("deploymentId", resolution, "bucketStart", "requestCount", "clientErrorCount", "serverErrorCount", "latencySumMs", "histogramOffset", histogram)
           SELECT $1::uuid, w.resolution::"RollupResolution", w."bucketStart"::timestamp - make_interval(days => $3), w.n, w.c, w.s, w.sum, w.o, w.h
           FROM jsonb_to_recordset($2::jsonb) AS w(resolution TEXT, "bucketStart" TEXT, n INTEGER, c INTEGER, s INTEGER, sum DOUBLE PRECISION, o INTEGER, h INTEGER[])`,
          [b.deploymentId, JSON.stringify(b.rows), round],
        ),
      );
    }),
  );
  await sql(`DROP TABLE bench_floor`);
  const publicRate = totalEvents / (publicMs / 1000);
  const floorRate = totalEvents / (floorMs / 1000);
  const writeOnlyRate = totalEvents / (writeOnlyMs / 1000);

  // 2. The deployments list: 50 rows sorted by P95 over 24 h, with their metrics.
  const listDoc = parse(`query { deployments(first: 50, sort: { field: P95_LATENCY, direction: DESC, window: LAST_24_HOURS }) {
    totalCount nodes { id modelName version status createdAt metrics(window: LAST_24_HOURS) { requestCount requestsPerSecond p50LatencyMs p95LatencyMs p99LatencyMs errorRate clientErrorRate } } } }`);
  const reader = contextFor.bind(null, db, systemActor("bench-reader"));
  const graphqlList = async () => {
    const r = await execute({ schema, document: listDoc, contextValue: reader() });
    if (r.errors) throw new Error(r.errors[0]!.message);
    return r.data as { deployments: { nodes: Array<{ id: string; metrics: { p95LatencyMs: number } }> } };
  };
  const day = windowBounds("LAST_24_HOURS", now);
  // The floor: one hand-written statement for the page and its rollups, merged with the same sketch; no GraphQL, no Prisma.
  const floorList = () =>
    db.withConnection(async (c) => {
      const rows = await c.query<{ id: string; requestCount: number | null; serverErrorCount: number | null; clientErrorCount: number | null; histogramOffset: number | null; histogram: number[] | null }>(
        `WITH page AS (
           SELECT d.id, d."modelName", d.version, d.status, d."createdAt", s."p95LatencyMs24h" AS rank
           FROM "Deployment" d LEFT JOIN "DeploymentStats" s ON s."deploymentId" = d.id
           ORDER BY s."p95LatencyMs24h" DESC NULLS LAST, d.id LIMIT 50)
         SELECT p.id, p."modelName", p.version, p.status, p."createdAt", (SELECT count(*) FROM "Deployment") AS total,
                r."requestCount", r."serverErrorCount", r."clientErrorCount", r."histogramOffset", r.histogram
         FROM page p LEFT JOIN "InferenceRollup" r
           ON r."deploymentId" = p.id AND r.resolution = 'HOUR' AND r."bucketStart" >= $1::timestamp AND r."bucketStart" < $2::timestamp
         ORDER BY p.rank DESC NULLS LAST, p.id`,
        [day.start.toISOString(), day.end.toISOString()],
      );
      const page = new Map<string, { id: string; requests: number; errors: number; client: number; sketch: LatencySketch }>();
      for (const r of rows) {
        let m = page.get(r.id);
        if (!m) page.set(r.id, (m = { id: r.id, requests: 0, errors: 0, client: 0, sketch: new LatencySketch() }));
        if (r.histogram) {
          m.requests += r.requestCount!;
          m.errors += r.serverErrorCount!;
          m.client += r.clientErrorCount!;
          m.sketch.merge(r.histogramOffset!, r.histogram);
        }
      }
      return [...page.values()].map((m) => ({
        id: m.id,
        requestsPerSecond: m.requests / 86_400,
        p50: m.sketch.quantile(0.5),
        p95: m.sketch.quantile(0.95),
        p99: m.sketch.quantile(0.99),
        errorRate: m.requests ? m.errors / m.requests : null,
      }));
    });
  const sameRows = (await graphqlList()).deployments.nodes.map((n) => n.id).join() === (await floorList()).map((r) => r.id).join();
  const measure = async (fn: () => Promise<unknown>) => {
    for (let i = 0; i < 3; i++) await fn();
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) times.push((await timed(fn))[1]);
    return summary(times);
  };
  const listGraphql = await measure(graphqlList);
  const listFloor = await measure(floorList);

  // 3. One deployment's metrics (with the chart series) for each window.
  const busiest = ids[Math.floor(ids.length / 2)]!;
  const single = [] as Array<{ window: string; graphql: { p50: number; p95: number }; floor: { p50: number; p95: number } }>;
  for (const window of METRICS_WINDOWS) {
    const doc = parse(`query ($id: ID!) { deployment(id: $id) { metrics(window: ${window}) { requestCount requestsPerSecond p50LatencyMs p95LatencyMs p99LatencyMs errorRate clientErrorRate series { bucketStart requests errors p50LatencyMs p95LatencyMs } } } }`);
    const bounds = windowBounds(window, now);
    const graphql = await measure(async () => {
      const r = await execute({ schema, document: doc, variableValues: { id: busiest }, contextValue: reader() });
      if (r.errors) throw new Error(r.errors[0]!.message);
    });
    const floor = await measure(() =>
      sql(
        `SELECT "bucketStart", "requestCount", "serverErrorCount", "clientErrorCount", "histogramOffset", histogram FROM "InferenceRollup"
         WHERE "deploymentId" = $1::uuid AND resolution = $2::"RollupResolution" AND "bucketStart" >= $3::timestamp AND "bucketStart" < $4::timestamp`,
        [busiest, bounds.resolution, bounds.start.toISOString(), bounds.end.toISOString()],
      ),
    );
    single.push({ window, graphql, floor });
  }

  log(`1. Ingestion (${totalEvents.toLocaleString("en-US")} events in batches of ${INGEST_BATCH.toLocaleString("en-US")}, ${WRITERS} concurrent writers)`);
  log(`   public path (recordInferenceEvents mutation):        ${fmt(publicRate, 0).padStart(12)} events/s`);
  log(`   floor A (one INSERT … SELECT: events → rollups):     ${fmt(floorRate, 0).padStart(12)} events/s`);
  log(`   floor B (INSERT of pre-aggregated rollup rows):      ${fmt(writeOnlyRate, 0).padStart(12)} events/s`);
  log(`   public / floor A: ${fmt((100 * publicRate) / floorRate)} %   public / floor B: ${fmt((100 * publicRate) / writeOnlyRate)} %   (goal ≥ 50,000 events/s and ≥ 50 %)`);
  log("");
  log(`2. Deployments list: 50 rows sorted by P95 over 24 h, with metrics (${RUNS} runs; same rows: ${sameRows ? "yes" : "NO"})`);
  log(`   GraphQL (in-process execute):  p50 ${fmt(listGraphql.p50).padStart(7)} ms   p95 ${fmt(listGraphql.p95).padStart(7)} ms`);
  log(`   hand-written SQL floor:        p50 ${fmt(listFloor.p50).padStart(7)} ms   p95 ${fmt(listFloor.p95).padStart(7)} ms`);
  log(`   GraphQL / floor (p95): ${fmt(listGraphql.p95 / listFloor.p95, 2)}×   (goal p95 ≤ 100 ms and ≤ 2×)`);
  log("");
  log(`3. One deployment's metrics with its chart series (${RUNS} runs each)`);
  log(`   window             GraphQL p50 / p95 ms      SQL read of its rollups p50 / p95 ms`);
  for (const s of single) {
    log(`   ${s.window.padEnd(17)}  ${fmt(s.graphql.p50).padStart(7)} / ${fmt(s.graphql.p95).padStart(7)}          ${fmt(s.floor.p50).padStart(7)} / ${fmt(s.floor.p95).padStart(7)}`);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  process.exitCode = 1;
});
