import { apiFromEnv, found, graphql, readFragment, requireAction, unwrap, type Api, type FragmentOf, type ResultOf } from "./api.ts";
import { actionList, enumList, limitOf, noteTruncated, parse, parseOneId, print, printJson, table, usageError, when } from "./cli.ts";

const JobFields = graphql(`
  fragment JobFields on TrainingJob {
    id
    modelName
    status
    progress
    createdAt
    availableActions
    baseModel { name }
    liveDeployment { id version status }
  }
`);
type Job = ResultOf<typeof JobFields>;
type JobStatus = Job["status"];

/** The schema's TrainingJobStatus values; the compiler fails here if the schema gains or loses one. */
const JOB_STATUSES = Object.keys({ QUEUED: 0, RUNNING: 0, COMPLETE: 0, FAILED: 0, CANCELLED: 0 } satisfies Record<JobStatus, 0>) as JobStatus[];

const ListJobs = graphql(
  `
  query Jobs($first: Int, $filter: TrainingJobFilter) {
    trainingJobs(first: $first, filter: $filter, sort: { field: CREATED, direction: DESC }) {
      totalCount
      nodes { ...JobFields }
    }
  }
`,
  [JobFields],
);

async function list(api: Api, args: string[]) {
  const { values } = parse(args, { status: { type: "string" }, limit: { type: "string" } });
  const status = enumList(values.status, JOB_STATUSES, "status");
  const data = await api.request(ListJobs, { first: limitOf(values.limit), filter: status ? { status } : null });
  const page = { totalCount: data.trainingJobs.totalCount, nodes: data.trainingJobs.nodes.map((n) => readJob(n)) };
  if (values.json) return printJson(page);
  print(
    table(
      page.nodes.map((j) => ({
        ID: j.id,
        MODEL: j.modelName,
        "BASE MODEL": j.baseModel.name,
        STATUS: j.status,
        PROGRESS: `${Math.round(j.progress * 100)}%`,
        DEPLOYED: j.liveDeployment ? `${j.liveDeployment.version} ${j.liveDeployment.status}` : "—",
        CREATED: when(j.createdAt),
        ACTIONS: actionList(j.availableActions),
      })),
      "No training jobs found.",
    ),
  );
  noteTruncated(page);
}

const JobById = graphql(`query Job($id: ID!) { trainingJob(id: $id) { ...JobFields } }`, [JobFields]);
const Cancel = graphql(
  `
  mutation Cancel($id: ID!) {
    cancelTrainingJob(id: $id) {
      __typename
      ... on CancelTrainingJobSuccess { job { ...JobFields } }
      ... on Error { code message }
    }
  }
`,
  [JobFields],
);
const Retry = graphql(
  `
  mutation Retry($id: ID!) {
    retryTrainingJob(id: $id) {
      __typename
      ... on RetryTrainingJobSuccess { job { ...JobFields } }
      ... on Error { code message }
    }
  }
`,
  [JobFields],
);

const readJob = (masked: FragmentOf<typeof JobFields>) => readFragment(JobFields, masked);

async function cancel(api: Api, job: Job) {
  return readJob(unwrap((await api.request(Cancel, { id: job.id })).cancelTrainingJob, "CancelTrainingJobSuccess").job);
}
async function retry(api: Api, job: Job) {
  return readJob(unwrap((await api.request(Retry, { id: job.id })).retryTrainingJob, "RetryTrainingJobSuccess").job);
}

async function act(api: Api, sub: "cancel" | "retry", args: string[]) {
  const { id, json } = parseOneId(args, `jobs ${sub}`, "trainyard jobs list");
  const masked = (await api.request(JobById, { id })).trainingJob;
  const job = readJob(found(masked, "training job", id));
  requireAction(job, sub === "cancel" ? "CANCEL" : "RETRY", `training job ${job.id} (${job.modelName}, ${job.status})`);
  const result = sub === "cancel" ? await cancel(api, job) : await retry(api, job);
  if (json) return printJson(result);
  print(sub === "cancel" ? `Cancelled ${result.modelName} (job ${result.id}).` : `Queued ${result.modelName} again as job ${result.id} (retry of ${job.id}).`);
}

export async function jobs(args: string[]) {
  const [sub, ...rest] = args;
  if (sub === "list") return list(apiFromEnv(), rest);
  if (sub === "cancel" || sub === "retry") return act(apiFromEnv(), sub, rest);
  throw usageError('use "trainyard jobs list" or "trainyard jobs cancel|retry ID"');
}
