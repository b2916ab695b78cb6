import { expect, test } from "vitest";
import { Prisma } from "../../graphql/generated/prisma/client.ts";
import { isDatabaseUnavailable } from "../../graphql/security/faults.ts";

// A raw query ($queryRaw) that loses its connection fails as P2010 "Raw query failed" with the driver
// adapter's error kind only in meta (a typed query gets P1017): both are an outage to retry, not a bug.
const rawFailure = (kind: string) =>
  new Prisma.PrismaClientKnownRequestError("Raw query failed. Code: `N/A`. Message: `Server has closed the connection.`", {
    code: "P2010",
    clientVersion: "test",
    meta: { driverAdapterError: { name: "DriverAdapterError", message: kind, cause: { kind } } },
  });

test.each(["ConnectionClosed", "DatabaseNotReachable", "SocketTimeout", "TooManyConnections"])("a raw query failing with %s is the database being unavailable", (kind) => {
  expect(isDatabaseUnavailable(rawFailure(kind))).toBe(true);
});

test("a raw query failing on a constraint is not", () => {
  expect(isDatabaseUnavailable(rawFailure("UniqueConstraintViolation"))).toBe(false);
});
