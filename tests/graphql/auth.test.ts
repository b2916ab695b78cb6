import { isEnumType, isInputObjectType, isListType, isNonNullType, isScalarType, type GraphQLInputType } from "graphql";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { SCOPES, type Scope } from "../../graphql/context.ts";
import { schema } from "../../graphql/schema.ts";
import { createApiToken, revokeApiToken } from "../../graphql/services/tokens.ts";
import { createTrainyardYoga, type TrainyardYoga } from "../../graphql/yoga.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { probeOperation, tableFingerprint } from "../setup/schema-probe.ts";

/**
 * The scope every mutation needs. A mutation added to the schema without an
 * entry here fails the first test: nothing new can slip in unprotected.
 */
const EXPECTED_SCOPE: Record<string, Scope> = {
  createTrainingJob: "train",
  cancelTrainingJob: "train",
  retryTrainingJob: "train",
  claimTrainingJob: "train",
  reportTrainingProgress: "train",
  completeTrainingJob: "train",
  deployJob: "deploy",
  pauseDeployment: "deploy",
  resumeDeployment: "deploy",
  retireDeployment: "deploy",
  rollbackDeployment: "deploy",
  setDeploymentUpstream: "deploy",
  promoteDeployment: "deploy",
  setTrafficSplit: "deploy",
  recordInferenceEvents: "ingest",
  createApiToken: "admin",
  revokeApiToken: "admin",
  createAlertRule: "deploy",
  updateAlertRule: "deploy",
  deleteAlertRule: "deploy",
  createNotificationChannel: "admin",
  deleteNotificationChannel: "admin",
  testNotificationChannel: "admin",
};

let t: TestDatabase;
let yoga: TrainyardYoga;
const secrets = {} as Record<"expired" | "revoked" | "everything" | `only-${Scope}` | `all-but-${Scope}`, string>;

beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  yoga = createTrainyardYoga(t.db, { requireReadToken: false });
  const make = async (name: string, scopes: Scope[]) => (await createApiToken(t.db.prisma, { input: { name, scopes }, actor: "test" })).secret;
  secrets.everything = await make("everything", [...SCOPES]);
  for (const s of SCOPES) {
    secrets[`only-${s}`] = await make(`only-${s}`, [s]);
    secrets[`all-but-${s}`] = await make(`all-but-${s}`, SCOPES.filter((x) => x !== s));
  }
  secrets.expired = await make("expired", [...SCOPES]);
  await t.db.prisma.apiToken.updateMany({ where: { name: "expired" }, data: { expiresAt: new Date(Date.now() - 1000) } });
  secrets.revoked = await make("revoked", [...SCOPES]);
  const revoked = await t.db.prisma.apiToken.findFirstOrThrow({ where: { name: "revoked" } });
  await revokeApiToken(t.db.prisma, revoked.id);
});
afterAll(() => t.drop());

async function post(body: unknown, authorization?: string) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (authorization) headers.authorization = authorization;
  const res = await yoga.fetch(new Request("http://localhost/graphql", { method: "POST", headers, body: JSON.stringify(body) }));
  return { status: res.status, body: (await res.json()) as { data?: Record<string, any> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> } };
}

