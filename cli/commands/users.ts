import { parse, print, printJson, table, usageError, when } from "./cli.ts";
import { readPassword, runLocalMutation, withMigratedDatabase } from "./database.ts";

async function create(args: string[]) {
  const { values } = parse(args, { name: { type: "string" }, admin: { type: "boolean" }, role: { type: "string" }, "password-stdin": { type: "boolean" } });
  const name = values.name;
  if (!name) throw usageError("users create needs --name NAME");
  if (values.admin && values.role && values.role.toUpperCase() !== "ADMIN") throw usageError("use --admin or --role, not both");
  const role = values.admin ? "ADMIN" : values.role;
  if (!role) throw usageError("users create needs --admin or --role viewer|operator|admin");
  const password = await readPassword(values["password-stdin"] ?? false);
  const { createUser } = await import("../../graphql/services/accounts.ts");
  const { result: user } = await runLocalMutation({ action: "createUser", scope: "admin", targetType: "User", targetId: name }, (tx) =>
    createUser(tx, { name, password, role }),
  );
  if (values.json) return printJson(user);
  print(`Created ${user.role.toLowerCase()} "${user.name}". Sign in at /login.`);
}

async function list(args: string[]) {
  const { values } = parse(args, {});
  const { listUsers } = await import("../../graphql/services/accounts.ts");
  const accounts = await withMigratedDatabase((db) => listUsers(db.prisma));
  if (values.json) return printJson(accounts);
  print(
    table(
      accounts.map((u) => ({ NAME: u.name, ROLE: u.role.toLowerCase(), CREATED: when(u.createdAt.toISOString()), "PASSWORD SET": when(u.passwordChangedAt.toISOString()) })),
      "No console accounts yet. Create the first admin with `trainyard users create --admin --name NAME`.",
    ),
  );
}

async function setPassword(args: string[]) {
  const { values } = parse(args, { name: { type: "string" }, "password-stdin": { type: "boolean" } });
  const name = values.name;
  if (!name) throw usageError("users set-password needs --name NAME");
  const password = await readPassword(values["password-stdin"] ?? false);
  const accounts = await import("../../graphql/services/accounts.ts");
  const { result } = await runLocalMutation({ action: "setPassword", scope: "admin", targetType: "User", targetId: name }, (tx) =>
    accounts.setPassword(tx, { name, password }),
  );
  if (values.json) return printJson({ name: result.user.name, sessionsEnded: result.sessionsEnded });
  print(`Password of "${result.user.name}" set; ${result.sessionsEnded} session${result.sessionsEnded === 1 ? "" : "s"} ended.`);
}

/** Console accounts, managed at the server's host (no HTTP): the first admin is made this way. */
export async function users(args: string[]) {
  const [sub, ...rest] = args;
  if (sub === "create") return create(rest);
  if (sub === "list") return list(rest);
  if (sub === "set-password") return setPassword(rest);
  throw usageError(sub ? `unknown users command "${sub}"; use create, list or set-password` : "users needs create, list or set-password");
}
