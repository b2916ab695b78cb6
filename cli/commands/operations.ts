import type { Config } from "../../graphql/config.ts";
import { parse } from "./cli.ts";
import { withDatabase } from "./database.ts";

export async function migrate(args: string[]) {
  const { values } = parse(args, { "resolve-rolled-back": { type: "string" } });
  const { applyMigrations, resolveRolledBack } = await import("../../prisma/migrate.ts");
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
}

export async function seed(args: string[]) {
  parse(args, {});
  const { applyMigrations } = await import("../../prisma/migrate.ts");
  const { seedDemoData } = await import("../../prisma/seed.ts");
  await withDatabase(async (db) => {
    await applyMigrations(db);
    const result = await seedDemoData(db);
    console.log(`${db.label}: ${result.baseModels} base models, ${result.datasets} datasets; demo history ${result.demoHistoryWritten ? "written" : "already present"}`);
  });
}

/** A long-running server (console + API, or the gateway alone) that stops cleanly on Ctrl-C or SIGTERM. */
async function runServer(args: string[], start: (config: Config) => Promise<{ close(): Promise<unknown> }>) {
  parse(args, {});
  const { loadConfig } = await import("../../graphql/config.ts");
  const running = await start(loadConfig());
  const stop = () => void running.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

export const serve = (args: string[]) => runServer(args, async (config) => (await import("../server.ts")).serve(config));
export const gateway = (args: string[]) => runServer(args, async (config) => (await import("../gateway.ts")).startGatewayServer(config));
