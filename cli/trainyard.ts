import { exitWithOneLine } from "./fail.ts";
import { CliError, EXIT, printJson, usageError } from "./commands/cli.ts";
import { commandUsage, USAGE, wantsHelp } from "./commands/help.ts";

/** Each command group's module, loaded only when asked for: `trainyard jobs list` never loads the database code. */
const COMMANDS: Record<string, () => Promise<(args: string[]) => Promise<void>>> = {
  deploy: async () => (await import("./commands/deploy.ts")).deploy,
  jobs: async () => (await import("./commands/jobs.ts")).jobs,
  deployments: async () => (await import("./commands/deployments.ts")).deployments,
  tokens: async () => (await import("./commands/tokens.ts")).tokens,
  users: async () => (await import("./commands/users.ts")).users,
  migrate: async () => (await import("./commands/operations.ts")).migrate,
  seed: async () => (await import("./commands/operations.ts")).seed,
  serve: async () => (await import("./commands/operations.ts")).serve,
  gateway: async () => (await import("./commands/operations.ts")).gateway,
};

async function main(argv: string[]) {
  const [command, ...rest] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    process.stdout.write(USAGE);
    return;
  }
  // `trainyard <command> [<subcommand>] --help`: its usage on stdout, exit 0, nothing else runs.
  const help = Object.hasOwn(COMMANDS, command) && wantsHelp(rest) ? commandUsage(argv) : null;
  if (help) {
    process.stdout.write(help);
    return;
  }
  try {
    const load = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (!load) throw usageError(`unknown command "${command}"`);
    await (await load())(rest);
  } catch (err) {
    if (!(err instanceof CliError)) throw err;
    if (rest.includes("--json")) printJson({ error: { code: err.code ?? null, message: err.serverMessage ?? err.message, exitCode: err.exitCode } });
    console.error(`trainyard: ${err.message}`);
    if (err.exitCode === EXIT.usage) process.stderr.write("Run `trainyard help` for usage.\n");
    process.exit(err.exitCode);
  }
}

main(process.argv.slice(2)).catch(exitWithOneLine);
