import { Form, useLocation, useNavigation } from "@remix-run/react";
import { Ban, RotateCcw, Rocket } from "lucide-react";
import { Button } from "~/components/ui/button";

/** Where Cancel and Retry post, from the jobs table and from the monitor (the jobs route's action). */
const JOB_ACTIONS_URL = "/training/jobs?index";

/**
 * Cancel (queued/running), Retry (failed/cancelled) and Deploy (complete) for
 * one job. Cancel and Retry post to the jobs route's action;
 * Deploy posts to the deployments route, which deploys and redirects.
 */
export function TrainingJobActions(props: { id: string; status: string; modelName: string; size?: "sm" | "md" }) {
  const location = useLocation();
  const navigation = useNavigation();
  const size = props.size ?? "sm";
  const busy = navigation.state === "submitting" && navigation.formData?.get("jobId") === props.id;
  const here = `${location.pathname}${location.search}`;
  if (props.status === "QUEUED" || props.status === "RUNNING") {
    return (
      <Form
        method="post"
        action={JOB_ACTIONS_URL}
        onSubmit={(event) => {
          if (!window.confirm(`Cancel training job "${props.modelName}"? Progress so far is kept, but the job cannot be resumed.`)) {
            event.preventDefault();
          }
        }}
      >
        <input type="hidden" name="intent" value="cancel" />
        <input type="hidden" name="jobId" value={props.id} />
        <input type="hidden" name="redirectTo" value={here} />
        <Button type="submit" variant="danger" size={size} disabled={busy}>
          <Ban className="h-3.5 w-3.5" aria-hidden /> {busy ? "Cancelling…" : "Cancel"}
        </Button>
      </Form>
    );
  }
  if (props.status === "FAILED" || props.status === "CANCELLED") {
    return (
      <Form method="post" action={JOB_ACTIONS_URL}>
        <input type="hidden" name="intent" value="retry" />
        <input type="hidden" name="jobId" value={props.id} />
        <input type="hidden" name="redirectTo" value={here} />
        <Button type="submit" variant="secondary" size={size} disabled={busy}>
          <RotateCcw className="h-3.5 w-3.5" aria-hidden /> {busy ? "Retrying…" : "Retry"}
        </Button>
      </Form>
    );
  }
  if (props.status === "COMPLETE") {
    return (
      <Form method="post" action="/deployments?index">
        <input type="hidden" name="intent" value="deploy" />
        <input type="hidden" name="jobId" value={props.id} />
        <input type="hidden" name="redirectTo" value={here} />
        <Button type="submit" size={size} disabled={busy}>
          <Rocket className="h-3.5 w-3.5" aria-hidden /> Deploy
        </Button>
      </Form>
    );
  }
  return null;
}
