import { afterAll, beforeAll, expect, test } from "vitest";
import {
  createUser,
  endSession,
  ensureAdmin,
  hashPassword,
  sessionUser,
  setPassword,
  signIn,
  verifyPassword,
} from "../../graphql/services/accounts.ts";
import { LoginLimiter, LOGIN_WINDOW_MS } from "../../graphql/security/login-limit.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.drop());

test("passwords are stored as salted scrypt (N = 2^15), never as given", async () => {
  const hash = await hashPassword("correct-horse-battery");
  expect(hash).toMatch(/^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  expect(hash).not.toContain("correct-horse-battery");
  expect(await hashPassword("correct-horse-battery")).not.toBe(hash);
  expect(await verifyPassword("correct-horse-battery", hash)).toBe(true);
  expect(await verifyPassword("correct-horse-batterY", hash)).toBe(false);
});

test("bad account input is a VALIDATION or CONFLICT error and writes nothing", async () => {
  const before = await t.db.prisma.user.count();
  for (const input of [
    { name: "", password: "long-enough-pass", role: "viewer" },
    { name: "a\u0000b", password: "long-enough-pass", role: "viewer" },
    { name: "x".repeat(65), password: "long-enough-pass", role: "viewer" },
    { name: "ok-name", password: "short", role: "viewer" },
    { name: "ok-name", password: "long-enough-pass\u0007", role: "viewer" },
    { name: "ok-name", password: "long-enough-pass", role: "root" },
  ]) {
    await expect(createUser(t.db.prisma, input)).rejects.toMatchObject({ code: "VALIDATION" });
  }
  await createUser(t.db.prisma, { name: "dana", password: "long-enough-pass", role: "operator" });
  await expect(createUser(t.db.prisma, { name: "dana", password: "long-enough-pass", role: "viewer" })).rejects.toMatchObject({ code: "CONFLICT" });
  expect(await t.db.prisma.user.count()).toBe(before + 1);
});

test("sessions: sign-in opens one, unknown or ended ids resolve to nobody, a password change ends the others", async () => {
  await createUser(t.db.prisma, { name: "erin", password: "erin-password-1", role: "viewer" });
  expect((await signIn(t.db.prisma, { name: "erin", password: "wrong-password" })).ok).toBe(false);
  expect((await signIn(t.db.prisma, { name: "nobody", password: "erin-password-1" })).ok).toBe(false);
  const a = await signIn(t.db.prisma, { name: "erin", password: "erin-password-1" });
  const b = await signIn(t.db.prisma, { name: "erin", password: "erin-password-1" });
  if (!a.ok || !b.ok) throw new Error("sign-in failed");
  expect(await sessionUser(t.db.prisma, a.sessionId)).toMatchObject({ name: "erin", role: "VIEWER" });
  // Only the hash is stored.
  expect(await t.db.prisma.session.count({ where: { idHash: a.sessionId } })).toBe(0);
  expect(await sessionUser(t.db.prisma, "x".repeat(43))).toBeNull();
  const changed = await setPassword(t.db.prisma, { name: "erin", password: "erin-password-2", keepSessionId: a.sessionId });
  expect(changed.sessionsEnded).toBe(1);
  expect(await sessionUser(t.db.prisma, a.sessionId)).not.toBeNull();
  expect(await sessionUser(t.db.prisma, b.sessionId)).toBeNull();
  await endSession(t.db.prisma, a.sessionId);
  expect(await sessionUser(t.db.prisma, a.sessionId)).toBeNull();
  // An expired session is nobody's.
  const c = await signIn(t.db.prisma, { name: "erin", password: "erin-password-2" });
  if (!c.ok) throw new Error("sign-in failed");
  await t.db.prisma.session.updateMany({ where: { user: { name: "erin" } }, data: { expiresAt: new Date(Date.now() - 1000) } });
  expect(await sessionUser(t.db.prisma, c.sessionId)).toBeNull();
});

test("TRAINYARD_ADMIN_PASSWORD at start: creates the admin, leaves it alone when unchanged, updates it (ending its sessions) when changed", async () => {
  expect(await ensureAdmin(t.db.prisma, { name: "root-admin", password: "first-admin-password" })).toBe("created");
  const s = await signIn(t.db.prisma, { name: "root-admin", password: "first-admin-password" });
  if (!s.ok) throw new Error("sign-in failed");
  expect(await ensureAdmin(t.db.prisma, { name: "root-admin", password: "first-admin-password" })).toBe("unchanged");
  expect(await sessionUser(t.db.prisma, s.sessionId)).not.toBeNull();
  expect(await ensureAdmin(t.db.prisma, { name: "root-admin", password: "second-admin-password" })).toBe("updated");
  expect(await sessionUser(t.db.prisma, s.sessionId)).toBeNull();
  expect((await signIn(t.db.prisma, { name: "root-admin", password: "second-admin-password" })).ok).toBe(true);
  // An existing viewer named by the environment becomes an admin.
  await createUser(t.db.prisma, { name: "promoted", password: "promoted-password", role: "viewer" });
  expect(await ensureAdmin(t.db.prisma, { name: "promoted", password: "promoted-password" })).toBe("updated");
  expect((await t.db.prisma.user.findUniqueOrThrow({ where: { name: "promoted" } })).role).toBe("ADMIN");
});

test("login limiter: 5 failures per account and address, 20 per address, Retry-After until the oldest ages out", () => {
  let now = 1_000_000;
  const limiter = new LoginLimiter(() => now);
  for (let i = 0; i < 5; i++) {
    expect(limiter.retryAfterSeconds("Alice", "10.0.0.1")).toBe(0);
    limiter.recordFailure("Alice", "10.0.0.1");
    now += 1000;
  }
  expect(limiter.retryAfterSeconds("alice", "10.0.0.1")).toBe(Math.ceil((LOGIN_WINDOW_MS - 5000) / 1000));
  // Another address, or another account from this address, is not limited.
  expect(limiter.retryAfterSeconds("alice", "10.0.0.2")).toBe(0);
  expect(limiter.retryAfterSeconds("bob", "10.0.0.1")).toBe(0);
  now += LOGIN_WINDOW_MS - 5000;
  expect(limiter.retryAfterSeconds("alice", "10.0.0.1")).toBe(0);
  // Spraying: 20 failures over many names from one address blocks that address.
  for (let i = 0; i < 20; i++) limiter.recordFailure(`user-${i}`, "10.0.0.9");
  expect(limiter.retryAfterSeconds("someone-else", "10.0.0.9")).toBeGreaterThan(0);
  // A success clears the account+address count.
  for (let i = 0; i < 4; i++) limiter.recordFailure("carol", "10.0.0.3");
  limiter.recordSuccess("carol", "10.0.0.3");
  limiter.recordFailure("carol", "10.0.0.3");
  expect(limiter.retryAfterSeconds("carol", "10.0.0.3")).toBe(0);
});
