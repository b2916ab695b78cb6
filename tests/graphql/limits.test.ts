import { getIntrospectionQuery } from "graphql";
import { afterAll, beforeAll, expect, test, vi } from "vitest";
import { createTrainyardYoga, LIMITS, type TrainyardYoga } from "../../graphql/yoga.ts";
import { seedDemoData } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
let yoga: TrainyardYoga;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
  yoga = createTrainyardYoga(t.db, { requireReadToken: false });
});
afterAll(() => t.drop());

async function send(body: BodyInit, init: { headers?: Record<string, string>; duplex?: "half"; app?: TrainyardYoga } = {}) {
  const request = new Request("http://localhost/graphql", {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body,
    ...(init.duplex ? { duplex: init.duplex } : {}),
  } as RequestInit);
  const res = await (init.app ?? yoga).fetch(request);
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, unknown> }> } };
}
const query = (q: string, variables?: Record<string, unknown>) => send(JSON.stringify({ query: q, variables }));

function expectRefused(result: Awaited<ReturnType<typeof send>>, code: string, message: RegExp) {
  // Validation failures are 400s; yoga answers parse failures with 200 for application/json clients.
  expect(result.status).toBeLessThan(500);
  expect(result.body.data ?? null).toBeNull();
  expect(result.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code } });
}

const nest = (levels: number) => {
  let inner = "id";
  for (let i = 0; i < levels; i++) inner = `job { deployments { ${inner} } }`;
  return `{ deployments { nodes { ${inner} } } }`;
};

test("the playground's introspection query and the console's largest queries pass every limit", async () => {
  const introspection = await query(getIntrospectionQuery());
  expect(introspection.status).toBe(200);
  expect(introspection.body.data.__schema.queryType.name).toBe("Query");
  const jobs = await query(
    `{ trainingJobs(first: 200) { totalCount nodes { id modelName status progress createdAt durationSeconds baseModel { name } dataset { name } } } }`,
  );
  expect(jobs.body.errors).toBeUndefined();
  expect(jobs.body.data.trainingJobs.totalCount).toBeGreaterThan(0);
  expect((await query(nest(4))).body.errors).toBeUndefined();
});

test("a query deeper than the limit is refused before it runs", async () => {
  expectRefused(await query(nest(8)), "QUERY_TOO_DEEP", new RegExp(`depth limit of ${LIMITS.maxDepth}`));
});

test("too many aliases are refused (batching the same field to multiply work)", async () => {
  const aliased = `{ ${Array.from({ length: LIMITS.maxAliases + 1 }, (_, i) => `a${i}: dashboard { runningJobs }`).join(" ")} }`;
  expectRefused(await query(aliased), "TOO_MANY_ALIASES", new RegExp(`Aliases limit of ${LIMITS.maxAliases}`));
});

test("an oversized document is refused by its token count", async () => {
  expectRefused(await query(`{ dashboard { ${"runningJobs ".repeat(LIMITS.maxTokens)} } }`), "QUERY_TOO_LARGE", /Token limit/);
});

test("an expensive query is refused by its estimated cost", async () => {
  const fields = "id modelName status epochs learningRate batchSize loraRank warmupSteps seed totalSteps currentStep progress createdAt";
  const costly = `{ trainingJobs(first: 200) { nodes { ${fields} deployments { id job { ${fields} deployments { id job { ${fields} } } } } } } }`;
  expectRefused(await query(costly), "QUERY_TOO_COSTLY", new RegExp(`Cost limit of ${LIMITS.maxCost}`));
});

test("a request body over the size limit is a 413 GraphQL error, with or without Content-Length", async () => {
  const payload = JSON.stringify({ query: "{ dashboard { runningJobs } }", variables: { pad: "x".repeat(LIMITS.maxBodyBytes) } });
  expectRefused(await send(payload), "PAYLOAD_TOO_LARGE", /larger than the 1 MB limit/);
  const streamed = new ReadableStream<Uint8Array>({
    start(controller) {
      const bytes = new TextEncoder().encode(payload);
      for (let i = 0; i < bytes.length; i += 64 * 1024) controller.enqueue(bytes.subarray(i, i + 64 * 1024));
      controller.close();
    },
  });
  const chunked = await send(streamed, { duplex: "half" });
  expect(chunked.status).toBe(413);
  expect(chunked.body.errors?.[0]?.extensions?.code).toBe("PAYLOAD_TOO_LARGE");
  const small = createTrainyardYoga(t.db, { requireReadToken: false, maxBodyBytes: 64 * 1024 });
  expect((await send(JSON.stringify({ query: "{ dashboard { runningJobs } }" }), { app: small })).body.data.dashboard).toBeDefined();
});

test("malformed JSON is a 400 BAD_REQUEST, not a server error", async () => {
  const res = await send("{not json");
  expect(res.status).toBe(400);
  expect(res.body.errors?.[0]).toMatchObject({ message: "POST body sent invalid JSON.", extensions: { code: "BAD_REQUEST" } });
  expect(res.text).not.toMatch(/node_modules|\n\s+at /);
});

test("an unexpected failure is masked: no stack trace, SQL or driver message reaches the client", async () => {
  const broken = await createTestDatabase();
  const app = createTrainyardYoga(broken.db, { requireReadToken: false });
  await broken.db.close();
  // The server logs the real error for its operator; the client must not see it.
  vi.mocked(console.error).mockImplementation(() => {});
  const res = await send(JSON.stringify({ query: "{ trainingJobs { totalCount } }" }), { app });
  expect(res.body.errors?.[0]).toMatchObject({ message: "Unexpected error.", extensions: { code: "INTERNAL_SERVER_ERROR" } });
  expect(res.text).not.toMatch(/PGlite|prisma|SELECT|closed|Pool|stack|\bat\s/i);
  await broken.drop().catch(() => {});
});
