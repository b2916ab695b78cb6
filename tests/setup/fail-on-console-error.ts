import { afterEach, beforeEach, vi } from "vitest";

// An error logged during a test is a failure of that test, even when its assertions pass.
let logged: unknown[][] = [];
const original = console.error;

beforeEach(() => {
  logged = [];
  vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => {
    logged.push(args);
    original(...args);
  });
});

afterEach(() => {
  vi.mocked(console.error).mockRestore();
  if (logged.length) {
    const first = logged[0]!.map((a) => (a instanceof Error ? a.message : String(a))).join(" ");
    throw new Error(`console.error was called ${logged.length} time(s) during the test; first: ${first}`);
  }
});