/** The smallest valid arguments for a field: enough to reach the resolver. */
function sampleValue(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sampleValue(type.ofType);
  if (isListType(type)) return [sampleValue(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(Object.values(type.getFields()).filter((f) => isNonNullType(f.type)).map((f) => [f.name, sampleValue(f.type)]));
  }
  if (isScalarType(type)) {
    switch (type.name) {
      case "ID":
        return "00000000-0000-4000-8000-000000000000";
      case "Int":
      case "Float":
        return 1;
      case "Boolean":
        return true;
      case "DateTime":
        return new Date(Date.now() + 86_400_000).toISOString();
      case "JSON":
        return {};
      default:
        return "sample";
    }
  }
  throw new Error(`no sample for ${String(type)}`);
}

function operationFor(field: string) {
  const def = schema.getMutationType()!.getFields()[field]!;
  const args = def.args.filter((a) => isNonNullType(a.type));
  return { query: probeOperation("mutation", def, args), variables: Object.fromEntries(args.map((a) => [a.name, sampleValue(a.type)])) };
}

/** The refusal code, whether it came back as a result-union member or as a top-level error. */
function codeOf(body: Awaited<ReturnType<typeof post>>["body"]): string | undefined {
  return body.data?.result?.code ?? body.errors?.[0]?.extensions?.code;
}

const fingerprint = () => tableFingerprint(t.db);

const mutationNames = () => Object.keys(schema.getMutationType()!.getFields()).sort();

test("every mutation in the schema has an expected scope (add new ones to EXPECTED_SCOPE)", () => {
  const missing = mutationNames().filter((m) => !(m in EXPECTED_SCOPE));
  expect(missing, `mutations without an expected scope: ${missing.join(", ")}`).toEqual([]);
});

describe.each(mutationNames().filter((m) => m in EXPECTED_SCOPE))("%s over HTTP", (mutation) => {
  const scope = EXPECTED_SCOPE[mutation]!;
  const cases: Array<{ label: string; header: () => string | undefined; code: string; actor: string }> = [
    { label: "no token", header: () => undefined, code: "UNAUTHENTICATED", actor: "anonymous" },
    { label: "a malformed token", header: () => "Bearer not-a-real-token", code: "UNAUTHENTICATED", actor: "anonymous" },
    { label: "a non-bearer header", header: () => `Basic ${Buffer.from("admin:admin").toString("base64")}`, code: "UNAUTHENTICATED", actor: "anonymous" },
    { label: "an unknown token", header: () => `Bearer ty_${"A".repeat(43)}`, code: "UNAUTHENTICATED", actor: "anonymous" },
    { label: "an expired token", header: () => `Bearer ${secrets.expired}`, code: "UNAUTHENTICATED", actor: "expired" },
    { label: "a revoked token", header: () => `Bearer ${secrets.revoked}`, code: "UNAUTHENTICATED", actor: "revoked" },
    { label: `a token with every scope but "${scope}"`, header: () => `Bearer ${secrets[`all-but-${scope}`]}`, code: "FORBIDDEN", actor: `all-but-${scope}` },
    ...SCOPES.filter((s) => s !== scope).map((s) => ({
      label: `a token with only "${s}"`,
      header: () => `Bearer ${secrets[`only-${s}`]}`,
      code: "FORBIDDEN",
      actor: `only-${s}`,
    })),
  ];

  test.each(cases)(`is refused with $code for $label, writes nothing and is audited`, async ({ header, code, actor }) => {
    const before = await fingerprint();
    const auditBefore = await t.db.prisma.auditEvent.count({ where: { action: mutation, outcome: "REFUSED", errorCode: code, actor } });
    const { status, body } = await post(operationFor(mutation), header());
    expect(status).toBeLessThan(500);
    // A typed refusal in the result union (list ForbiddenError in the mutation's `errors.types`).
    expect(body.data?.result, JSON.stringify(body)).toMatchObject({ __typename: "ForbiddenError", code });
    expect(await fingerprint()).toBe(before);
    expect(await t.db.prisma.auditEvent.count({ where: { action: mutation, outcome: "REFUSED", errorCode: code, actor } })).toBe(auditBefore + 1);
    const audit = await t.db.prisma.auditEvent.findFirstOrThrow({ where: { action: mutation }, orderBy: { id: "desc" } });
    expect(audit.detail).toMatchObject({ reason: body.data?.result?.message });
  });

  test(`gets past authorization with a token holding only "${scope}"`, async () => {
    const { status, body } = await post(operationFor(mutation), `Bearer ${secrets[`only-${scope}`]}`);
    expect(status).toBeLessThan(500);
    expect(["FORBIDDEN", "UNAUTHENTICATED"]).not.toContain(codeOf(body));
  });
});

const JOBS = `query { trainingJobs(first: 1) { totalCount } }`;

describe("reads", () => {
  test("are open without a token by default, and the token's use is recorded", async () => {
    expect((await post({ query: JOBS })).body.data?.trainingJobs.totalCount).toBeGreaterThan(0);
    const { token, secret } = await createApiToken(t.db.prisma, { input: { name: "dashboards", scopes: ["read"] }, actor: "test" });
    expect(token.lastUsedAt).toBeNull();
    expect((await post({ query: JOBS }, `Bearer ${secret}`)).body.data?.trainingJobs.totalCount).toBeGreaterThan(0);
    const used = await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } });
    expect(used.lastUsedAt?.getTime()).toBeGreaterThanOrEqual(token.createdAt.getTime());
  });

  test("with a revoked or expired token are refused rather than served as anonymous", async () => {
    for (const secret of [secrets.revoked, secrets.expired]) {
      const { status, body } = await post({ query: JOBS }, `Bearer ${secret}`);
      expect(status).toBe(401);
      expect(body.data ?? null).toBeNull();
      expect(body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    }
  });

  test("need the read scope when TRAINYARD_REQUIRE_READ_TOKEN is on; introspection stays open", async () => {
    const strict = createTrainyardYoga(t.db, { requireReadToken: true });
    const call = async (query: string, authorization?: string) => {
      const headers: Record<string, string> = { "content-type": "application/json" };
      if (authorization) headers.authorization = authorization;
      const res = await strict.fetch(new Request("http://localhost/graphql", { method: "POST", headers, body: JSON.stringify({ query }) }));
      return { status: res.status, body: (await res.json()) as any };
    };
    const anonymous = await call(JOBS);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.errors[0].extensions.code).toBe("UNAUTHENTICATED");
    const deployOnly = await call(JOBS, `Bearer ${secrets["only-deploy"]}`);
    expect(deployOnly.status).toBe(403);
    expect(deployOnly.body.errors[0].extensions.code).toBe("FORBIDDEN");
    expect((await call(JOBS, `Bearer ${secrets["only-read"]}`)).body.data.trainingJobs.totalCount).toBeGreaterThan(0);
    expect((await call(`{ __schema { queryType { name } } }`)).body.data.__schema.queryType.name).toBe("Query");
  });

  test("listing API tokens needs the admin scope and never returns a secret", async () => {
    const query = `{ apiTokens { totalCount nodes { name prefix scopes status } } }`;
    const anonymous = await post({ query });
    expect(anonymous.body.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    const reader = await post({ query }, `Bearer ${secrets["only-read"]}`);
    expect(reader.body.errors?.[0]?.extensions?.code).toBe("FORBIDDEN");
    expect(reader.body.errors?.[0]?.message).toMatch(/admin/);
    const admin = await post({ query: query.replace("apiTokens", "apiTokens(first: 100)") }, `Bearer ${secrets["only-admin"]}`);
    expect(admin.body.data?.apiTokens.nodes.find((n: any) => n.name === "revoked"), JSON.stringify(admin.body).slice(0, 500)).toMatchObject({ status: "REVOKED" });
    expect(admin.body.data?.apiTokens.nodes.find((n: any) => n.name === "expired")).toMatchObject({ status: "EXPIRED" });
    expect(JSON.stringify(admin.body)).not.toContain(secrets.everything);
  });
});

