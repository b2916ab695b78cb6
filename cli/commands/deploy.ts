import { apiFromEnv, found, graphql, readFragment, requireAction, unwrap, type Api } from "./api.ts";
import { CliError, EXIT, note, parse, positiveNumber, print, printJson, usageError } from "./cli.ts";
import { DeploymentFields, fetchDeployment, type Deployment } from "./deployments.ts";

const POLL_INTERVAL_MS = 1000;

const DeployableJob = graphql(`
  query DeployableJob($id: ID!) {
    trainingJob(id: $id) {
      id
      modelName
      status
      availableActions
      liveDeployment { id version status }
    }
  }
`);

const Deploy = graphql(
  `
  mutation Deploy($jobId: ID!, $upstreamUrl: String) {
    deployJob(jobId: $jobId, upstreamUrl: $upstreamUrl) {
      __typename
      ... on DeployJobSuccess { deployment { ...DeploymentFields } }
      ... on Error { code message }
    }
  }
`,
  [DeploymentFields],
);

export async function deploy(args: string[]) {
  const { values } = parse(args, {
    job: { type: "string" },
    upstream: { type: "string" },
    wait: { type: "boolean" },
    timeout: { type: "string" },
  });
  if (!values.job) throw usageError("deploy needs --job ID (see `trainyard jobs list --status COMPLETE`)");
  const timeoutSeconds = positiveNumber(values.timeout, "timeout", 600);
  const api = apiFromEnv();

  const job = found((await api.request(DeployableJob, { id: values.job })).trainingJob, "training job", values.job);
  const live = job.liveDeployment ? `; its deployment ${job.liveDeployment.version} (${job.liveDeployment.id}) is ${job.liveDeployment.status}` : "";
  requireAction(job, "DEPLOY", `training job ${job.id} (${job.modelName}, ${job.status}${live})`);

  const data = await api.request(Deploy, { jobId: job.id, upstreamUrl: values.upstream ?? null });
  let deployment = readFragment(DeploymentFields, unwrap(data.deployJob, "DeployJobSuccess").deployment);
  if (!values.json) print(`Deploying ${deployment.modelName} ${deployment.version} (deployment ${deployment.id})`);
  const started = Date.now();
  if (values.wait) {
    deployment = await waitForRollout(api, deployment, { timeoutMs: timeoutSeconds * 1000, quiet: Boolean(values.json) });
  }
  const waitedSeconds = values.wait ? Math.round((Date.now() - started) / 100) / 10 : undefined;
  if (values.json) printJson({ deployment, ...(waitedSeconds === undefined ? {} : { waitedSeconds }) });
  else if (values.wait) print(`${deployment.status}: ${deployment.endpointUrl} (after ${waitedSeconds} s)`);
  else print(`${deployment.status}: ${deployment.endpointUrl}\nRun with --wait to block until it is ACTIVE.`);
}

async function waitForRollout(api: Api, initial: Deployment, options: { timeoutMs: number; quiet: boolean }) {
  const deadline = Date.now() + options.timeoutMs;
  let current = initial;
  let lastProblem: CliError | undefined;
  for (;;) {
    if (current.status === "ACTIVE") return current;
    if (current.status === "FAILED" || current.status === "RETIRED") {
      throw new CliError(
        `rollout of ${current.modelName} ${current.version} ended ${current.status}${current.failureReason ? `: ${current.failureReason}` : ""}`,
        EXIT.rolloutFailed,
        current.status,
      );
    }
    if (Date.now() >= deadline) {
      const seconds = Math.round(options.timeoutMs / 1000);
      const extra = lastProblem ? `; last error: ${lastProblem.message}` : "";
      throw new CliError(`${current.modelName} ${current.version} is still ${current.status} after ${seconds} s${extra}`, EXIT.timeout, "TIMEOUT");
    }
    await new Promise((r) => setTimeout(r, Math.min(POLL_INTERVAL_MS, Math.max(0, deadline - Date.now()))));
    try {
      const next = await fetchDeployment(api, initial.id);
      if (!next) throw new CliError(`deployment ${initial.id} disappeared while waiting`, EXIT.rolloutFailed);
      if (!options.quiet && next.status !== current.status) note(`${next.status.toLowerCase()}…`);
      current = next;
      lastProblem = undefined;
    } catch (err) {
      // A dropped connection during a rollout is not the rollout failing: keep polling until the deadline.
      if (err instanceof CliError && err.exitCode === EXIT.unreachable) lastProblem = err;
      else throw err;
    }
  }
}
