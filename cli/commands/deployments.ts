import { apiFromEnv, found, graphql, readFragment, requireAction, unwrap, type Api, type FragmentOf, type ResultOf } from "./api.ts";
import { actionList, enumList, limitOf, noteTruncated, parse, print, printJson, table, usageError, when } from "./cli.ts";

export const DeploymentFields = graphql(`
  fragment DeploymentFields on Deployment {
    id
    modelName
    version
    status
    endpointUrl
    failureReason
    createdAt
    availableActions
  }
`);
export type Deployment = ResultOf<typeof DeploymentFields>;
type DeploymentStatus = Deployment["status"];
type DeploymentAction = Deployment["availableActions"][number];

/** The schema's DeploymentStatus values; the compiler fails here if the schema gains or loses one. */
const DEPLOYMENT_STATUSES = Object.keys({ DEPLOYING: 0, ACTIVE: 0, PAUSED: 0, FAILED: 0, RETIRED: 0 } satisfies Record<DeploymentStatus, 0>) as DeploymentStatus[];

const ListDeployments = graphql(
  `
  query Deployments($first: Int, $filter: DeploymentFilter) {
    deployments(first: $first, filter: $filter, sort: { field: DEPLOYED, direction: DESC }) {
      totalCount
      nodes { ...DeploymentFields }
    }
  }
`,
  [DeploymentFields],
);

const DeploymentById = graphql(
  `
  query Deployment($id: ID!) {
    deployment(id: $id) { ...DeploymentFields }
  }
`,
  [DeploymentFields],
);

export async function fetchDeployment(api: Api, id: string): Promise<Deployment | null> {
  const data = await api.request(DeploymentById, { id });
  return data.deployment ? readFragment(DeploymentFields, data.deployment) : null;
}

async function list(api: Api, args: string[]) {
  const { values } = parse(args, { status: { type: "string" }, model: { type: "string" }, limit: { type: "string" } });
  const status = enumList(values.status, DEPLOYMENT_STATUSES, "status");
  const data = await api.request(ListDeployments, {
    first: limitOf(values.limit),
    filter: { ...(status ? { status } : {}), ...(values.model ? { modelName: values.model } : {}) },
  });
  const page = { totalCount: data.deployments.totalCount, nodes: data.deployments.nodes.map((n) => readFragment(DeploymentFields, n)) };
  if (values.json) return printJson(page);
  print(
    table(
      page.nodes.map((d) => ({
        ID: d.id,
        MODEL: d.modelName,
        VERSION: d.version,
        STATUS: d.status,
        ENDPOINT: d.endpointUrl,
        DEPLOYED: when(d.createdAt),
        ACTIONS: actionList(d.availableActions),
      })),
      "No deployments found.",
    ),
  );
  noteTruncated(page);
}

const Pause = graphql(
  `
  mutation Pause($id: ID!) {
    pauseDeployment(id: $id) {
      __typename
      ... on PauseDeploymentSuccess { deployment { ...DeploymentFields } }
      ... on Error { code message }
    }
  }
`,
  [DeploymentFields],
);
const Resume = graphql(
  `
  mutation Resume($id: ID!) {
    resumeDeployment(id: $id) {
      __typename
      ... on ResumeDeploymentSuccess { deployment { ...DeploymentFields } }
      ... on Error { code message }
    }
  }
`,
  [DeploymentFields],
);
const Retire = graphql(
  `
  mutation Retire($id: ID!) {
    retireDeployment(id: $id) {
      __typename
      ... on RetireDeploymentSuccess { deployment { ...DeploymentFields } }
      ... on Error { code message }
    }
  }
`,
  [DeploymentFields],
);
const Rollback = graphql(
  `
  mutation Rollback($id: ID!, $pauseCurrent: Boolean) {
    rollbackDeployment(id: $id, pauseCurrent: $pauseCurrent) {
      __typename
      ... on RollbackDeploymentSuccess { deployment { ...DeploymentFields } }
      ... on Error { code message }
    }
  }
`,
  [DeploymentFields],
);

/** Each lifecycle action: the mutation that performs it, narrowed to its success member. */
type Run = (api: Api, id: string, pauseCurrent: boolean) => Promise<FragmentOf<typeof DeploymentFields>>;
const LIFECYCLE: Record<Lowercase<DeploymentAction>, { action: DeploymentAction; run: Run }> = {
  pause: { action: "PAUSE", run: async (api, id) => unwrap((await api.request(Pause, { id })).pauseDeployment, "PauseDeploymentSuccess").deployment },
  resume: { action: "RESUME", run: async (api, id) => unwrap((await api.request(Resume, { id })).resumeDeployment, "ResumeDeploymentSuccess").deployment },
  retire: { action: "RETIRE", run: async (api, id) => unwrap((await api.request(Retire, { id })).retireDeployment, "RetireDeploymentSuccess").deployment },
  rollback: {
    action: "ROLLBACK",
    run: async (api, id, pauseCurrent) => unwrap((await api.request(Rollback, { id, pauseCurrent })).rollbackDeployment, "RollbackDeploymentSuccess").deployment,
  },
};

const isLifecycle = (sub: string | undefined): sub is keyof typeof LIFECYCLE => sub !== undefined && Object.hasOwn(LIFECYCLE, sub);

async function lifecycle(api: Api, sub: keyof typeof LIFECYCLE, args: string[]) {
  const { values, positionals } = parse(args, sub === "rollback" ? { "pause-current": { type: "boolean" } } : {}, true);
  if (positionals.length !== 1) throw usageError(`deployments ${sub} needs exactly one deployment ID (see \`trainyard deployments list\`)`);
  const id = positionals[0]!;
  const { action, run } = LIFECYCLE[sub];
  const before = found(await fetchDeployment(api, id), "deployment", id);
  requireAction(before, action, `${before.modelName} ${before.version} (${before.status})`);
  const after = readFragment(DeploymentFields, await run(api, id, values["pause-current"] === true));
  if (values.json) return printJson(after);
  print(`${after.modelName} ${after.version}: ${before.status} → ${after.status}`);
}

export async function deployments(args: string[]) {
  const [sub, ...rest] = args;
  if (sub === "list") return list(apiFromEnv(), rest);
  if (isLifecycle(sub)) return lifecycle(apiFromEnv(), sub, rest);
  throw usageError(`use "trainyard deployments list" or "trainyard deployments ${Object.keys(LIFECYCLE).join("|")} ID"`);
}
