import { SCOPES, type Scope } from "../../graphql/scopes.ts";
import { apiFromEnv, graphql, readFragment, unwrap, type Api } from "./api.ts";
import { note, parse, parseOneId, print, printJson, table, usageError, when } from "./cli.ts";
import { runLocalMutation } from "./database.ts";

const TokenFields = graphql(`
  fragment TokenFields on ApiToken {
    id
    name
    prefix
    scopes
    status
    createdAt
    lastUsedAt
    expiresAt
    revokedAt
  }
`);

const CreateToken = graphql(
  `
  mutation CreateToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      __typename
      ... on CreateApiTokenSuccess { secret token { ...TokenFields } }
      ... on Error { code message }
    }
  }
`,
  [TokenFields],
);
const ListTokens = graphql(`query Tokens { apiTokens(first: 200) { totalCount nodes { ...TokenFields } } }`, [TokenFields]);
const RevokeToken = graphql(
  `
  mutation Revoke($id: ID!) {
    revokeApiToken(id: $id) {
      __typename
      ... on RevokeApiTokenSuccess { token { ...TokenFields } }
      ... on Error { code message }
    }
  }
`,
  [TokenFields],
);

const CREATE_OPTIONS = {
  name: { type: "string" },
  scopes: { type: "string" },
  "expires-in": { type: "string" },
  "expires-at": { type: "string" },
} as const;

/** --name and --scopes, checked against the scopes the API knows (graphql/scopes.ts): a typo is a usage error, not a raw GraphQL error. */
function tokenRequest(args: string[], hint: string) {
  const { values } = parse(args, CREATE_OPTIONS);
  if (!values.name || !values.scopes) throw usageError(`tokens create needs --name NAME and --scopes ${hint}`);
  const asked = values.scopes.split(",").map((s) => s.trim().toLowerCase()).filter(Boolean);
  const unknown = asked.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length || asked.length === 0) {
    throw usageError(`unknown scope${unknown.length === 1 ? "" : "s"} ${unknown.map((u) => `"${u}"`).join(", ") || "(none given)"}; use one or more of ${SCOPES.join(", ")}`);
  }
  return { name: values.name, scopes: asked as Scope[], expiresAt: expiryFrom(values), json: values.json ?? false };
}

function expiryFrom(values: { "expires-in"?: string; "expires-at"?: string }): string | null {
  if (values["expires-in"] && values["expires-at"]) throw usageError("use --expires-in or --expires-at, not both");
  if (values["expires-at"]) {
    const date = new Date(values["expires-at"]);
    if (Number.isNaN(date.getTime())) throw usageError(`--expires-at must be a date such as 2027-01-31 (got "${values["expires-at"]}")`);
    return date.toISOString();
  }
  if (values["expires-in"]) {
    const match = /^(\d+)\s*([hdw])$/.exec(values["expires-in"].trim());
    if (!match) throw usageError(`--expires-in takes hours, days or weeks, e.g. 12h, 30d, 8w (got "${values["expires-in"]}")`);
    const hours = Number(match[1]) * { h: 1, d: 24, w: 168 }[match[2] as "h" | "d" | "w"];
    return new Date(Date.now() + hours * 3_600_000).toISOString();
  }
  return null;
}

function printSecret(secret: string, token: { name: string; prefix: string; scopes: readonly string[]; expiresAt: string | null }, by = "") {
  print(secret);
  const expires = token.expiresAt ? `, expires ${when(token.expiresAt)}` : "";
  note(`Created token "${token.name}" (${token.prefix}…, scopes: ${token.scopes.join(", ").toLowerCase()}${expires})${by}.`);
  note("Store the secret now (e.g. as a CI secret named TRAINYARD_TOKEN): it is not shown again.");
}

async function create(api: Api, args: string[]) {
  const request = tokenRequest(args, "read,deploy,…");
  const scopes = request.scopes.map((s) => s.toUpperCase() as Uppercase<Scope>);
  const data = await api.request(CreateToken, { input: { name: request.name, scopes, expiresAt: request.expiresAt } });
  const created = unwrap(data.createApiToken, "CreateApiTokenSuccess");
  const token = readFragment(TokenFields, created.token);
  if (request.json) return printJson({ ...token, secret: created.secret });
  printSecret(created.secret, token);
}

async function list(api: Api, args: string[]) {
  const { values } = parse(args, {});
  const data = await api.request(ListTokens, {});
  const page = { totalCount: data.apiTokens.totalCount, nodes: data.apiTokens.nodes.map((n) => readFragment(TokenFields, n)) };
  if (values.json) return printJson(page);
  print(
    table(
      page.nodes.map((t) => ({
        ID: t.id,
        NAME: t.name,
        PREFIX: `${t.prefix}…`,
        SCOPES: t.scopes.join(",").toLowerCase(),
        STATUS: t.status,
        CREATED: when(t.createdAt),
        "LAST USED": t.lastUsedAt ? when(t.lastUsedAt) : "never",
        EXPIRES: t.expiresAt ? when(t.expiresAt) : "never",
      })),
      "No API tokens yet. Create one with `trainyard tokens create` or on /settings/tokens.",
    ),
  );
}

async function revoke(api: Api, args: string[]) {
  const { id, json } = parseOneId(args, "tokens revoke", "trainyard tokens list");
  const token = readFragment(TokenFields, unwrap((await api.request(RevokeToken, { id })).revokeApiToken, "RevokeApiTokenSuccess").token);
  if (json) return printJson(token);
  print(`Revoked "${token.name}" (${token.prefix}…) at ${when(token.revokedAt)}`);
}

/** `tokens create --local`: the first API token, minted with direct database access (no HTTP, no console). */
async function createLocal(args: string[]) {
  const request = tokenRequest(args, "admin,…");
  const { createApiToken } = await import("../../graphql/services/tokens.ts");
  const { result, actor } = await runLocalMutation(
    { action: "createApiToken", scope: "admin", targetType: "ApiToken", detail: { name: request.name, scopes: request.scopes, via: "local" } },
    (tx, actor) => createApiToken(tx, { input: { name: request.name, scopes: request.scopes, expiresAt: request.expiresAt ? new Date(request.expiresAt) : null }, actor: actor.name }),
    (r) => ({ targetId: r.token.id }),
  );
  const { token, secret } = result;
  const shown = { id: token.id, name: token.name, prefix: token.prefix, scopes: token.scopes, expiresAt: token.expiresAt?.toISOString() ?? null };
  if (request.json) return printJson({ ...shown, secret });
  printSecret(secret, shown, ` as ${actor.name}`);
}

export async function tokens(args: string[]) {
  const [sub, ...rest] = args;
  if (sub === "create" && rest.includes("--local")) return createLocal(rest.filter((a) => a !== "--local"));
  if (sub === "create") return create(apiFromEnv(), rest);
  if (sub === "list") return list(apiFromEnv(), rest);
  if (sub === "revoke") return revoke(apiFromEnv(), rest);
  throw usageError(sub ? `unknown tokens command "${sub}"; use create, list or revoke` : "tokens needs create, list or revoke");
}
