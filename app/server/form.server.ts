import { failureMessage } from "~/server/toast.server";

/**
 * The API refused a submission the browser's check let through: its `ValidationError.fieldErrors`
 * (paths like `input.modelName`) go back to the form per field, anything else as a form error.
 */
type Replies<Result> = { reply(options: { formErrors: string[]; fieldErrors: Record<string, string[]> }): Result };

export function replyWithApiErrors<Result>(submission: Replies<Result>, result: object, fallback: string): Result {
  const fieldErrors: Record<string, string[]> = {};
  if ("fieldErrors" in result && Array.isArray(result.fieldErrors)) {
    for (const f of result.fieldErrors as Array<{ path: string; message: string }>) {
      const name = f.path.replace(/^input\./, "").split(".")[0]!;
      (fieldErrors[name] ??= []).push(f.message);
    }
  }
  const formError = Object.keys(fieldErrors).length ? "Fix the highlighted fields and submit again." : (failureMessage(result) ?? fallback);
  return submission.reply({ fieldErrors, formErrors: [formError] });
}
