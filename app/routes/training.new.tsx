import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { getFormProps, getInputProps, getSelectProps, useForm } from "@conform-to/react";
import { Form, Link, useActionData, useFetcher, useLoaderData, useNavigation } from "@remix-run/react";
import { Calculator, ChevronLeft, Loader2, Play } from "lucide-react";
import { useEffect, useRef, useState } from "react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { Button } from "~/components/ui/button";
import { Card, CardHeader } from "~/components/ui/card";
import { FormErrors, FormField, inputClass } from "~/components/ui/form-field";
import { PageHeader } from "~/components/ui/page-header";
import { cn } from "~/lib/cn";
import { formatDuration, formatInteger, formatParameters } from "~/lib/format";
import { MutationFailure } from "~/lib/fragments";
import { graphql } from "~/lib/graphql";
import { parseWithSchema } from "~/lib/parse-form";
import { replyWithApiErrors } from "~/server/form.server";
import { gql } from "~/server/gql.server";
import { redirectWithToast } from "~/server/toast.server";
import {
  TRAINING_BOUNDS,
  TRAINING_DEFAULTS,
  tasksCompatible,
  trainingJobInputSchema,
  type TrainingJobInput,
} from "../../graphql/validation/training.ts";

export const meta: MetaFunction = () => [{ title: "New training job · Trainyard" }];

const FormQuery = /* @__PURE__ */ graphql(`
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

const CreateJob = /* @__PURE__ */ graphql(`
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
      ...MutationFailure
    }
  }
