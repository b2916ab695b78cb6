import { createHash } from "node:crypto";
import { afterAll, beforeAll, expect, test } from "vitest";
import { ValidationError } from "../../graphql/errors.ts";
import { inTransaction } from "../../graphql/db.ts";
import { authenticateToken, createApiToken, revokeApiToken, TOKEN_CACHE_MS, watchTokenChanges } from "../../graphql/services/tokens.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

/** Every row of every table as text: what someone with a database dump would see. */
async function dumpDatabase(): Promise<string> {
  const tables = await t.db.prisma.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
  );
  let dump = "";
  for (const { name } of tables) {
    const rows = await t.db.prisma.$queryRawUnsafe<Array<{ row: string }>>(`SELECT to_jsonb(r)::text AS row FROM "${name}" r`);
    dump += rows.map((r) => r.row).join("\n");
  }
  return dump;
}

test("the secret is shown once and the database holds only its sha256 and a short prefix", async () => {
  const { token, secret } = await createApiToken(t.db.prisma, { input: { name: "  github-actions  ", scopes: ["deploy", "read", "deploy"] }, actor: "console" });
  expect(secret).toMatch(/^ty_[A-Za-z0-9_-]{43}$/);
  expect(token).toMatchObject({ name: "github-actions", scopes: ["read", "deploy"], createdBy: "console", expiresAt: null, lastUsedAt: null, revokedAt: null });
  expect(token.prefix).toBe(secret.slice(0, 11));
  expect(token.secretHash).toBe(createHash("sha256").update(secret).digest("hex"));
  const dump = await dumpDatabase();
  expect(dump).toContain(token.secretHash);
  expect(dump).not.toContain(secret);
  expect(dump).not.toContain(secret.slice(11));
  const again = await createApiToken(t.db.prisma, { input: { name: "github-actions", scopes: ["deploy"] }, actor: "console" });
  expect(again.secret).not.toBe(secret);
  expect(again.token.prefix).not.toBe(token.prefix);
});

test("a valid token authenticates with its scopes and records when it was used", async () => {
  const { token, secret } = await createApiToken(t.db.prisma, { input: { name: "ingest-gateway", scopes: ["ingest"] }, actor: "console" });
  const check = await authenticateToken(t.db.prisma, { secret });
  expect(check).toEqual({ ok: true, id: token.id, name: "ingest-gateway", scopes: ["ingest"] });
  expect((await t.db.prisma.apiToken.findUniqueOrThrow({ where: { id: token.id } })).lastUsedAt).toBeInstanceOf(Date);
});

test("malformed, unknown, expired and revoked secrets are refused with a reason", async () => {
  expect(await authenticateToken(t.db.prisma, { secret: "hunter2" })).toMatchObject({ ok: false, reason: expect.stringMatching(/Malformed/) });
  expect(await authenticateToken(t.db.prisma, { secret: `ty_${"x".repeat(43)}` })).toMatchObject({ ok: false, reason: "Unknown API token" });

  const soon = new Date(Date.now() + 60_000);
  const expiring = await createApiToken(t.db.prisma, { input: { name: "nightly", scopes: ["train"], expiresAt: soon }, actor: "console" });
  expect((await authenticateToken(t.db.prisma, { secret: expiring.secret })).ok).toBe(true);
  const later = new Date(soon.getTime() + 1);
  expect(await authenticateToken(t.db.prisma, { secret: expiring.secret, now: later })).toMatchObject({ ok: false, name: "nightly", reason: expect.stringMatching(/expired/) });

  const revocable = await createApiToken(t.db.prisma, { input: { name: "leaked", scopes: ["admin"] }, actor: "console" });
  const revoked = await revokeApiToken(t.db.prisma, revocable.token.id);
  expect(revoked.revokedAt).toBeInstanceOf(Date);
  expect(await authenticateToken(t.db.prisma, { secret: revocable.secret })).toMatchObject({ ok: false, name: "leaked", reason: expect.stringMatching(/revoked/) });
  // Revoking again is harmless and keeps the original time.
  expect((await revokeApiToken(t.db.prisma, revocable.token.id)).revokedAt).toEqual(revoked.revokedAt);
});

