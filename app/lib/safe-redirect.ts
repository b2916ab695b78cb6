/**
 * Only paths inside the console: a form field or query parameter must not send
 * the browser elsewhere ("//host", "/\\host" and absolute URLs fall back).
 */
export function safeRedirect(value: unknown, fallback = "/"): string {
  const to = typeof value === "string" ? value : "";
  return to.startsWith("/") && !to.startsWith("//") && !to.startsWith("/\\") ? to : fallback;
}
