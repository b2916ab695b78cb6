/**
 * Console sessions live in the database (graphql/security/console-auth.ts resolves the cookie
 * before Remix runs; routes reach the account operations as `context.console`). What is left
 * here is pure request handling.
 */

/** Only paths inside the console: a query parameter must not send the browser elsewhere. */
export function safeRedirect(value: unknown, fallback = "/"): string {
  const to = typeof value === "string" ? value : "";
  return to.startsWith("/") && !to.startsWith("//") && !to.startsWith("/\\") ? to : fallback;
}
