import { createServer } from "node:net";
import { afterAll, beforeAll, expect, test } from "vitest";
import { createTokenFromConsole, runTrainyard } from "../setup/cli.ts";
import { startServer, type TestServer } from "../setup/server.ts";
import { apiClient, cancelledJob, deployedJob, deploymentStatus, finishedJob, uniqueName } from "./fixtures.ts";

let server: TestServer;
let adminToken: string;
/** Makes each test's own jobs and deployments (tests/e2e/fixtures.ts): the seeded demo rows are only read. */
const api = apiClient(() => server.url, ["READ", "TRAIN", "DEPLOY"]);

const trainyard = (args: string[], env: Record<string, string | undefined> = {}) => runTrainyard(server.url, args, env);

async function graphql(query: string, token: string) {
  const res = await fetch(`${server.url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
  });
  return (await res.json()) as { data: any };
}

beforeAll(async () => {
  server = await startServer({
    env: { TRAINYARD_ROLLOUT_SECONDS: "2", TRAINYARD_ROLLOUT_FAILURE_RATE: "0", TRAINYARD_EXECUTOR: "off", TRAINYARD_SIMULATOR: "off" },
  });
  adminToken = await createTokenFromConsole(server.url, "platform-admin", ["ADMIN", "READ"]);
});
afterAll(() => server?.stop());

test("a CI pipeline deploys a completed job with one line and waits until it is ACTIVE", async () => {
  const created = await trainyard(["tokens", "create", "--name", "github-actions", "--scopes", "deploy", "--expires-in", "30d", "--json"], {
    TRAINYARD_TOKEN: adminToken,
  });
  expect(created.code, created.stderr).toBe(0);
  const token = JSON.parse(created.stdout) as { secret: string; scopes: string[]; prefix: string; expiresAt: string };
  expect(token.scopes).toEqual(["DEPLOY"]);
  expect(token.secret.startsWith(token.prefix)).toBe(true);

  const model = uniqueName("ci-deploy");
  const jobId = await finishedJob(api, model);
  const started = Date.now();
  const deployed = await trainyard(["deploy", "--job", jobId, "--wait", "--timeout", "60", "--json"], { TRAINYARD_TOKEN: token.secret });
  expect(deployed.code, deployed.stderr).toBe(0);
  const result = JSON.parse(deployed.stdout) as { deployment: { id: string; status: string; version: string; modelName: string }; waitedSeconds: number };
  expect(result.deployment).toMatchObject({ status: "ACTIVE", modelName: model, version: "v1.0.0" });
  // It really waited for the rollout (2 s here) rather than returning at DEPLOYING.
  expect(Date.now() - started).toBeGreaterThanOrEqual(1500);

  const audit = await graphql(
    `{ auditEvents(filter: { action: "deployJob", actor: "github-actions" }) { nodes { actor actorKind outcome targetId } } }`,
    adminToken,
  );
  expect(audit.data.auditEvents.nodes).toEqual([{ actor: "github-actions", actorKind: "TOKEN", outcome: "SUCCESS", targetId: result.deployment.id }]);

  // The same job again: the API no longer lists DEPLOY for it, so the CLI sends no mutation and says
  // what the API reports about the job instead (exit 4, one line).
  const again = await trainyard(["deploy", "--job", jobId], { TRAINYARD_TOKEN: token.secret });
  expect(again.code).toBe(4);
  expect(again.stderr.trim()).toBe(
    `trainyard: deploy is not available for training job ${jobId} (${model}, COMPLETE; its deployment v1.0.0 (${result.deployment.id}) is ACTIVE); the API offers: none (NOT_AVAILABLE)`,
  );
  const attempts = await graphql(`{ auditEvents(filter: { action: "deployJob", actor: "github-actions" }) { totalCount } }`, adminToken);
  expect(attempts.data.auditEvents.totalCount).toBe(1);

  const listed = await trainyard(["deployments", "list", "--status", "ACTIVE"], { TRAINYARD_TOKEN: token.secret });
  expect(listed.code).toBe(0);
  expect(listed.stdout).toMatch(/^ID\s+MODEL\s+VERSION\s+STATUS\s+ENDPOINT\s+DEPLOYED/);
  expect(listed.stdout).toMatch(new RegExp(`${result.deployment.id}\\s+${model}\\s+v1\\.0\\.0\\s+ACTIVE`));
});

test("bad, under-scoped and revoked tokens exit 3 and deploy nothing; every attempt is audited", async () => {
  // A job the API offers DEPLOY for (complete, never deployed): only the token stands in the way.
  const jobId = await finishedJob(api, uniqueName("bad-tokens"));
  const bad = await trainyard(["deploy", "--job", jobId], { TRAINYARD_TOKEN: "not-a-token" });
  expect(bad.code).toBe(3);
  expect(bad.stderr).toMatch(/^trainyard: Malformed API token.*\(UNAUTHENTICATED\)\n$/);

  const none = await trainyard(["deploy", "--job", jobId]);
  expect(none.code).toBe(3);

  const reader = JSON.parse((await trainyard(["tokens", "create", "--name", "dashboards", "--scopes", "read", "--json"], { TRAINYARD_TOKEN: adminToken })).stdout);
  const refused = await trainyard(["deploy", "--job", jobId, "--json"], { TRAINYARD_TOKEN: reader.secret });
  expect(refused.code).toBe(3);
  expect(JSON.parse(refused.stdout)).toMatchObject({ error: { code: "FORBIDDEN", exitCode: 3 } });

  const revoked = await trainyard(["tokens", "revoke", reader.id], { TRAINYARD_TOKEN: adminToken });
  expect(revoked.code).toBe(0);
  expect(revoked.stdout).toMatch(/^Revoked "dashboards"/);
  const afterRevoke = await trainyard(["jobs", "list"], { TRAINYARD_TOKEN: reader.secret });
  expect(afterRevoke.code).toBe(3);
  expect(afterRevoke.stderr).toMatch(/revoked/);

  const deployments = await graphql(`{ deployments(first: 50) { nodes { job { id } status } } }`, adminToken);
  expect(deployments.data.deployments.nodes.filter((d: any) => d.job.id === jobId).map((d: any) => d.status)).toEqual([]);
  const audit = await graphql(`{ auditEvents(filter: { action: "deployJob", outcome: REFUSED }) { nodes { actor errorCode } } }`, adminToken);
  expect(audit.data.auditEvents.nodes).toEqual(
    expect.arrayContaining([
      { actor: "anonymous", errorCode: "UNAUTHENTICATED" },
      { actor: "dashboards", errorCode: "FORBIDDEN" },
    ]),
  );

  const listed = await trainyard(["tokens", "list"], { TRAINYARD_TOKEN: adminToken });
  expect(listed.stdout).toMatch(/dashboards\s+ty_\S+…\s+read\s+REVOKED/);
  expect(listed.stdout).not.toContain(reader.secret);
});

test("deploy --upstream passes the model server's URL: a malformed one is refused (exit 4) and deploys nothing", async () => {
  const token = JSON.parse((await trainyard(["tokens", "create", "--name", "upstream-ci", "--scopes", "deploy,read", "--json"], { TRAINYARD_TOKEN: adminToken })).stdout);
  const jobId = await finishedJob(api, uniqueName("upstream"));
  const gql = async (query: string, variables: Record<string, unknown>) =>
    (await (await fetch(`${server.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token.secret}` },
      body: JSON.stringify({ query, variables }),
    })).json()) as { data: any };
  const bad = await trainyard(["deploy", "--job", jobId, "--upstream", "ftp://model-server:8080"], { TRAINYARD_TOKEN: token.secret });
  expect(bad.code).toBe(4);
  expect(bad.stderr).toMatch(/^trainyard: .*\(VALIDATION\)\n$/);
  const ok = await trainyard(["deploy", "--job", jobId, "--upstream", "http://127.0.0.1:9/", "--json"], { TRAINYARD_TOKEN: token.secret });
  expect(ok.code, ok.stderr).toBe(0);
  const { deployment } = JSON.parse(ok.stdout) as { deployment: { id: string; status: string } };
  // Nothing answers on port 9: the deployment waits for its readiness probe instead of turning ACTIVE on a timer.
  expect(deployment.status).toBe("DEPLOYING");
  const shown = await gql(`query ($id: ID!) { deployment(id: $id) { upstreamUrl simulated } }`, { id: deployment.id });
  expect(shown.data.deployment).toEqual({ upstreamUrl: "http://127.0.0.1:9", simulated: false }); // stored normalised
});

test("--wait gives up with exit 6 when the rollout outlasts --timeout", async () => {
  const token = JSON.parse((await trainyard(["tokens", "create", "--name", "impatient", "--scopes", "deploy", "--json"], { TRAINYARD_TOKEN: adminToken })).stdout);
  const run = await trainyard(["deploy", "--job", await finishedJob(api, uniqueName("impatient")), "--wait", "--timeout", "0.5"], { TRAINYARD_TOKEN: token.secret });
  expect(run.code).toBe(6);
  expect(run.stderr).toMatch(/is still DEPLOYING after/);
});

test("usage mistakes exit 2, an unreachable server exits 7, each with one line", async () => {
  const usage = await trainyard(["deploy"]);
  expect(usage.code).toBe(2);
  expect(usage.stderr.split("\n")[0]).toBe("trainyard: deploy needs --job ID (see `trainyard jobs list --status COMPLETE`)");
  expect((await trainyard(["jobs", "list", "--status", "DONE"])).code).toBe(2);

  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const down = await trainyard(["jobs", "list"], { TRAINYARD_URL: `http://127.0.0.1:${port}` });
  expect(down.code).toBe(7);
  expect(down.stderr.trim()).toMatch(/^trainyard: cannot reach Trainyard at http:\/\/127\.0\.0\.1:\d+\/graphql \(ECONNREFUSED\)/);
  expect(down.stderr.split("\n").filter(Boolean)).toHaveLength(1);

  const jobs = await trainyard(["jobs", "list", "--status", "COMPLETE", "--limit", "3"]);
  expect(jobs.code).toBe(0);
  expect(jobs.stdout.split("\n")[0]).toMatch(/^ID\s+MODEL\s+BASE MODEL\s+STATUS\s+PROGRESS\s+DEPLOYED\s+CREATED\s+ACTIONS$/);
  expect(jobs.stdout.trim().split("\n")).toHaveLength(4);
});

