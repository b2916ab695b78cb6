import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { Calculator, ChevronLeft, Loader2, Play } from "lucide-react";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { cn } from "~/lib/cn";
import { formatDuration, formatInteger, formatParameters } from "~/lib/format";
import { graphql } from "~/lib/graphql";
import { gql } from "~/server/gql.server";
import { redirectWithToast } from "~/server/toast.server";
import {
  fieldMessages,
  TRAINING_BOUNDS,
  TRAINING_DEFAULTS,
  tasksCompatible,
  trainingJobInputSchema,
  type TrainingJobField,
} from "../../graphql/validation/training.ts";

export const meta: MetaFunction = () => [{ title: "New training job · Trainyard" }];

const FormQuery = graphql(`
  query NewTrainingJobPage($datasetId: ID!, $batchSize: Int!, $epochs: Int!, $withEstimate: Boolean!) {
    baseModels(first: 200, sort: { field: NAME, direction: ASC }) {
      nodes {
        id
        name
        family
        task
        parametersBillions
      }
    }
    datasets {
      id
      name
      task
      rowCount
      format
    }
    trainingEstimate(datasetId: $datasetId, batchSize: $batchSize, epochs: $epochs) @include(if: $withEstimate) {
      totalSteps
      stepsPerEpoch
      estimatedSeconds
    }
  }
`);

const positiveInt = (v: string | null) => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 ? n : null;
};

export async function loader({ request, context }: LoaderFunctionArgs) {
  const params = new URL(request.url).searchParams;
  const datasetId = params.get("datasetId") ?? "";
  const batchSize = positiveInt(params.get("batchSize")) ?? TRAINING_DEFAULTS.batchSize;
  const epochs = positiveInt(params.get("epochs")) ?? TRAINING_DEFAULTS.epochs;
  const data = await gql(context, request, FormQuery, { datasetId, batchSize, epochs, withEstimate: datasetId !== "" });
  return json({ ...data, trainingEstimate: data.trainingEstimate ?? null, prefill: { baseModelId: params.get("baseModel") ?? "" } });
}

const CreateJob = graphql(`
  mutation CreateJobFromConsole($input: CreateTrainingJobInput!) {
    createTrainingJob(input: $input) {
      __typename
      ... on CreateTrainingJobSuccess {
        job {
          id
          modelName
          totalSteps
        }
      }
      ... on ValidationError {
        message
        fieldErrors {
          path
          message
        }
      }
      ... on Error {
        message
      }
    }
  }
`);

type Values = Partial<Record<TrainingJobField, string>>;
type Errors = Partial<Record<TrainingJobField, string>>;

// Rejected input answers 200 with the messages: the page re-renders with them (a 4xx would also be logged by the browser as a failed load).
export async function action({ request, context }: ActionFunctionArgs) {
  const form = await request.formData();
  const values: Values = {};
  for (const key of Object.keys(trainingJobInputSchema.shape) as TrainingJobField[]) {
    const v = form.get(key);
    if (typeof v === "string") values[key] = v;
  }
  const parsed = trainingJobInputSchema.safeParse(values);
  if (!parsed.success) {
    return json({ values, errors: fieldMessages(parsed.error), formError: "Fix the highlighted fields and submit again." });
  }
  const { createTrainingJob: r } = await gql(context, request, CreateJob, { input: parsed.data });
  if (r.__typename === "CreateTrainingJobSuccess") {
    return redirectWithToast(`/training/jobs/${r.job.id}`, {
      type: "success",
      title: `Training job ${r.job.modelName} queued`,
      description: `${formatInteger(r.job.totalSteps)} steps; it starts as soon as a trainer is free.`,
    });
  }
  const errors: Errors = {};
  if (r.__typename === "ValidationError") {
    for (const f of r.fieldErrors) {
      const key = f.path.replace(/^input\./, "") as TrainingJobField;
      errors[key] ??= f.message;
    }
  }
  return json({ values, errors, formError: "message" in r ? r.message : "The job could not be created." });
}