`, [MutationFailure]);

// Rejected input answers 200 with Conform's reply: the page re-renders with the messages per field
// (a 4xx would also be logged by the browser as a failed load).
export async function action({ request, context }: ActionFunctionArgs) {
  const submission = parseWithSchema(await request.formData(), trainingJobInputSchema);
  if (submission.status !== "success") return json(submission.reply());
  const { createTrainingJob: r } = await gql(context, request, CreateJob, { input: submission.value });
  if (r.__typename === "CreateTrainingJobSuccess") {
    return redirectWithToast(`/training/jobs/${r.job.id}`, {
      type: "success",
      title: `Training job ${r.job.modelName} queued`,
      description: `${formatInteger(r.job.totalSteps)} steps; it starts as soon as a trainer is free.`,
    });
  }
  return json(replyWithApiErrors(submission, r, "The job could not be created."));
}

export default function NewTrainingJob() {
  const { baseModels, datasets, trainingEstimate, prefill } = useLoaderData<typeof loader>();
  const lastResult = useActionData<typeof action>();
  const navigation = useNavigation();
  const estimateFetcher = useFetcher<typeof loader>();
  const submitting = navigation.state !== "idle" && navigation.formMethod === "POST";
  const formRef = useRef<HTMLFormElement>(null);
  // The same schema as the server checks each field when the user leaves it, and again as they fix it.
  const [form, fields] = useForm<TrainingJobInput>({
    lastResult,
    defaultValue: { ...TRAINING_DEFAULTS, baseModelId: baseModels.nodes.some((m) => m.id === prefill.baseModelId) ? prefill.baseModelId : "" },
    onValidate: ({ formData }) => parseWithSchema(formData, trainingJobInputSchema),
    shouldValidate: "onBlur",
    shouldRevalidate: "onInput",
  });

  const [modelId, setModelId] = useState(String(fields.baseModelId.initialValue ?? ""));
  const model = baseModels.nodes.find((m) => m.id === modelId);
  // Datasets made for the model's own task come first: they are the likely choice.
  const compatible = datasets
    .filter((d) => !model || tasksCompatible(model.task, d.task))
    .sort((a, b) => Number(b.task === model?.task) - Number(a.task === model?.task));
  const [datasetId, setDatasetId] = useState(String(fields.datasetId.initialValue ?? compatible[0]?.id ?? ""));

  // Keep the dataset choice valid for the chosen model.
  useEffect(() => {
    if (model && !compatible.some((d) => d.id === datasetId)) setDatasetId(compatible[0]?.id ?? "");
  }, [modelId]); // eslint-disable-line react-hooks/exhaustive-deps

  const refreshEstimate = () => {
    const element = formRef.current;
    if (!element) return;
    const data = new FormData(element);
    const q = new URLSearchParams({
      datasetId: String(data.get("datasetId") ?? ""),
      batchSize: String(data.get("batchSize") ?? ""),
      epochs: String(data.get("epochs") ?? ""),
    });
    estimateFetcher.load(`/training/new?${q}`);
  };
  // Also after a refused submit: the form then shows the submitted values, and the estimate must describe them.
  useEffect(refreshEstimate, [datasetId, lastResult]); // eslint-disable-line react-hooks/exhaustive-deps

  const estimate = estimateFetcher.data ? estimateFetcher.data.trainingEstimate : trainingEstimate;
  const dataset = datasets.find((d) => d.id === datasetId);
  const estimating = estimateFetcher.state !== "idle";

  return (
    <>
      <Link to="/training/jobs" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-900">
        <ChevronLeft className="h-4 w-4" aria-hidden /> Training jobs
      </Link>
      <PageHeader title="New training job" description="Fine-tune a base model on one of your datasets with LoRA. Defaults suit most 7B chat fine-tunes." />
      <Form method="post" ref={formRef} {...getFormProps(form)} className="grid grid-cols-1 gap-6 xl:grid-cols-3" aria-label="Training job configuration">
        <div className="space-y-6 xl:col-span-2">
          <FormErrors errors={form.errors} />
          <Card>
            <CardHeader title="Model and data" />
            <div className="grid grid-cols-1 gap-5 p-5 md:grid-cols-2">
              <FormField meta={fields.baseModelId} label="Base model">
                <select
                  {...withoutDefault(getSelectProps(fields.baseModelId))}
                  value={modelId}
                  onChange={(e) => setModelId(e.target.value)}
                  className={inputClass(!fields.baseModelId.valid)}
                >
                  <option value="">Choose a base model…</option>
                  {baseModels.nodes.map((m) => (
                    <option key={m.id} value={m.id}>
                      {m.name} ({formatParameters(m.parametersBillions)})
                    </option>
                  ))}
                </select>
              </FormField>
              <FormField meta={fields.datasetId} label="Dataset" hint={dataset ? `${formatInteger(dataset.rowCount)} rows · ${dataset.format}` : undefined}>
                <select
                  {...withoutDefault(getSelectProps(fields.datasetId))}
                  value={datasetId}
                  onChange={(e) => setDatasetId(e.target.value)}
                  className={inputClass(!fields.datasetId.valid)}
                >
                  <option value="">Choose a dataset…</option>
                  {datasets.map((d) => (
                    <option key={d.id} value={d.id} disabled={Boolean(model) && !tasksCompatible(model!.task, d.task)}>
                      {d.name} ({d.task.toLowerCase().replace(/_/g, " ")})
                    </option>
                  ))}
                </select>
              </FormField>
              <FormField
                meta={fields.modelName}
                label="Model name"
                hint="Deployments are versioned under this name: lowercase letters, digits and hyphens."
                className="md:col-span-2"
              >
                <input
                  {...getInputProps(fields.modelName, { type: "text", ariaDescribedBy: fields.modelName.valid ? fields.modelName.descriptionId : undefined })}
                  autoComplete="off"
                  spellCheck={false}
                  placeholder="e.g. support-assistant"
                  className={inputClass(!fields.modelName.valid)}
                />
              </FormField>
            </div>
          </Card>
          <Card>
            <CardHeader title="Hyper-parameters" description="LoRA adapters on all attention projections; AdamW with linear warm-up and cosine decay." />
            <div className="grid grid-cols-1 gap-5 p-5 sm:grid-cols-2 md:grid-cols-3">
              {NUMBER_FIELDS.map((f) => {
                const meta = fields[f.name];
                return (
                  <FormField key={f.name} meta={meta} label={f.label} hint={f.hint}>
                    <input
                      {...getInputProps(meta, { type: "number", ariaDescribedBy: meta.valid ? meta.descriptionId : undefined })}
                      // The bounds of graphql/validation/training.ts; the form is noValidate, so the same schema's messages are shown.
                      min={TRAINING_BOUNDS[f.name].min}
                      max={TRAINING_BOUNDS[f.name].max}
                      step={f.name === "learningRate" ? "any" : 1}
                      inputMode={f.name === "learningRate" ? "decimal" : "numeric"}
                      onChange={() => {
                        if (f.name === "batchSize" || f.name === "epochs") refreshEstimate();
                      }}
                      className={inputClass(!meta.valid)}
                    />
                  </FormField>
                );
              })}
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
const NUMBER_FIELDS: Array<{ name: keyof typeof TRAINING_DEFAULTS; label: string; hint: string }> = [
  { name: "epochs", label: "Epochs", hint: `Passes over the dataset, ${epochs.min}–${epochs.max}.` },
  { name: "learningRate", label: "Learning rate", hint: `Peak rate, ${learningRate.min} to ${learningRate.max}; LoRA usually 1e-4 to 3e-4.` },
  { name: "batchSize", label: "Batch size", hint: `Examples per step, ${batchSize.min}–${batchSize.max}.` },
  { name: "loraRank", label: "LoRA rank", hint: `Adapter size, ${loraRank.min}–${loraRank.max}; 8–64 is typical.` },
  { name: "warmupSteps", label: "Warm-up steps", hint: `${warmupSteps.min}–${formatInteger(warmupSteps.max)}, fewer than the total steps.` },
  { name: "seed", label: "Seed", hint: "Same seed, same data order and initialisation." },
];

/** The selects are controlled (the dataset list follows the model): drop Conform's defaultValue. */
function withoutDefault<P extends { defaultValue?: unknown }>({ defaultValue: _, ...props }: P) {
  return props;
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
