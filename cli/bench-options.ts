import pg from "pg";

/**
 * What the benchmark scripts (cli/bench*.ts) share: their command line (`--name value` options and
 * `--flag`s) and the scratch database each one creates on a PostgreSQL server and drops afterwards.
 */

export interface BenchArgs {
  /** `--name <number>`, or `fallback` when the option is absent. */
  number(name: string, fallback: number): number;
  /** `--name` given. */
  flag(name: string): boolean;
  /** Exits with status 2 and `usage` on stderr unless `ok`. */
  check(ok: boolean, usage: string): void;
}

export function benchArgs(argv: readonly string[] = process.argv.slice(2)): BenchArgs {
  return {
    number(name, fallback) {
      const i = argv.indexOf(`--${name}`);
      return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : fallback;
    },
    flag: (name) => argv.includes(`--${name}`),
    check(ok, usage) {
      if (ok) return;
      console.error(usage);
      process.exit(2);
    },
  };
}

/** The server the benchmarks create their database on: DATABASE_URL, used as admin. */
export const benchAdminUrl = process.env.DATABASE_URL || "postgresql://postgres@127.0.0.1:5432/postgres";

export interface ScratchDatabase {
  name: string;
  url: string;
  /** The server's `server_version`. */
  version: string;
  /** Drops the database (unless `keep`, then says it was kept) and closes the admin connection. */
  drop(options?: { keep?: boolean; log?: (line: string) => void }): Promise<void>;
}

/** A new, empty database `name` on the admin server, with the admin connection that will drop it. */
export async function createScratchDatabase(name: string, adminUrl = benchAdminUrl): Promise<ScratchDatabase> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const version = (await admin.query<{ server_version: string }>("SHOW server_version")).rows[0]!.server_version;
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      name,
      url: url.toString(),
      version,
      async drop({ keep = false, log = (line: string) => process.stdout.write(`${line}\n`) } = {}) {
        try {
          if (keep) log(`kept database ${name}`);
          else await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        } finally {
          await admin.end();
        }
      },
    };
  } catch (err) {
    await admin.end();
    throw err;
  }
}
