import { builder } from "../builder.ts";
import { loaderFor, type Context } from "../context.ts";
import { deploymentProvenance, trainerKind, type DeploymentProvenance } from "../services/training-queries.ts";

/** Real vs simulated, everywhere it shows (docs/decisions/0017-artifacts-and-honest-simulation.md). */
export const TrainerKind = builder.enumType("TrainerKind", {
  description: "Who ran a job: the built-in simulated trainer, or a real (external) trainer.",
  values: ["SIMULATED", "REAL"] as const,
});

const provenanceLoader = (ctx: Context) =>
  loaderFor<DeploymentProvenance>(ctx, "deploymentProvenance", (ids) => deploymentProvenance(ctx.prisma, ids));

builder.prismaObjectField("Deployment", "trainer", (t) =>
  t.field({
    type: TrainerKind,
    nullable: true,
    description: "Who trained what this deployment serves: SIMULATED (the built-in simulated trainer's placeholder) or REAL.",
    select: { id: true },
    resolve: async (d, _args, ctx) => trainerKind((await provenanceLoader(ctx).load(d.id))?.claimedBy ?? null),
  }),
);

builder.prismaObjectField("Deployment", "simulatedTraffic", (t) =>
  t.boolean({
    description: "True when the built-in traffic simulator feeds this deployment's metrics: its requests are synthetic.",
    select: { id: true },
    resolve: async (d, _args, ctx) => (await provenanceLoader(ctx).load(d.id))?.simulatedTraffic ?? false,
  }),
);
