import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLInputType,
} from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SCOPES } from "../../graphql/context.ts";
import { schema } from "../../graphql/schema.ts";
import { createApiToken } from "../../graphql/services/tokens.ts";
import { createTrainyardYoga, type TrainyardYoga } from "../../graphql/yoga.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { probeOperation, tableFingerprint } from "../setup/schema-probe.ts";

/**
 * The bad-input corpus, table-driven from the schema like tests/graphql/auth.test.ts:
 * every String and ID argument (and input field) of every mutation and query gets
 * each hostile value while the other arguments stay valid, plus out-of-range numbers
 * and dates. Over HTTP with an all-scope token: never a 5xx, never "Unexpected
 * error.", nothing written (table digests before/after), and every mutation
 * attempt leaves exactly one audit row.
 */
const HOSTILE_TEXT: Array<[string, string]> = [
  ["NUL", "\u0000"],
  ["embedded NUL", "job\u0000name"],
  ["lone high surrogate", "\ud800x"],
  ["lone low surrogate", "x\udfff"],
  ["ANSI escape", "\u001b[31mred\u001b[0m"],
  ["backspace", "abc\u0008"],
  ["DEL", "a\u007f"],
  ["C1 control", "a\u0085b"],
  ["right-to-left override", "gpu\u202eexe.txt"],
  ["bidi isolate", "a\u2066b"],
  ["bell", "ding\u0007"],
  ["unit separator", "a\u001fb"],
  ["C1 CSI", "\u009b31m"],
  ["left-to-right embedding", "\u202aabc"],
  ["pop directional isolate", "abc\u2069"],
  ["two high surrogates", "\ud800\ud800"],
  ["5,000 characters", "a".repeat(5000)],
];

let t: TestDatabase;
let yoga: TrainyardYoga;
let secret = "";
const ids: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  yoga = createTrainyardYoga(t.db, { requireReadToken: false });
  secret = (await createApiToken(t.db.prisma, { input: { name: "corpus", scopes: [...SCOPES] }, actor: "test" })).secret;
  const p = t.db.prisma;
  ids.completeJob = (await p.trainingJob.findFirstOrThrow({ where: { status: "COMPLETE" } })).id;
  ids.queuedJob = (await p.trainingJob.findFirst({ where: { status: { in: ["QUEUED", "RUNNING"] } } }))?.id ?? ids.completeJob;
  ids.deployment = (await p.deployment.findFirstOrThrow({ where: { status: "ACTIVE" } })).id;
  ids.baseModel = (await p.baseModel.findFirstOrThrow()).id;
  ids.dataset = (await p.dataset.findFirstOrThrow()).id;
  ids.token = (await p.apiToken.findFirstOrThrow()).id;
}, 120_000);
afterAll(() => t?.drop());

/** A valid value for an argument, from its name and type, so the hostile one is the only thing wrong. */
function sampleValue(name: string, type: GraphQLInputType, owner: string): unknown {
  if (isNonNullType(type)) return sampleValue(name, type.ofType, owner);
  if (isListType(type)) return [sampleValue(name, type.ofType, owner)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type))
        .map((f) => [f.name, sampleValue(f.name, f.type, owner)]),
    );
  }
  if (!isScalarType(type)) throw new Error(`no sample for ${String(type)}`);
  switch (type.name) {
    case "ID":
      if (name === "baseModelId") return ids.baseModel;
      if (name === "datasetId") return ids.dataset;
      if (/deployment/i.test(name) || /Deployment|rollback/.test(owner)) return ids.deployment;
      if (/token/i.test(owner)) return ids.token;
      if (/cancel|report|complete/i.test(owner)) return ids.queuedJob;
      return ids.completeJob;
    case "Int":
      return 1;
    case "Float":
      return name === "learningRate" ? 0.0001 : 1;
    case "Boolean":
      return false;
    case "DateTime":
      return new Date().toISOString();
    case "JSON":
      return {};
    default:
      return name === "modelName" ? "corpus-model" : "corpus";
  }
}

interface Case {
  label: string;
  kind: "mutation" | "query";
  field: string;
  /** Built when the case runs: the sample ids come from the seeded database. */
  variables: () => Record<string, unknown>;
  query: string;
}

