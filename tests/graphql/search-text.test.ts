import { afterAll, beforeAll, expect, test } from "vitest";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";
import { createCompleteJob } from "../setup/jobs.ts";

/**
 * Every "matches part of" filter matches the text as typed: `_`, `%` and `\` are not LIKE's wildcards or escape.
 * (Prisma's `contains` passes them through, so a search for "_" matched every row; the training jobs' progress
 * sort escaped them and its other sorts did not.)
 */
let t: TestDatabase;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  for (const name of ["job_under", "jobxunder", "job%pct"]) await createCompleteJob(t.db.prisma, name);
  for (const actor of ["ci_bot", "cixbot"]) {
    await t.db.prisma.auditEvent.create({ data: { actor, actorKind: "TOKEN", action: "deployJob", outcome: "SUCCESS" } });
  }
}, 120_000);
afterAll(() => t.drop());

const jobs = (search: string, field: string) =>
  query(t.db, `query ($f: TrainingJobFilter, $s: TrainingJobSort) { trainingJobs(first: 200, filter: $f, sort: $s) { totalCount nodes { modelName } } }`, {
    f: { search },
    s: { field, direction: "ASC" },
  }).then((d) => ({ total: d.trainingJobs.totalCount as number, names: (d.trainingJobs.nodes as Array<{ modelName: string }>).map((n) => n.modelName).sort() }));

test.each(["CREATED", "MODEL_NAME", "STATUS", "PROGRESS"])("training jobs sorted by %s: underscore and percent are plain text", async (field) => {
  expect(await jobs("b_u", field)).toEqual({ total: 1, names: ["job_under"] });
  expect(await jobs("b%p", field)).toEqual({ total: 1, names: ["job%pct"] });
  expect((await jobs("_", field)).names).toEqual(["job_under"]);
  expect((await jobs("\\", field)).total).toBe(0);
  // Plain text still matches as before.
  expect((await jobs("JOB", field)).total).toBe(3);
});

test("deployments, base models and the audit feed match _ and % as text", async () => {
  const deployments = await query(t.db, `{ all: deployments(first: 0) { totalCount } some: deployments(filter: { modelName: "_" }) { totalCount } }`);
  expect(deployments.all.totalCount).toBeGreaterThan(0);
  expect(deployments.some.totalCount).toBe(0);
  const models = await query(t.db, `{ all: baseModels(first: 0) { totalCount } none: baseModels(filter: { search: "%" }) { totalCount } }`);
  expect(models.all.totalCount).toBeGreaterThan(0);
  expect(models.none.totalCount).toBe(0);
  const audit = await query(t.db, `{ auditEvents(first: 50, filter: { actor: "i_b" }) { totalCount nodes { actor } } }`);
  expect(audit.auditEvents.nodes.map((n: { actor: string }) => n.actor)).toEqual(["ci_bot"]);
});
