/**
 * Database faults the caller can retry: the server is down, restarting, or
 * every pooled connection is busy. They become SERVICE_UNAVAILABLE (HTTP 503
 * with Retry-After) instead of "Unexpected error.", so clients know a retry
 * (with the same idempotency key) is the right answer.
 */
export const RETRY_AFTER_SECONDS = 1;

// SQLSTATE classes 08 (connection exception), 53 (insufficient resources), 57P (operator intervention: shutdown, crash, cannot connect now).
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/;
const UNAVAILABLE_ERRNO = new Set(["ECONNREFUSED", "ECONNRESET", "EPIPE", "ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"]);
const UNAVAILABLE_MESSAGE =
  /Connection terminated|Connection ended|timeout exceeded when trying to connect|Client has encountered a connection error|terminating connection|the database system is (starting up|shutting down|in recovery mode)|Client was closed and is not queryable|connection (is )?(closed|refused)|Transaction API error: Unable to start a transaction in the given time|Transaction already closed|the connection pool|ECONNREFUSED|ECONNRESET/i;
// Not "Cannot use a pool after calling end": a pool this process ended is a bug, never an outage to retry.
// Prisma's own codes for "cannot reach / lost the server" and "timed out fetching a connection".
const UNAVAILABLE_PRISMA = new Set(["P1001", "P1002", "P1017", "P2024", "P2028"]);
// The driver adapter's kinds for the same faults: a typed query maps them to the codes above, a raw query
// ($queryRaw, P2010 "Raw query failed") only carries them in `meta.driverAdapterError.cause.kind`.
const UNAVAILABLE_ADAPTER_KIND = new Set(["ConnectionClosed", "DatabaseNotReachable", "SocketTimeout", "TooManyConnections"]);

export function isDatabaseUnavailable(err: unknown, depth = 0): boolean {
  if (!err || typeof err !== "object" || depth > 6) return false;
  const e = err as {
    code?: unknown;
    kind?: unknown;
    message?: unknown;
    cause?: unknown;
    originalError?: unknown;
    errors?: unknown;
    meta?: { driverAdapterError?: unknown };
  };
  const code = typeof e.code === "string" ? e.code : "";
  if (code && (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_ERRNO.has(code) || UNAVAILABLE_PRISMA.has(code))) return true;
  if (typeof e.kind === "string" && UNAVAILABLE_ADAPTER_KIND.has(e.kind)) return true;
  if (typeof e.message === "string" && UNAVAILABLE_MESSAGE.test(e.message)) return true;
  const nested = [e.cause, e.originalError, e.meta?.driverAdapterError, ...(Array.isArray(e.errors) ? e.errors : [])];
  return nested.some((n) => isDatabaseUnavailable(n, depth + 1));
}

export const SERVICE_UNAVAILABLE_MESSAGE = "The database is unavailable right now. Retry shortly (the same idempotency key makes a retried batch count once).";

/**
 * Last line of defence for a long-running server: a database fault that
 * escaped its caller (an 'error' event or a rejected promise nobody awaited)
 * is logged and survived — the pool reconnects by itself. Anything else is a
 * bug: logged, and the process exits as Node would.
 */
export function surviveDatabaseFaults(log: (line: string) => void = (l) => console.warn(l)): void {
  const onFault = (kind: string) => (err: unknown) => {
    if (isDatabaseUnavailable(err)) {
      log(`[db] ${kind} while the database was unavailable: ${(err as Error)?.message ?? String(err)}`);
      return;
    }
    console.error(`[trainyard] ${kind}:`, err);
    process.exit(1);
  };
  process.on("uncaughtException", onFault("uncaught exception"));
  process.on("unhandledRejection", onFault("unhandled rejection"));
}