test("a deploy token deploys a COMPLETE job over HTTP; the audit row names the token", async () => {
  const jobId = seedUuid("sql-v2");
  const { body } = await post(
    {
      query: `mutation ($jobId: ID!) { deployJob(jobId: $jobId) { __typename ... on DeployJobSuccess { deployment { id deployedBy } } ... on Error { code } } }`,
      variables: { jobId },
    },
    `Bearer ${secrets["only-deploy"]}`,
  );
  expect(body.data?.deployJob).toMatchObject({ __typename: "DeployJobSuccess", deployment: { deployedBy: "only-deploy" } });
  const audit = await t.db.prisma.auditEvent.findFirst({ where: { action: "deployJob", outcome: "SUCCESS" }, orderBy: { id: "desc" } });
  expect(audit).toMatchObject({ actor: "only-deploy", actorKind: "TOKEN", targetType: expect.any(String) });
});

test("auditEvents filters the trail by actor, action, target and outcome, newest first, with totalCount and paging", async () => {
  const AUDIT = `query ($filter: AuditEventFilter, $first: Int, $offset: Int) {
    auditEvents(filter: $filter, first: $first, offset: $offset) { totalCount actions nodes { actor action targetType outcome errorCode reason createdAt } }
  }`;
  const read = async (variables: Record<string, unknown>) => (await post({ query: AUDIT, variables })).body.data!.auditEvents;

  const refusedDeploys = await read({ filter: { action: "deployJob", outcome: "REFUSED", actor: "only-" } });
  // One token per scope other than "deploy", and the right-scope probe that got as far as NOT_FOUND.
  const wrongScopes = SCOPES.length - 1;
  expect(refusedDeploys.totalCount).toBe(wrongScopes + 1);
  expect(refusedDeploys.nodes.every((n: any) => n.action === "deployJob" && n.outcome === "REFUSED")).toBe(true);
  expect(refusedDeploys.nodes.map((n: any) => n.errorCode).sort()).toEqual([...Array<string>(wrongScopes).fill("FORBIDDEN"), "NOT_FOUND"]);
  expect(refusedDeploys.nodes.map((n: any) => n.reason)).toContain('API token "only-read" lacks the "deploy" scope this needs');

  const tokenChanges = await read({ filter: { targetType: "ApiToken", outcome: "SUCCESS" } });
  expect(tokenChanges.nodes.map((n: any) => n.action)).toEqual(expect.arrayContaining(["createApiToken"]));
  expect(tokenChanges.nodes.every((n: any) => n.targetType === "ApiToken")).toBe(true);

  const all = await read({});
  expect(all.actions).toEqual([...all.actions].sort());
  expect(all.actions).toContain("deployJob");
  const page1 = await read({ first: 3 });
  const page2 = await read({ first: 3, offset: 3 });
  expect(page1.totalCount).toBe(all.totalCount);
  expect(page1.nodes).toHaveLength(3);
  const times = [...page1.nodes, ...page2.nodes].map((n: any) => Date.parse(n.createdAt));
  expect(times).toEqual([...times].sort((a, b) => b - a));
});
