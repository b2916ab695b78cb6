import { Form } from "@remix-run/react";
import { GitCompare } from "lucide-react";
import { useEffect, useState } from "react";

const FORM_ID = "compare-jobs";

/** The jobs table's selection checkbox: part of the compare form wherever it sits in the table. */
export function CompareCheckbox({ id, label }: { id: string; label: string }) {
  return <input type="checkbox" form={FORM_ID} name="ids" value={id} aria-label={`Select ${label} to compare`} className="h-4 w-4 rounded border-slate-300 text-indigo-600" data-testid="compare-select" />;
}

/** "Compare selected": a GET form to /compare/jobs?ids=…, enabled for 2 to 4 selected jobs. Works without JavaScript too. */
export function CompareBar() {
  const [count, setCount] = useState(0);
  useEffect(() => {
    const update = () => setCount(document.querySelectorAll(`input[form="${FORM_ID}"]:checked`).length);
    document.addEventListener("change", update);
    update();
    return () => document.removeEventListener("change", update);
  }, []);
  const ok = count >= 2 && count <= 4;
  return (
    <Form id={FORM_ID} method="get" action="/compare/jobs" className="mb-3 flex items-center gap-3 text-sm text-slate-600">
      <button
        type="submit"
        disabled={!ok}
        className="inline-flex items-center gap-1.5 rounded-lg bg-white px-3 py-1.5 font-medium text-slate-700 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 disabled:cursor-not-allowed disabled:opacity-50"
      >
        <GitCompare className="h-4 w-4" aria-hidden /> Compare selected{count ? ` (${count})` : ""}
      </button>
      <span className="text-xs text-slate-500">{count > 4 ? "Select at most 4 runs." : "Tick 2–4 runs to compare their curves and hyper-parameters."}</span>
    </Form>
  );
}
