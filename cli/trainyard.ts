import { parseArgs } from "node:util";
import { loadConfig } from "../graphql/config.ts";
import { openDatabase } from "../graphql/db.ts";
import { applyMigrations, resolveRolledBack } from "../prisma/migrate.ts";
import { seedDemoData } from "../prisma/seed.ts";
import { exitWithOneLine } from "./fail.ts";

const USAGE = `Usage: trainyard <command>

Operations (use DATABASE_URL, or the embedded database in TRAINYARD_DATA_DIR):
  migrate [--resolve-rolled-back NAME]   apply pending migrations
  seed                                   write the demo data (idempotent)
  serve                                  run the web console and API (PORT, default 3000)
`;

async function withDatabase<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolSize: 2 });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  switch (command) {
    case "migrate": {
      const { values } = parseArgs({ args: rest, options: { "resolve-rolled-back": { type: "string" } } });
      await withDatabase(async (db) => {
        const name = values["resolve-rolled-back"];
        if (name) {
          const ok = await resolveRolledBack(db, name);
          console.log(ok ? `marked ${name} as rolled back` : `no failed migration named ${name}`);
          if (!ok) process.exitCode = 1;
          return;
        }
        const result = await applyMigrations(db, { log: (l) => console.log(l) });
        for (const w of result.warnings) console.warn(`warning: ${w}`);
        console.log(`${db.label}: ${result.applied.length} applied, ${result.alreadyApplied} already applied`);
      });
      return;
    }
    case "seed":
      await withDatabase(async (db) => {
        await applyMigrations(db);
        const result = await seedDemoData(db);
        console.log(
          `${db.label}: ${result.baseModels} base models, ${result.datasets} datasets; demo history ${result.demoHistoryWritten ? "written" : "already present"}`,
        );
      });
      return;
    case "serve": {
      const { serve } = await import("./server.ts");
      const running = await serve(loadConfig());
      const stop = () => void running.close().then(() => process.exit(0));
      process.on("SIGINT", stop);
      process.on("SIGTERM", stop);
      return;
    }
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(USAGE);
      return;
    default:
      console.error(`trainyard: unknown command "${command}"\n`);
      process.stderr.write(USAGE);
      process.exit(2);
  }
}

main(process.argv.slice(2)).catch(exitWithOneLine);
