/**
 * The benchmarks' 7-day inference dataset (`npm run bench` and `npm run bench:metrics`), written by hand-written
 * SQL from sketch templates straight into "InferenceRollup": each deployment gets its own latency scale.
 */
import { windowBounds } from "../graphql/services/metrics.ts";
import { logNormal, poisson } from "../graphql/services/random.ts";
import { GAMMA, LatencySketch } from "../graphql/services/sketch.ts";

export const HOURS = 7 * 24;
/** Minute rollups are written for the last two hours only: no benchmarked window reads older ones. */
export const MINUTE_ROWS_FOR = 120;

type Sql = (text: string, params?: unknown[]) => Promise<unknown>;

/** The catalog rows of a benchmark fleet: one base model and dataset, one COMPLETE job and one ACTIVE deployment per index (deployed a minute apart). */
export async function writeFleet(sql: Sql, deployments: number): Promise<void> {
  await sql(`INSERT INTO "BaseModel" (id, name, family, organization, "parametersBillions", "contextLength", license, task, "huggingFaceId", description, "releasedOn")
             VALUES ('bench-base', 'Bench base', 'bench', 'bench', 1, 4096, 'apache-2.0', 'TEXT_GENERATION', 'bench/base', 'benchmark', '2026-01-01')`);
  await sql(`INSERT INTO "Dataset" (id, name, description, task, format, "rowCount", "sizeBytes") VALUES ('bench-data', 'bench-data', 'benchmark', 'TEXT_GENERATION', 'jsonl', 1, 1)`);
  await sql(
    `INSERT INTO "TrainingJob" (id, "modelName", status, "baseModelId", "datasetId", epochs, "learningRate", "batchSize", "loraRank", "warmupSteps", seed, "totalSteps", "createdBy")
     SELECT md5('job' || i)::uuid, 'bench-model-' || i, 'COMPLETE', 'bench-base', 'bench-data', 1, 0.0001, 8, 8, 0, 1, 10, 'bench'
     FROM generate_series(1, $1) AS i`,
    [deployments],
  );
  await sql(
    `INSERT INTO "Deployment" (id, "jobId", "modelName", version, "versionMinor", status, "endpointUrl", "deployedBy", "updatedAt", "activatedAt", "createdAt")
     SELECT md5('dep' || i)::uuid, md5('job' || i)::uuid, 'bench-model-' || i, 'v1.0.0', 0, 'ACTIVE', 'https://bench.invalid/' || i, 'bench', now(), now() - interval '30 days', now() - i * interval '1 minute'
     FROM generate_series(1, $1) AS i`,
    [deployments],
  );
}

/** Rollup templates: real sketches of `n` log-normal events around 1 ms, shifted per deployment (multiplying latencies by γ^k shifts buckets by k, exactly). */
function templates(count: number, meanEvents: number, random: () => number) {
  return Array.from({ length: count }, (_, id) => {
    const n = Math.max(1, poisson(meanEvents, random));
    const sketch = new LatencySketch();
    let sum = 0;
    let c = 0;
    let s = 0;
    for (let i = 0; i < n; i++) {
      const v = logNormal(random, 1, 0.45);
      sketch.add(v);
      sum += v;
      const roll = random();
      if (roll < 0.01) s++;
      else if (roll < 0.03) c++;
    }
    const d = sketch.toDense();
    return { id, n, c, s, sum, o: d.offset, h: d.counts };
  });
}

/** Hour rollups for every "Deployment" over 7 days and sparse minute rollups for the last two hours (~`events` in all). */
export async function writeRollupDataset(sql: Sql, options: { deployments: number; events: number; now: Date; random: () => number }): Promise<void> {
  const { deployments, events, now, random } = options;
  const hourTemplates = templates(256, events / (deployments * HOURS), random);
  const minuteTemplates = templates(256, events / (deployments * HOURS * 60), random);
  await sql(`CREATE UNLOGGED TABLE bench_template (kind TEXT, id INTEGER, n INTEGER, c INTEGER, s INTEGER, sum DOUBLE PRECISION, o INTEGER, h INTEGER[])`);
  for (const [kind, list] of [["HOUR", hourTemplates], ["MINUTE", minuteTemplates]] as const) {
    await sql(
      `INSERT INTO bench_template SELECT $1, t.id, t.n, t.c, t.s, t.sum, t.o, t.h FROM jsonb_to_recordset($2::jsonb) AS t(id INTEGER, n INTEGER, c INTEGER, s INTEGER, sum DOUBLE PRECISION, o INTEGER, h INTEGER[])`,
      [kind, JSON.stringify(list)],
    );
  }
  // Deployment i's latencies: median between ~20 ms and ~800 ms (k buckets above 1 ms).
  const shift = `(160 + (hashtext(d.id::text) & 1023) * 210 / 1023)`;
  // Hour rows for every hour of the 7 days; most minutes of a deployment see no request at this rate, so only a
  // minute whose draw falls under the rate's share becomes a row.
  const resolutions = [
    { kind: "HOUR", end: windowBounds("LAST_7_DAYS", now).end, rows: `${HOURS} hours`, step: "1 hour", share: 1 },
    { kind: "MINUTE", end: windowBounds("LAST_HOUR", now).end, rows: `${MINUTE_ROWS_FOR} minutes`, step: "1 minute", share: Math.min(1, 1 - Math.exp(-events / (deployments * HOURS * 60))) },
  ] as const;
  for (const r of resolutions) {
    await sql(
      `INSERT INTO "InferenceRollup" ("deploymentId", resolution, "bucketStart", "requestCount", "clientErrorCount", "serverErrorCount", "latencySumMs", "histogramOffset", histogram)
       SELECT d.id, '${r.kind}', b, t.n, t.c, t.s, t.sum * power(${GAMMA}, ${shift}), t.o + ${shift}, t.h
       FROM "Deployment" d
       CROSS JOIN generate_series($1::timestamp - interval '${r.rows}', $1::timestamp - interval '${r.step}', interval '${r.step}') AS b
       JOIN bench_template t ON t.kind = '${r.kind}' AND t.id = (hashtext(d.id::text || b::text) & 255)
       WHERE random() < $2::float8`,
      [r.end.toISOString(), r.share],
    );
  }
  await sql(`DROP TABLE bench_template`);
}