export default function NewTrainingJob() {
  const { baseModels, datasets, trainingEstimate, prefill } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const estimateFetcher = useFetcher<typeof loader>();
  const submitting = navigation.state !== "idle" && navigation.formMethod === "POST";
  const values: Values = actionData?.values ?? {};
  const [clientErrors, setClientErrors] = useState<Errors>({});
  const errors: Errors = { ...(actionData?.errors ?? {}), ...clientErrors };
  const formRef = useRef<HTMLFormElement>(null);
  // A new answer from the server replaces what the browser checked before it.
  useEffect(() => setClientErrors({}), [actionData]);

  const initialModel = values.baseModelId ?? (baseModels.nodes.some((m) => m.id === prefill.baseModelId) ? prefill.baseModelId : "");
  const [modelId, setModelId] = useState(initialModel);
  const model = baseModels.nodes.find((m) => m.id === modelId);
  // Datasets made for the model's own task come first: they are the likely choice.
  const compatible = datasets
    .filter((d) => !model || tasksCompatible(model.task, d.task))
    .sort((a, b) => Number(b.task === model?.task) - Number(a.task === model?.task));
  const [datasetId, setDatasetId] = useState(values.datasetId ?? compatible[0]?.id ?? "");

  // Keep the dataset choice valid for the chosen model.
  useEffect(() => {
    if (model && !compatible.some((d) => d.id === datasetId)) setDatasetId(compatible[0]?.id ?? "");
  }, [modelId]); // eslint-disable-line react-hooks/exhaustive-deps

  const refreshEstimate = () => {
    const form = formRef.current;
    if (!form) return;
    const data = new FormData(form);
    const q = new URLSearchParams({
      datasetId: String(data.get("datasetId") ?? ""),
      batchSize: String(data.get("batchSize") ?? ""),
      epochs: String(data.get("epochs") ?? ""),
    });
    estimateFetcher.load(`/training/new?${q}`);
  };
  // Also after a refused submit: the form then shows the submitted values, and the estimate must describe them.
  useEffect(refreshEstimate, [datasetId, actionData]); // eslint-disable-line react-hooks/exhaustive-deps

  /** The same schema as the server: check one field when the user leaves it. */
  const validateField = (name: TrainingJobField) => {
    const form = formRef.current;
    if (!form) return;
    const data = Object.fromEntries(new FormData(form)) as Record<string, string>;
    const result = trainingJobInputSchema.safeParse(data);
    const message = result.success ? undefined : fieldMessages(result.error)[name];
    setClientErrors((prev) => ({ ...prev, [name]: message }));
  };

  const estimate = estimateFetcher.data ? estimateFetcher.data.trainingEstimate : trainingEstimate;
  const dataset = datasets.find((d) => d.id === datasetId);
  const estimating = estimateFetcher.state !== "idle";

  return (
    <>
      <Link to="/training/jobs" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-900">
        <ChevronLeft className="h-4 w-4" aria-hidden /> Training jobs
      </Link>
      <PageHeader title="New training job" description="Fine-tune a base model on one of your datasets with LoRA. Defaults suit most 7B chat fine-tunes." />
      <Form method="post" ref={formRef} noValidate className="grid grid-cols-1 gap-6 xl:grid-cols-3" aria-label="Training job configuration">
        <div className="space-y-6 xl:col-span-2">
          {actionData?.formError ? (
            <div role="alert" className="rounded-xl border border-red-200 bg-red-50 px-4 py-3 text-sm text-red-800">
              {actionData.formError}
            </div>
          ) : null}
          <Card>
            <CardHeader title="Model and data" />
            <div className="grid grid-cols-1 gap-5 p-5 md:grid-cols-2">
              <Field name="baseModelId" label="Base model" error={errors.baseModelId}>
                <select
                  id="baseModelId"
                  name="baseModelId"
                  value={modelId}
                  onChange={(e) => {
                    setModelId(e.target.value);
                    setClientErrors((p) => ({ ...p, baseModelId: undefined }));
                  }}
                  className={inputClass(errors.baseModelId)}
                  aria-invalid={Boolean(errors.baseModelId)}
                  aria-describedby={errors.baseModelId ? "baseModelId-error" : undefined}
                >
                  <option value="">Choose a base model…</option>
                  {baseModels.nodes.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name} ({formatParameters(m.parametersBillions)})
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                name="datasetId"
                label="Dataset"
                error={errors.datasetId}
                hint={dataset ? `${formatInteger(dataset.rowCount)} rows · ${dataset.format}` : undefined}
              >
                <select
                  id="datasetId"
                  name="datasetId"
                  value={datasetId}
                  onChange={(e) => {
                    setDatasetId(e.target.value);
                    setClientErrors((p) => ({ ...p, datasetId: undefined }));
                  }}
                  className={inputClass(errors.datasetId)}
                  aria-invalid={Boolean(errors.datasetId)}
                  aria-describedby={errors.datasetId ? "datasetId-error" : undefined}
                >
                  <option value="">Choose a dataset…</option>
                  {datasets.map((d) => (
                    <option key={d.id} value={d.id} disabled={Boolean(model) && !tasksCompatible(model!.task, d.task)}>
                      {d.name} ({d.task.toLowerCase().replace(/_/g, " ")})
                    </option>
                  ))}
                </select>
              </Field>
              <Field
                name="modelName"
                label="Model name"
                error={errors.modelName}
                hint="Deployments are versioned under this name: lowercase letters, digits and hyphens."
                className="md:col-span-2"
              >
                <input
                  id="modelName"
                  name="modelName"
                  type="text"
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="e.g. support-assistant"
                  defaultValue={values.modelName ?? ""}
                  onBlur={() => validateField("modelName")}
                  className={inputClass(errors.modelName)}
                  aria-invalid={Boolean(errors.modelName)}
                  aria-describedby={errors.modelName ? "modelName-error" : "modelName-hint"}
                />
              </Field>
            </div>
          </Card>
          <Card>
            <CardHeader title="Hyper-parameters" description="LoRA adapters on all attention projections; AdamW with linear warm-up and cosine decay." />
            <div className="grid grid-cols-1 gap-5 p-5 sm:grid-cols-2 md:grid-cols-3">
              {NUMBER_FIELDS.map((f) => (
                <Field key={f.name} name={f.name} label={f.label} error={errors[f.name]} hint={f.hint}>
                  <input
                    id={f.name}
                    name={f.name}
                    type="number"
                    // The bounds of graphql/validation/training.ts; the form is noValidate, so the same schema's messages are shown.
                    min={TRAINING_BOUNDS[f.name as keyof typeof TRAINING_BOUNDS]?.min}
                    max={TRAINING_BOUNDS[f.name as keyof typeof TRAINING_BOUNDS]?.max}
                    step={f.name === "learningRate" ? "any" : 1}
                    inputMode={f.name === "learningRate" ? "decimal" : "numeric"}
                    defaultValue={values[f.name] ?? String(TRAINING_DEFAULTS[f.name as keyof typeof TRAINING_DEFAULTS])}
                    onChange={() => {
                      if (f.name === "batchSize" || f.name === "epochs") refreshEstimate();
                    }}
                    onBlur={() => validateField(f.name)}
                    className={inputClass(errors[f.name])}
                    aria-invalid={Boolean(errors[f.name])}
                    aria-describedby={errors[f.name] ? `${f.name}-error` : `${f.name}-hint`}
                  />
                </Field>
              ))}
            </div>
          </Card>
        </div>
        <div className="space-y-6">
          <Card>
            <CardHeader title="Estimate" description="From the dataset's row count, batch size and epochs." />
            <div className={cn("space-y-3 p-5 transition-opacity", estimating && "opacity-60")} data-testid="training-estimate" aria-live="polite">
              {estimate ? (
                <>
                  <div className="flex items-baseline justify-between">
                    <span className="text-sm text-slate-500">Total steps</span>
                    <span className="text-2xl font-semibold tabular-nums text-slate-900" data-testid="estimate-steps">
                      {formatInteger(estimate.totalSteps)}
                    </span>
                  </div>
                  <div className="flex items-baseline justify-between text-sm">
                    <span className="text-slate-500">Steps per epoch</span>
                    <span className="tabular-nums text-slate-900">{formatInteger(estimate.stepsPerEpoch)}</span>
                  </div>
                  <div className="flex items-baseline justify-between text-sm">
                    <span className="text-slate-500">Duration</span>
                    <span className="tabular-nums text-slate-900" data-testid="estimate-duration">
                      {estimate.estimatedSeconds === null ? "set by your trainer" : `about ${formatDuration(estimate.estimatedSeconds)}`}
                    </span>
                  </div>
                  <p className="text-xs text-slate-500">
                    {estimate.estimatedSeconds === null
                      ? "The built-in simulated trainer is off; an external trainer claims this job and sets its pace."
                      : "On the built-in simulated trainer: a compressed-time simulation with a synthetic loss curve; no model is trained."}
                  </p>
                </>
              ) : (
                <p className="flex items-center gap-2 text-sm text-slate-500">
                  <Calculator className="h-4 w-4" aria-hidden /> Choose a dataset and a valid batch size and epoch count to see the estimate.
                </p>
              )}
            </div>
          </Card>
          <Button type="submit" className="w-full" disabled={submitting}>
            {submitting ? <Loader2 className="h-4 w-4 animate-spin" aria-hidden /> : <Play className="h-4 w-4" aria-hidden />}
            {submitting ? "Queuing…" : "Start training"}
          </Button>
        </div>
      </Form>
    </>
  );
}