/** Every place a value can go: [path in the variables, its named type, the argument or input field name]. */
function slots(arg: GraphQLArgument): Array<{ path: string[]; type: string; name: string }> {
  const out: Array<{ path: string[]; type: string; name: string }> = [];
  const walk = (type: GraphQLInputType, path: string[], name: string) => {
    const named = getNamedType(type);
    if (isInputObjectType(named)) {
      for (const f of Object.values(named.getFields())) walk(f.type, [...path, f.name], f.name);
      return;
    }
    out.push({ path, type: named.name, name });
  };
  walk(arg.type, [arg.name], arg.name);
  return out;
}

function setAt(target: Record<string, unknown>, path: string[], value: unknown, listy: boolean) {
  let node = target as Record<string, any>;
  for (const key of path.slice(0, -1)) {
    if (Array.isArray(node[key])) node = node[key][0];
    else node = node[key] ??= {};
  }
  const last = path.at(-1)!;
  node[last] = listy && Array.isArray(node[last]) ? [value] : value;
}

function casesFor(kind: Case["kind"]): Case[] {
  const root = kind === "mutation" ? schema.getMutationType()! : schema.getQueryType()!;
  const cases: Case[] = [];
  for (const field of Object.values(root.getFields())) {
    if (field.args.length === 0) continue;
    const base = () => Object.fromEntries(field.args.map((a) => [a.name, sampleValue(a.name, a.type, field.name)]));
    const query = probeOperation(kind, field);
    for (const arg of field.args) {
      for (const slot of slots(arg)) {
        const values: Array<[string, unknown]> =
          slot.type === "String" || slot.type === "ID"
            ? HOSTILE_TEXT
            : slot.type === "Float"
              ? [["1e308", 1e308], ["-1e308", -1e308]]
              : slot.type === "DateTime"
                ? [["year +275760", "+275760-09-13T00:00:00.000Z"], ["year 1000", "1000-01-01T00:00:00.000Z"]]
                : [];
        for (const [label, value] of values) {
          const variables = () => {
            const v = base();
            setAt(v, slot.path, value, true);
            return v;
          };
          cases.push({ label: `${field.name} ${slot.path.join(".")} = ${label}`, kind, field: field.name, variables, query });
        }
      }
    }
  }
  return cases;
}

const mutationCases = casesFor("mutation");
const queryCases = casesFor("query");

