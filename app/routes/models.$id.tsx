import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { ChevronLeft, ExternalLink, FlaskConical, Sparkles } from "lucide-react";
import { GeneralErrorBoundary } from "~/components/error-page";
import { TrainingJobActions } from "~/components/training-job-actions";
import { TrainingProgress } from "~/components/training-progress";
import { Card, CardHeader } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { StatusBadge } from "~/components/ui/status-badge";
import { formatDate, formatEnum, formatInteger, formatParameters, formatRelative } from "~/lib/format";
import { BaseModelSummary, TrainingJobHeading } from "~/lib/fragments";
import { graphql } from "~/lib/graphql";
import { gql, notFound } from "~/server/gql.server";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: data ? `${data.model.name} · Models · Trainyard` : "Model · Trainyard" }];

const ModelQuery = /* @__PURE__ */ graphql(`
  query BaseModelPage($id: ID!) {
    baseModel(id: $id) {
      description
      ...BaseModelSummary
      releasedOn
      huggingFaceId
      trainingJobs {
        ...TrainingJobHeading
        createdAt
        dataset {
          name
        }
      }
    }
  }
`, [BaseModelSummary, TrainingJobHeading]);

export async function loader({ request, context, params }: LoaderFunctionArgs) {
  const data = await gql(context, request, ModelQuery, { id: params.id! });
  return json({ model: notFound(data.baseModel, "Base model"), now: new Date().toISOString() });
}

export default function BaseModelPage() {
  const { model, now } = useLoaderData<typeof loader>();
  const facts: Array<[string, string]> = [
    ["Organization", model.organization],
    ["Family", model.family],
    ["Task", formatEnum(model.task)],
    ["Parameters", formatParameters(model.parametersBillions)],
    ["Context length", `${formatInteger(model.contextLength)} tokens`],
    ["License", model.license],
    ["Released", formatDate(model.releasedOn)],
  ];
  return (
    <>
      <Link to="/models" className="mb-3 inline-flex items-center gap-1 text-sm text-slate-500 hover:text-slate-900">
        <ChevronLeft className="h-4 w-4" aria-hidden /> Models
      </Link>
      <PageHeader
        title={model.name}
        description={model.description}
        actions={
          <Link
            to={`/training/new?baseModel=${encodeURIComponent(model.id)}`}
            className="inline-flex items-center gap-1.5 rounded-lg bg-indigo-600 px-3.5 py-2 text-sm font-medium text-white shadow-sm hover:bg-indigo-500"
          >
            <Sparkles className="h-4 w-4" aria-hidden /> Fine-tune
          </Link>
        }
      />
      <div className="grid grid-cols-1 gap-6 lg:grid-cols-3">
        <Card>
          <CardHeader title="Facts" />
          <dl className="divide-y divide-slate-100 text-sm">
            {facts.map(([label, value]) => (
              <div key={label} className="flex justify-between gap-4 px-5 py-2.5">
                <dt className="text-slate-500">{label}</dt>
                <dd className="text-right font-medium text-slate-900">{value}</dd>
              </div>
            ))}
            <div className="flex justify-between gap-4 px-5 py-2.5">
              <dt className="text-slate-500">Weights</dt>
              <dd>
                <a
                  href={`https://huggingface.co/${model.huggingFaceId}`}
                  target="_blank"
                  rel="noreferrer"
                  className="inline-flex items-center gap-1 font-mono text-xs text-indigo-700 hover:text-indigo-500"
                >
                  {model.huggingFaceId}
                  <ExternalLink className="h-3 w-3" aria-hidden />
                  <span className="sr-only">(opens Hugging Face)</span>
                </a>
              </dd>
            </div>
          </dl>
        </Card>
        <Card className="lg:col-span-2">
          <CardHeader title="Jobs trained from this model" description={`${model.trainingJobs.length} in total, newest first`} />
          {model.trainingJobs.length === 0 ? (
            <div className="flex flex-col items-center gap-2 px-5 py-12 text-center">
              <FlaskConical className="h-8 w-8 text-slate-300" aria-hidden />
              <p className="font-medium text-slate-900">No fine-tunes of {model.name} yet</p>
              <Link to={`/training/new?baseModel=${encodeURIComponent(model.id)}`} className="text-sm text-indigo-600 hover:text-indigo-500">
                Configure the first one
              </Link>
            </div>
          ) : (
            <ul className="divide-y divide-slate-100" aria-label="Training jobs">
              {model.trainingJobs.map((job) => (
                <li key={job.id} className="flex flex-wrap items-center gap-x-4 gap-y-2 px-5 py-3 text-sm sm:flex-nowrap">
                  <div className="min-w-0 basis-full sm:flex-1 sm:basis-auto">
                    <Link to={`/training/jobs/${job.id}`} className="font-medium text-slate-900 hover:text-indigo-600">
                      {job.modelName}
                    </Link>
                    <p className="text-xs text-slate-500">
                      on {job.dataset.name} · <span className="whitespace-nowrap">{formatRelative(job.createdAt, now)}</span>
                    </p>
                  </div>
                  <TrainingProgress className="w-36 flex-none" progress={job.progress} status={job.status} label={`${job.modelName} progress`} />
                  <StatusBadge domain="trainingJob" status={job.status} />
                  <div className="ml-auto flex-none sm:w-36">
                    <TrainingJobActions id={job.id} modelName={job.modelName} availableActions={job.availableActions} liveDeployment={job.liveDeployment} />
                  </div>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
