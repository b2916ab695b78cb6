import { expect, test } from "vitest";
import { runTrainyard } from "../setup/cli.ts";

/*
 * Help and usage errors need no server: an address where nothing listens
 * proves the CLI never tried to connect (that would exit 7, unreachable).
 */
const NOWHERE = "http://127.0.0.1:9";
const COMMANDS = ["deploy", "jobs", "deployments", "tokens", "migrate", "seed", "serve", "gateway"];
// Each case starts Node (with tsx) once or twice: generous on a loaded 2-core machine.
const SLOW = { timeout: 120_000 };

test.each(COMMANDS)("trainyard %s --help prints its usage and exits 0", SLOW, async (command) => {
  for (const flag of ["--help", "-h"]) {
    const run = await runTrainyard(NOWHERE, [command, flag]);
    expect({ flag, code: run.code, stderr: run.stderr }).toEqual({ flag, code: 0, stderr: "" });
    expect(run.stdout).toContain(`Usage: trainyard ${command}`);
    expect(run.stdout).toMatch(new RegExp(`^  ${command}\\b`, "m"));
    expect(run.stdout).toContain("Exit codes:");
  }
});

test("a subcommand's --help wins over its other arguments", SLOW, async () => {
  const run = await runTrainyard(NOWHERE, ["tokens", "create", "--scopes", "root", "--help"]);
  expect(run.code).toBe(0);
  expect(run.stdout).toContain("tokens create --name NAME --scopes");
});

test.each([
  { args: ["tokens", "create", "--name", "ci", "--scopes", "deploy,root"], message: /unknown scope "root"; use one or more of read, train, deploy, ingest, invoke, admin/ },
  { args: ["tokens", "create", "--name", "ci", "--scopes", ","], message: /unknown scopes \(none given\)/ },
  { args: ["seed", "--bogus"], message: /Unknown option '--bogus'/ },
  { args: ["migrate", "extra"], message: /Unexpected argument 'extra'/ },
  { args: ["jobs"], message: /use "trainyard jobs list"/ },
  { args: ["frobnicate"], message: /unknown command "frobnicate"/ },
])("usage error $args exits 2 with one clear line and contacts no server", SLOW, async ({ args, message }) => {
  const run = await runTrainyard(NOWHERE, args);
  expect({ code: run.code, stdout: run.stdout }).toEqual({ code: 2, stdout: "" });
  expect(run.stderr).toMatch(message);
  expect(run.stderr).toContain("Run `trainyard help` for usage.");
});
