import { afterAll, beforeAll, expect, test } from "vitest";
import { systemActor, type Actor } from "../../graphql/context.ts";
import { seedDemoData, seedUuid } from "../../prisma/seed.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";
import { query } from "../setup/graphql.ts";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
  await seedDemoData(t.db);
});
afterAll(() => t.drop());

const CANCEL = `mutation ($id: ID!) {
  cancelTrainingJob(id: $id) {
    __typename
    ... on CancelTrainingJobSuccess { job { id status errorMessage } }
    ... on Error { code message }
  }
}`;

test("cancelling a queued job makes it CANCELLED and records who did it", async () => {
  const id = seedUuid("calls-queued");
  const data = await query(t.db, CANCEL, { id });
  expect(data.cancelTrainingJob).toMatchObject({ __typename: "CancelTrainingJobSuccess", job: { id, status: "CANCELLED", errorMessage: "Cancelled by console" } });
  const audit = await t.db.prisma.auditEvent.findFirst({ where: { action: "cancelTrainingJob", targetId: id }, orderBy: { id: "desc" } });
  expect(audit).toMatchObject({ actor: "console", outcome: "SUCCESS" });
});

test("cancelling a finished job is an INVALID_STATE error and changes nothing", async () => {
  const id = seedUuid("sql-v1");
  const before = await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id } });
  const data = await query(t.db, CANCEL, { id });
  expect(data.cancelTrainingJob).toMatchObject({ __typename: "InvalidStateError", code: "INVALID_STATE" });
  expect(await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id } })).toEqual(before);
  const audit = await t.db.prisma.auditEvent.findFirst({ where: { action: "cancelTrainingJob", targetId: id } });
  expect(audit).toMatchObject({ outcome: "REFUSED", errorCode: "INVALID_STATE" });
});

test("an unknown job is NOT_FOUND; an actor without the train scope is FORBIDDEN", async () => {
  const missing = await query(t.db, CANCEL, { id: "00000000-0000-4000-8000-000000000000" });
  expect(missing.cancelTrainingJob).toMatchObject({ __typename: "NotFoundError", code: "NOT_FOUND" });
  const reader: Actor = { ...systemActor("reader"), scopes: new Set(["read"]) };
  const id = seedUuid("sdk-running");
  const refused = await query(t.db, CANCEL, { id }, reader);
  expect(refused.cancelTrainingJob).toMatchObject({ __typename: "ForbiddenError", code: "FORBIDDEN" });
  expect((await t.db.prisma.trainingJob.findUniqueOrThrow({ where: { id } })).status).toBe("RUNNING");
});
