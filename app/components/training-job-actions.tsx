import { Form, Link, useLocation, useNavigation } from "@remix-run/react";
import { Ban, CircleCheck, RotateCcw, Rocket } from "lucide-react";
import { Button } from "~/components/ui/button";
import { ConfirmAction } from "~/components/ui/confirm-dialog";

/** Where Cancel and Retry post, from the jobs table and from the monitor (the jobs route's action). */
const JOB_ACTIONS_URL = "/training/jobs?index";

/**
 * Cancel, Retry and Deploy for one job — exactly the ones the API lists in
 * `availableActions` (so Deploy is not offered on a job that already has a
 * live deployment; that deployment is linked instead). Cancel asks first and,
 * like Retry, posts to the jobs route's action; Deploy posts to the
 * deployments route, which deploys and redirects.
 */
export function TrainingJobActions(props: {
  id: string;
  modelName: string;
  availableActions: readonly string[];
  liveDeployment?: { id: string; version: string } | null;
  size?: "sm" | "md";
}) {
  const location = useLocation();
  const navigation = useNavigation();
  const size = props.size ?? "sm";
  const busy = navigation.state === "submitting" && navigation.formData?.get("jobId") === props.id;
  const here = `${location.pathname}${location.search}`;
  const can = (action: string) => props.availableActions.includes(action);
  return (
    <div className="flex flex-wrap items-center justify-end gap-2">
      {props.liveDeployment ? (
        <Link
          to={`/deployments/${props.liveDeployment.id}`}
          className="inline-flex items-center gap-1 whitespace-nowrap text-xs font-medium text-emerald-700 hover:underline"
        >
          <CircleCheck className="h-3.5 w-3.5" aria-hidden /> Deployed <span className="font-mono">{props.liveDeployment.version}</span>
        </Link>
      ) : null}
      {can("CANCEL") ? (
        <ConfirmAction
          label="Cancel"
          busyLabel="Cancelling…"
          icon={Ban}
          variant="danger"
          size={size}
          title={`Cancel training job "${props.modelName}"?`}
          description="Progress so far is kept, but the job cannot be resumed."
          confirmLabel="Cancel the job"
          action={JOB_ACTIONS_URL}
          fields={{ intent: "cancel", jobId: props.id, redirectTo: here }}
        />
      ) : null}
      {can("RETRY") ? (
        <Form method="post" action={JOB_ACTIONS_URL}>
          <input type="hidden" name="intent" value="retry" />
          <input type="hidden" name="jobId" value={props.id} />
          <input type="hidden" name="redirectTo" value={here} />
          <Button type="submit" variant="secondary" size={size} disabled={busy}>
            <RotateCcw className="h-3.5 w-3.5" aria-hidden /> {busy ? "Retrying…" : "Retry"}
          </Button>
        </Form>
      ) : null}
      {can("DEPLOY") ? (
        <Form method="post" action="/deployments?index">
          <input type="hidden" name="intent" value="deploy" />
          <input type="hidden" name="jobId" value={props.id} />
          <input type="hidden" name="redirectTo" value={here} />
          <Button type="submit" size={size} disabled={busy}>
            <Rocket className="h-3.5 w-3.5" aria-hidden /> Deploy
          </Button>
        </Form>
      ) : null}
    </div>
  );
}