const { epochs, learningRate, batchSize, loraRank, warmupSteps } = TRAINING_BOUNDS;
const NUMBER_FIELDS: Array<{ name: TrainingJobField; label: string; hint: string }> = [
  { name: "epochs", label: "Epochs", hint: `Passes over the dataset, ${epochs.min}–${epochs.max}.` },
  { name: "learningRate", label: "Learning rate", hint: `Peak rate, ${learningRate.min} to ${learningRate.max}; LoRA usually 1e-4 to 3e-4.` },
  { name: "batchSize", label: "Batch size", hint: `Examples per step, ${batchSize.min}–${batchSize.max}.` },
  { name: "loraRank", label: "LoRA rank", hint: `Adapter size, ${loraRank.min}–${loraRank.max}; 8–64 is typical.` },
  { name: "warmupSteps", label: "Warm-up steps", hint: `${warmupSteps.min}–${formatInteger(warmupSteps.max)}, fewer than the total steps.` },
  { name: "seed", label: "Seed", hint: "Same seed, same data order and initialisation." },
];

const inputClass = (error: string | undefined) =>
  cn(
    "block w-full rounded-lg border bg-white px-3 py-2 text-sm text-slate-900 shadow-sm focus:outline-none focus:ring-1",
    error ? "border-red-400 focus:border-red-500 focus:ring-red-500" : "border-slate-300 focus:border-indigo-500 focus:ring-indigo-500",
  );

function Field(props: { name: string; label: string; error?: string; hint?: string; className?: string; children: ReactNode }) {
  return (
    <div className={props.className}>
      <label htmlFor={props.name} className="mb-1 block text-sm font-medium text-slate-700">
        {props.label}
      </label>
      {props.children}
      {props.error ? (
        <p id={`${props.name}-error`} className="mt-1 text-xs font-medium text-red-700" role="alert">
          {props.error}
        </p>
      ) : props.hint ? (
        <p id={`${props.name}-hint`} className="mt-1 text-xs text-slate-500">
          {props.hint}
        </p>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
