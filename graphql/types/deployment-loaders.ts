import { Kind, type GraphQLResolveInfo, type SelectionSetNode } from "graphql";
import { loaderFor, type Context } from "../context.ts";
import type { PrismaClient } from "../db.ts";
import { productionDeploymentIds } from "../services/serving.ts";
import { deploymentProvenance, type DeploymentProvenance } from "../services/training-queries.ts";
import { loadDeploymentMetrics, loadDeploymentMetricsSummaries, type MetricsWindowName, type WindowMetrics } from "../services/metrics.ts";

/**
 * The per-request loaders of what a deployment row shows beside its own columns. Every row of a page asks in the
 * same tick and each loader turns that into one query; the rows of the deployments page's own statement carry the
 * same (ADR 0046, `pageRowExtras`), so they ask nothing more.
 */

/**
 * What the deployments page's statement read beside a row (ADR 0051): the row's fields take it from here, at once,
 * instead of asking a loader for what the statement already brought (a promise and a lookup per row and field).
 */
export interface PageRowExtras {
  provenance?: DeploymentProvenance;
  /** The production deployment of the row's model name (null: none), when read. */
  production?: string | null;
  /** The figures of `window`, when read. */
  window?: MetricsWindowName;
  metrics?: WindowMetrics;
}
export const pageRowExtras = new WeakMap<object, PageRowExtras>();

export const provenanceLoader = (ctx: Context) =>
  loaderFor<DeploymentProvenance>(ctx, "deploymentProvenance", (ids) => deploymentProvenance(ctx.prisma, ids));

/** The production deployment of each model name. */
export const productionLoader = (ctx: Context) =>
  loaderFor<string | null>(ctx, "productionDeployment", (names) => productionDeploymentIds(ctx.prisma, names));

/**
 * A window's figures, keyed `${window}|${id}`: one query per window. A selection without `series` (a list's) takes
 * the summaries, which the database sums per deployment; one with it, the rows.
 */
export function metricsLoader(ctx: object, prisma: PrismaClient, withSeries: boolean) {
  return loaderFor<WindowMetrics>(ctx, withSeries ? "deploymentMetrics" : "deploymentMetricsSummaries", async (keys) => {
    const byWindow = new Map<MetricsWindowName, string[]>();
    for (const key of keys) {
      const [window, id] = key.split("|") as [MetricsWindowName, string];
      byWindow.set(window, [...(byWindow.get(window) ?? []), id]);
    }
    const now = new Date();
    const result = new Map<string, WindowMetrics>();
    const load = withSeries ? loadDeploymentMetrics : loadDeploymentMetricsSummaries;
    for (const [window, ids] of byWindow) {
      for (const [id, metrics] of await load(prisma, ids, window, now)) result.set(`${window}|${id}`, metrics);
    }
    return result;
  });
}

/** Whether a field's selection asks for `name` (directly, or through fragments). */
export function selects(info: GraphQLResolveInfo, name: string): boolean {
  const visit = (set: SelectionSetNode | undefined): boolean =>
    !!set?.selections.some((s) =>
      s.kind === Kind.FIELD
        ? s.name.value === name
        : s.kind === Kind.INLINE_FRAGMENT
          ? visit(s.selectionSet)
          : visit(info.fragments[s.name.value]?.selectionSet),
    );
  return info.fieldNodes.some((node) => visit(node.selectionSet));
}
