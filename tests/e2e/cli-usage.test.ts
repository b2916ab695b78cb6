import { expect, test } from "vitest";
import { runTrainyard } from "../setup/cli.ts";

/*
 * Help and usage errors need no server: an address where nothing listens
 * proves the CLI never tried to connect (that would exit 7, unreachable).
 */
const NOWHERE = "http://127.0.0.1:9";
// Every command and subcommand the usage text lists: each must answer --help on its own.
const SUBCOMMANDS = [
  ["deploy"],
  ["jobs", "list"],
  ["jobs", "cancel"],
  ["jobs", "retry"],
  ["deployments", "list"],
  ["deployments", "pause"],
  ["deployments", "resume"],
  ["deployments", "retire"],
  ["deployments", "rollback"],
  ["tokens", "create"],
  ["tokens", "list"],
  ["tokens", "revoke"],
  ["users", "create"],
  ["users", "list"],
  ["users", "set-password"],
  ["migrate"],
  ["seed"],
  ["serve"],
  ["gateway"],
];
const GROUPS = [...new Set(SUBCOMMANDS.map(([group]) => group!))];
// Each case starts Node (with tsx) once or twice: generous on a loaded 2-core machine.
const SLOW = { timeout: 120_000 };

test.each(SUBCOMMANDS.map((words) => words.join(" ")))("trainyard %s --help prints its own usage and exits 0", SLOW, async (words) => {
  for (const flag of ["--help", "-h"]) {
    const run = await runTrainyard(NOWHERE, [...words.split(" "), flag]);
    expect({ flag, code: run.code, stderr: run.stderr }).toEqual({ flag, code: 0, stderr: "" });
    expect(run.stdout).toContain(`Usage: trainyard ${words} [options]`);
    expect(run.stdout).toMatch(new RegExp(`^  ${words}\\b`, "m"));
    expect(run.stdout).toContain("Exit codes:");
  }
});

test.each(GROUPS)("trainyard %s --help lists every subcommand of the group", SLOW, async (group) => {
  const run = await runTrainyard(NOWHERE, [group, "--help"]);
  expect(run.code).toBe(0);
  for (const words of SUBCOMMANDS.filter(([g]) => g === group)) expect(run.stdout).toMatch(new RegExp(`^  ${words.join(" ")}\\b`, "m"));
});

test("the overview lists every subcommand", SLOW, async () => {
  const run = await runTrainyard(NOWHERE, ["help"]);
  expect(run.code).toBe(0);
  for (const words of SUBCOMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${words.join(" ")}\\b`, "m"));
});

test("a subcommand's --help wins over its other arguments", SLOW, async () => {
  const run = await runTrainyard(NOWHERE, ["tokens", "create", "--scopes", "root", "--help"]);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("tokens create --name NAME --scopes");
  expect(run.stdout).not.toContain("tokens revoke");
});

// One usage mistake per command group at least; none of them reaches the server.
test.each([
  { args: ["deploy", "--job"], message: /Option '--job <value>' argument missing/ },
  { args: ["deploy", "--job", "x", "--timeout", "soon"], message: /--timeout must be a positive number \(got "soon"\)/ },
  { args: ["jobs"], message: /use "trainyard jobs list" or "trainyard jobs cancel\|retry ID"/ },
  { args: ["jobs", "list", "--status", "DONE"], message: /unknown status "DONE"; use one of QUEUED, RUNNING, COMPLETE, FAILED, CANCELLED/ },
  { args: ["jobs", "retry"], message: /jobs retry needs exactly one ID/ },
  { args: ["deployments", "list", "--limit", "0"], message: /--limit must be a positive number \(got "0"\)/ },
  { args: ["deployments", "pause", "a", "b"], message: /deployments pause needs exactly one deployment ID/ },
  { args: ["deployments", "rollback", "x", "--pause"], message: /Unknown option '--pause'/ },
  { args: ["deployments", "promote", "x"], message: /use "trainyard deployments list" or "trainyard deployments pause\|resume\|retire\|rollback ID"/ },
  { args: ["tokens", "create", "--name", "ci", "--scopes", "deploy,root"], message: /unknown scope "root"; use one or more of read, train, deploy, ingest, invoke, admin/ },
  { args: ["tokens", "create", "--name", "ci", "--scopes", ","], message: /unknown scopes \(none given\)/ },
  { args: ["tokens", "create", "--local", "--name", "ci", "--scopes", "root"], message: /unknown scope "root"/ },
  { args: ["tokens", "create", "--name", "ci", "--scopes", "read", "--expires-in", "3m"], message: /--expires-in takes hours, days or weeks/ },
  { args: ["tokens", "revoke"], message: /tokens revoke needs exactly one ID/ },
  { args: ["tokens", "rotate"], message: /unknown tokens command "rotate"; use create, list or revoke/ },
  { args: ["users", "create", "--name", "ana"], message: /users create needs --admin or --role/ },
  { args: ["users", "set-password"], message: /users set-password needs --name NAME/ },
  { args: ["users"], message: /users needs create, list or set-password/ },
  { args: ["seed", "--bogus"], message: /Unknown option '--bogus'/ },
  { args: ["migrate", "extra"], message: /Unexpected argument 'extra'/ },
  { args: ["serve", "--port", "80"], message: /Unknown option '--port'/ },
  { args: ["gateway", "now"], message: /Unexpected argument 'now'/ },
  { args: ["frobnicate"], message: /unknown command "frobnicate"/ },
])("usage error $args exits 2 with one clear line and contacts no server", SLOW, async ({ args, message }) => {
  const run = await runTrainyard(NOWHERE, args);
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: "" });
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toContain("Run `trainyard help` for usage.");
});