async function post(c: Case) {
  const res = await yoga.fetch(
    new Request("http://localhost/graphql", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${secret}` },
      body: JSON.stringify({ query: c.query, variables: c.variables() }),
    }),
  );
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: any; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

const fingerprint = () => tableFingerprint(t.db);

describe("bad-input corpus over GraphQL", () => {
  test("covers at least 500 cases over every mutation and query with arguments", () => {
    expect(mutationCases.length + queryCases.length).toBeGreaterThanOrEqual(500);
    const fields = new Set(mutationCases.map((c) => c.field));
    expect([...fields].sort()).toEqual(Object.keys(schema.getMutationType()!.getFields()).filter((f) => schema.getMutationType()!.getFields()[f]!.args.length > 0).sort());
  });

  test("never a 5xx or 'Unexpected error.', nothing written, one audit row per mutation attempt, VALIDATION naming the field", async () => {
    const before = await fingerprint();
    const problems: string[] = [];
    let validations = 0;
    for (const c of [...mutationCases, ...queryCases]) {
      const auditsBefore = c.kind === "mutation" ? await t.db.prisma.auditEvent.count() : 0;
      const r = await post(c);
      if (r.status >= 500) problems.push(`${c.label}: HTTP ${r.status}`);
      if (r.text.includes("Unexpected error.")) problems.push(`${c.label}: Unexpected error.`);
      const code = r.body.data?.result?.code ?? r.body.errors?.[0]?.extensions?.code;
      const message: string = r.body.data?.result?.message ?? r.body.errors?.[0]?.message ?? "";
      if (code === "VALIDATION") validations++;
      else problems.push(`${c.label}: expected VALIDATION, got ${code ?? r.text.slice(0, 200)}`);
      if (code === "VALIDATION" && !message.includes(c.label.split(" ")[1]!.split(".").pop()!)) problems.push(`${c.label}: message does not name the field: ${message}`);
      if (c.kind === "mutation") {
        const added = (await t.db.prisma.auditEvent.count()) - auditsBefore;
        if (added !== 1) problems.push(`${c.label}: ${added} audit rows`);
      }
    }
    console.info(`[bad-input] ${mutationCases.length} mutation and ${queryCases.length} query cases; ${validations} VALIDATION answers`);
    expect(problems).toEqual([]);
    expect(await fingerprint()).toBe(before);
  }, 300_000);
});

describe("the issue's reproductions", () => {
  test('createApiToken named "\\ud800x": VALIDATION, no token, one REFUSED audit row', async () => {
    const tokens = await t.db.prisma.apiToken.count();
    const audits = await t.db.prisma.auditEvent.count({ where: { action: "createApiToken", outcome: "REFUSED" } });
    const r = await post({
      label: "",
      kind: "mutation",
      field: "createApiToken",
      query: `mutation($i: CreateApiTokenInput!) { result: createApiToken(input: $i) { __typename ... on Error { code message } } }`,
      variables: () => ({ i: { name: "\ud800x", scopes: ["READ"] } }),
    });
    expect(r.body.data?.result, r.text).toMatchObject({ __typename: "ValidationError", code: "VALIDATION" });
    expect(r.body.data.result.message).toContain("input.name");
    expect(await t.db.prisma.apiToken.count()).toBe(tokens);
    expect(await t.db.prisma.auditEvent.count({ where: { action: "createApiToken", outcome: "REFUSED" } })).toBe(audits + 1);
  });

  test('claimTrainingJob(workerName: "\\ud800x") claims nothing', async () => {
    const running = await t.db.prisma.trainingJob.count({ where: { status: "RUNNING" } });
    const r = await post({
      label: "",
      kind: "mutation",
      field: "claimTrainingJob",
      query: `mutation($w: String!) { result: claimTrainingJob(workerName: $w) { __typename ... on Error { code message } } }`,
      variables: () => ({ w: "\ud800x" }),
    });
    expect(r.body.data.result.code).toBe("VALIDATION");
    expect(await t.db.prisma.trainingJob.count({ where: { status: "RUNNING" } })).toBe(running);
  });

  test("a token expiring in year +275760 is refused, and apiTokens still lists", async () => {
    const r = await post({
      label: "",
      kind: "mutation",
      field: "createApiToken",
      query: `mutation($i: CreateApiTokenInput!) { result: createApiToken(input: $i) { __typename ... on Error { code message } } }`,
      variables: () => ({ i: { name: "far-future", scopes: ["READ"], expiresAt: "+275760-09-13T00:00:00.000Z" } }),
    });
    expect(r.body.data.result.code).toBe("VALIDATION");
    const list = await post({ label: "", kind: "query", field: "apiTokens", query: `{ apiTokens { totalCount nodes { name expiresAt } } }`, variables: () => ({}) });
    expect(list.status).toBe(200);
    expect(list.body.errors).toBeUndefined();
  });
});

test("reportTrainingProgress refuses an epoch past the job's epochs and a loss of 1e308, writing nothing", async () => {
  const job = await t.db.prisma.trainingJob.findFirst({ where: { status: "RUNNING" }, select: { id: true, epochs: true, currentStep: true } });
  if (!job) throw new Error("the seed has no RUNNING job to report for");
  // Held by an external trainer: the simulated trainer's jobs refuse outside reports (INVALID_STATE) first.
  await t.db.prisma.trainingJob.update({ where: { id: job.id }, data: { claimedBy: "external-box" } });
  const report = (epoch: number, trainLoss: number) =>
    post({
      label: "",
      kind: "mutation",
      field: "reportTrainingProgress",
      query: `mutation($id: ID!, $e: Float!, $l: Float!) { result: reportTrainingProgress(jobId: $id, step: 1, epoch: $e, trainLoss: $l, learningRate: 0.0001) { __typename ... on Error { code message } } }`,
      variables: () => ({ id: job.id, e: epoch, l: trainLoss }),
    });
  const points = await t.db.prisma.trainingMetricPoint.count({ where: { jobId: job.id } });
  expect((await report(2147483647, 1)).body.data.result).toMatchObject({ code: "VALIDATION" });
  expect((await report(job.epochs + 1, 1)).body.data.result.message).toContain(`last epoch (${job.epochs})`);
  expect((await report(0.5, 1e308)).body.data.result).toMatchObject({ code: "VALIDATION" });
  expect(await t.db.prisma.trainingMetricPoint.count({ where: { jobId: job.id } })).toBe(points);
});
