import { builder } from "../builder.ts";
import type { Prisma } from "../generated/prisma/client.ts";
import { BUILTIN_PREFIX } from "../services/training.ts";

/** Real vs simulated, everywhere it shows (docs/decisions/0017-artifacts-and-honest-simulation.md). */
export const TrainerKind = builder.enumType("TrainerKind", {
  description: "Who ran a job: the built-in simulated trainer, or a real (external) trainer.",
  values: ["SIMULATED", "REAL"] as const,
});

export function trainerKind(claimedBy: string | null): "SIMULATED" | "REAL" | null {
  if (claimedBy === null) return null;
  return claimedBy.startsWith(BUILTIN_PREFIX) ? "SIMULATED" : "REAL";
}

/** Prisma filter for jobs run by the simulated trainer or by a real one. */
export function trainerWhere(kind: "SIMULATED" | "REAL" | null | undefined): Prisma.TrainingJobWhereInput {
  if (kind === "SIMULATED") return { claimedBy: { startsWith: BUILTIN_PREFIX } };
  if (kind === "REAL") return { AND: [{ claimedBy: { not: null } }, { NOT: { claimedBy: { startsWith: BUILTIN_PREFIX } } }] };
  return {};
}

builder.prismaObjectField("Deployment", "trainer", (t) =>
  t.field({
    type: TrainerKind,
    nullable: true,
    description: "Who trained what this deployment serves: SIMULATED (the built-in simulated trainer's placeholder) or REAL.",
    select: { job: { select: { claimedBy: true } } },
    resolve: (d) => trainerKind(d.job.claimedBy),
  }),
);

builder.prismaObjectField("Deployment", "simulatedTraffic", (t) =>
  t.boolean({
    description: "True when the built-in traffic simulator feeds this deployment's metrics: its requests are synthetic.",
    select: { simulator: { select: { deploymentId: true } } },
    resolve: (d) => d.simulator !== null,
  }),
);
