import { builder } from "../builder.ts";
import { loaderFor } from "../context.ts";
import type { Context } from "../context.ts";
import { trainerKind } from "../services/training-queries.ts";

/** Real vs simulated, everywhere it shows (docs/decisions/0017-artifacts-and-honest-simulation.md). */
export const TrainerKind = builder.enumType("TrainerKind", {
  description: "Who ran a job: the built-in simulated trainer, or a real (external) trainer.",
  values: ["SIMULATED", "REAL"] as const,
});

interface Provenance {
  claimedBy: string | null;
  simulatedTraffic: boolean;
}

const provenanceLoader = (ctx: Context) =>
  loaderFor<Provenance>(ctx, "deploymentProvenance", async (ids) => {
    const rows = await ctx.prisma.$queryRaw<Array<{ id: string; claimedBy: string | null; simulatedTraffic: boolean }>>`
      SELECT d.id::text AS id, j."claimedBy", EXISTS (SELECT 1 FROM "SimulatorCursor" sc WHERE sc."deploymentId" = d.id) AS "simulatedTraffic"
      FROM "Deployment" d JOIN "TrainingJob" j ON j.id = d."jobId"
      WHERE d.id = ANY(${ids}::uuid[])`;
    return new Map(rows.map((r) => [r.id, r]));
  });

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
