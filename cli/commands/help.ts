/**
 * `trainyard <command> --help`: each command's lines of the main usage text,
 * so the overview and the per-command help never disagree.
 */
export function commandUsage(usage: string, command: string): string | null {
  const lines = usage.split("\n");
  const picked: string[] = [];
  let inBlock = false;
  let first = -1;
  lines.forEach((line, i) => {
    const starts = line.startsWith(`  ${command} `) || line === `  ${command}`;
    // A command's description continues on lines indented past the command column.
    const continues: boolean = inBlock && /^ {10,}\S/.test(line);
    inBlock = starts || continues;
    if (inBlock) picked.push(line);
    if (starts && first < 0) first = i;
  });
  if (picked.length === 0) return null;
  // API commands (above the "Operations" heading) name their environment; every command shares the exit codes.
  const operations = lines.findIndex((l) => l.startsWith("Operations"));
  const footer = lines.filter(
    (l) => (l.startsWith("  Environment:") && first < operations) || l.startsWith("Exit codes:") || /^[46] (refused|timed)/.test(l),
  );
  return [`Usage: trainyard ${command} [options]`, "", ...picked, "", ...footer, ""].join("\n");
}

/** True when the arguments ask for help rather than for the command. */
export const wantsHelp = (args: readonly string[]) => args.includes("--help") || args.includes("-h");
