const API_NOTES = `  An action is sent only when the API lists it in the object's availableActions;
  otherwise the command exits 4 and says what the API offers instead.
  Environment: TRAINYARD_URL (default http://localhost:3000), TRAINYARD_TOKEN (an API token).`;

export const USAGE = `Usage: trainyard <command> [options]

API commands (talk to a running Trainyard over HTTP):
  deploy --job ID [--upstream URL] [--wait] [--timeout S] [--json]
                         deploy a COMPLETE training job; --upstream is where its
                         model server listens (ACTIVE once GET URL/health answers
                         2xx; without it the simulated model server answers);
                         --wait returns when the deployment is ACTIVE (default
                         timeout 600 s)
  jobs list [--status S[,S]] [--limit N] [--json]
                         training jobs with their live deployment and the actions
                         the API offers for each
  jobs cancel ID [--json]
  jobs retry ID [--json]
  deployments list [--status S[,S]] [--model TEXT] [--limit N] [--json]
  deployments pause ID [--json]
  deployments resume ID [--json]
  deployments retire ID [--json]
  deployments rollback ID [--pause-current] [--json]
                         make this earlier version ACTIVE again (the current one
                         is retired, or paused with --pause-current)
  tokens create --name NAME --scopes read,deploy [--expires-in 30d | --expires-at DATE] [--json]
  tokens list [--json]
  tokens revoke ID [--json]

${API_NOTES}

Operations (use DATABASE_URL, or the embedded database in TRAINYARD_DATA_DIR):
  users create --name NAME (--admin | --role viewer|operator|admin) [--password-stdin]
                                         create a console account (prompts for the password on a
                                         terminal; --password-stdin reads its first line)
  users list [--json]                    the console accounts and their roles
  users set-password --name NAME [--password-stdin]
                                         set a password; every session of that account ends
  tokens create --local --name NAME --scopes admin[,…] [--expires-in 30d] [--json]
                                         mint an API token on this host without HTTP (the first
                                         token); prints the secret once; audited as local:<os user>
  migrate [--resolve-rolled-back NAME]   apply pending migrations
  seed                                   write the demo data (idempotent)
  serve                                  run the web console and API (PORT, default 3000)
  gateway                                run the inference gateway on its own (DATABASE_URL; TRAINYARD_GATEWAY_PORT, default 8080)

Exit codes: 0 ok, 1 unexpected error, 2 usage, 3 authentication or permission,
4 refused (e.g. job not complete, already deployed, not found, action not available),
5 rollout failed, 6 timed out waiting, 7 server unreachable. See docs/cli.md.
`;

/**
 * `trainyard <command> [<subcommand>] --help`: that command's lines of the main usage
 * text (only the subcommand's when it names one), so the overview and the per-command
 * help never disagree. Null for a command the usage does not know.
 */
export function commandUsage(words: readonly string[], usage = USAGE): string | null {
  const [command, sub] = words;
  if (!command) return null;
  const lines = usage.split("\n");
  const pick = (prefix: string) => {
    const picked: string[] = [];
    let first = -1;
    let inBlock = false;
    lines.forEach((line, i) => {
      const starts = line.startsWith(`  ${prefix} `) || line === `  ${prefix}`;
      // A command's description continues on lines indented past the command column.
      inBlock = starts || (inBlock && /^ {10,}\S/.test(line));
      if (inBlock) picked.push(line);
      if (starts && first < 0) first = i;
    });
    return { picked, first, prefix };
  };
  const narrow = sub && !sub.startsWith("-") ? pick(`${command} ${sub}`) : undefined;
  const { picked, first, prefix } = narrow?.picked.length ? narrow : pick(command);
  if (picked.length === 0) return null;
  // API commands (above the "Operations" heading) name their environment and the availableActions rule; every command shares the exit codes.
  const operations = lines.findIndex((l) => l.startsWith("Operations"));
  const apiNotes = first < operations ? API_NOTES.split("\n") : [];
  const exitStart = lines.findIndex((l) => l.startsWith("Exit codes:"));
  const footer = [...apiNotes, ...(apiNotes.length ? [""] : []), ...lines.slice(exitStart).filter(Boolean)];
  return [`Usage: trainyard ${prefix} [options]`, "", ...picked, "", ...footer, ""].join("\n");
}

/** True when the arguments ask for help rather than for the command. */
export const wantsHelp = (args: readonly string[]) => args.includes("--help") || args.includes("-h");