test("lifecycle commands act only on what the API lists in availableActions, and say what it offers otherwise", async () => {
  const token = JSON.parse((await trainyard(["tokens", "create", "--name", "operator-ci", "--scopes", "deploy,train", "--json"], { TRAINYARD_TOKEN: adminToken })).stdout);
  const as = { TRAINYARD_TOKEN: token.secret };
  const model = uniqueName("lifecycle");
  const completeJob = await finishedJob(api, model);
  const { id: faq } = await deployedJob(api, completeJob);
  await deploymentStatus(api, faq, "ACTIVE");

  const listed = await trainyard(["deployments", "list", "--model", model], as);
  expect(listed.stdout.split("\n")[0]).toMatch(/\sACTIONS$/);
  expect(listed.stdout).toMatch(new RegExp(`${faq}\\s+${model}\\s+v1\\.0\\.0\\s+ACTIVE\\s+.*\\spause, retire$`, "m"));

  const paused = await trainyard(["deployments", "pause", faq], as);
  expect(paused.code, paused.stderr).toBe(0);
  expect(paused.stdout.trim()).toBe(`${model} v1.0.0: ACTIVE → PAUSED`);

  const again = await trainyard(["deployments", "pause", faq, "--json"], as);
  expect(again.code).toBe(4);
  expect(JSON.parse(again.stdout)).toMatchObject({ error: { code: "NOT_AVAILABLE", exitCode: 4 } });
  expect(again.stderr).toMatch(new RegExp(`^trainyard: pause is not available for ${model} v1\\.0\\.0 \\(PAUSED\\); the API offers: (?=.*resume)(?=.*retire).*\\(NOT_AVAILABLE\\)\n$`));

  const resumed = await trainyard(["deployments", "resume", faq, "--json"], as);
  expect(resumed.code, resumed.stderr).toBe(0);
  expect(JSON.parse(resumed.stdout)).toMatchObject({ id: faq, status: "ACTIVE", availableActions: ["PAUSE", "RETIRE"] });

  // A completed job offers no retry; a cancelled one does, and the retry is queued.
  const completed = await trainyard(["jobs", "retry", completeJob], as);
  expect(completed.code).toBe(4);
  expect(completed.stderr).toMatch(/^trainyard: retry is not available for training job \S+ \(lifecycle-[0-9a-f]{8}, COMPLETE\); the API offers: none \(NOT_AVAILABLE\)\n$/);
  const cancelledName = uniqueName("cancelled");
  const retried = await trainyard(["jobs", "retry", await cancelledJob(api, cancelledName), "--json"], as);
  expect(retried.code, retried.stderr).toBe(0);
  expect(JSON.parse(retried.stdout)).toMatchObject({ modelName: cancelledName, status: "QUEUED", availableActions: ["CANCEL"] });

  // The refused attempts never reached a mutation: only the pause and the resume are audited.
  const audit = await graphql(`{ auditEvents(filter: { actor: "operator-ci" }) { nodes { action outcome } } }`, adminToken);
  expect(audit.data.auditEvents.nodes.map((e: any) => `${e.action} ${e.outcome}`).sort()).toEqual([
    "pauseDeployment SUCCESS",
    "resumeDeployment SUCCESS",
    "retryTrainingJob SUCCESS",
  ]);
});