test("invalid input is a VALIDATION error naming the field, and nothing is written", async () => {
  const before = await t.db.prisma.apiToken.count();
  const attempts = [
    { input: { name: " ", scopes: ["read" as const] }, path: "input.name" },
    { input: { name: "ci", scopes: [] }, path: "input.scopes" },
    { input: { name: "ci", scopes: ["read" as const], expiresAt: new Date(Date.now() - 1000) }, path: "input.expiresAt" },
  ];
  for (const { input, path } of attempts) {
    const error = await createApiToken(t.db.prisma, { input, actor: "console" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).fieldErrors.map((f) => f.path)).toContain(path);
  }
  expect(await t.db.prisma.apiToken.count()).toBe(before);
});

// Token checks are reused for a few seconds, so a busy client does not cost a database read per request
// (docs/decisions/0038-ingestion-hot-path.md); revocations must still take effect as documented.

test("a token checked once is not read again for a few seconds, but its expiry is checked on every use", async () => {
  const soon = new Date(Date.now() + 120_000);
  const { token, secret } = await createApiToken(t.db.prisma, { input: { name: "busy-gateway", scopes: ["ingest"], expiresAt: soon }, actor: "console" });
  expect(await authenticateToken(t.db.prisma, { secret })).toMatchObject({ ok: true, name: "busy-gateway" });
  // Nothing listens for token changes here, so only the reuse period bounds what this process answers.
  await t.db.prisma.$executeRaw`UPDATE "ApiToken" SET "name" = 'renamed' WHERE "id" = ${token.id}::uuid`;
  expect(await authenticateToken(t.db.prisma, { secret })).toMatchObject({ ok: true, name: "busy-gateway" });
  expect(await authenticateToken(t.db.prisma, { secret, now: new Date(soon.getTime() + 1) })).toMatchObject({ ok: false, reason: expect.stringMatching(/expired/) });
});

test("a token revoked by this process is refused at once, even while its check is reused, and even before the revocation commits elsewhere", async () => {
  const { token, secret } = await createApiToken(t.db.prisma, { input: { name: "leaked-later", scopes: ["ingest"] }, actor: "console" });
  expect((await authenticateToken(t.db.prisma, { secret })).ok).toBe(true);
  await inTransaction(t.db.prisma, (tx) => revokeApiToken(tx, token.id));
  expect(await authenticateToken(t.db.prisma, { secret })).toMatchObject({ ok: false, reason: expect.stringMatching(/revoked/) });
});

test("a revocation committed by another process is heard through the database and refused within a second", async () => {
  const watching = watchTokenChanges(t.db);
  try {
    await expect.poll(() => watching.listening, { timeout: 5_000 }).toBe(true);
    const { token, secret } = await createApiToken(t.db.prisma, { input: { name: "elsewhere", scopes: ["ingest"] }, actor: "console" });
    expect((await authenticateToken(t.db.prisma, { secret })).ok).toBe(true);
    // What another server process's revokeApiToken does to the row; this process did not revoke it itself.
    const revokedAt = Date.now();
    await t.db.prisma.$executeRaw`UPDATE "ApiToken" SET "revokedAt" = now() WHERE "id" = ${token.id}::uuid`;
    await expect.poll(async () => (await authenticateToken(t.db.prisma, { secret })).ok, { timeout: 1_000, interval: 20 }).toBe(false);
    expect(Date.now() - revokedAt).toBeLessThan(TOKEN_CACHE_MS);
  } finally {
    await watching.close();
  }
});

test("without change notifications, a revocation by another process is refused once the reuse period is over", async () => {
  const { token, secret } = await createApiToken(t.db.prisma, { input: { name: "unheard", scopes: ["ingest"] }, actor: "console" });
  expect((await authenticateToken(t.db.prisma, { secret })).ok).toBe(true);
  await t.db.prisma.$executeRaw`UPDATE "ApiToken" SET "revokedAt" = now() WHERE "id" = ${token.id}::uuid`;
  await new Promise((resolve) => setTimeout(resolve, TOKEN_CACHE_MS + 50));
  expect(await authenticateToken(t.db.prisma, { secret })).toMatchObject({ ok: false, reason: expect.stringMatching(/revoked/) });
}, 15_000);
