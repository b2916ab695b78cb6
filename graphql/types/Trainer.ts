import { builder } from "../builder.ts";
import { trainerKind } from "../services/training-queries.ts";
import { pageRowExtras, provenanceLoader } from "./deployment-loaders.ts";

/** Real vs simulated, everywhere it shows (docs/decisions/0017-artifacts-and-honest-simulation.md). */
export const TrainerKind = builder.enumType("TrainerKind", {
  description: "Who ran a job: the built-in simulated trainer, or a real (external) trainer.",
  values: ["SIMULATED", "REAL"] as const,
});

builder.prismaObjectField("Deployment", "trainer", (t) =>
  t.field({
    type: TrainerKind,
    nullable: true,
    description: "Who trained what this deployment serves: SIMULATED (the built-in simulated trainer's placeholder) or REAL.",
    resolve: (d, _args, ctx) => {
      const read = pageRowExtras.get(d)?.provenance;
      return read ? trainerKind(read.claimedBy) : provenanceLoader(ctx).load(d.id).then((p) => trainerKind(p?.claimedBy ?? null));
    },
  }),
);

builder.prismaObjectField("Deployment", "simulatedTraffic", (t) =>
  t.boolean({
    description: "True when the built-in traffic simulator feeds this deployment's metrics: its requests are synthetic.",
    resolve: (d, _args, ctx) => {
      const read = pageRowExtras.get(d)?.provenance;
      return read ? read.simulatedTraffic : provenanceLoader(ctx).load(d.id).then((p) => p?.simulatedTraffic ?? false);
    },
  }),
);
