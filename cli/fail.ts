import { ConfigError } from "../graphql/config.ts";
import { MigrationError } from "../prisma/migrate.ts";

/**
 * Operator-facing failures print one line saying what is wrong and what to do;
 * only a bug prints a stack trace.
 */
export function exitWithOneLine(err: unknown): never {
  const e = err as Error;
  if (e instanceof ConfigError || e instanceof MigrationError || (e && /^(No web build|Port \d+)/.test(e.message))) {
    console.error(`trainyard: ${e.message}`);
  } else {
    console.error(e);
  }
  process.exit(1);
}
