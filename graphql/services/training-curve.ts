/**
 * The shape of a simulated fine-tune: what the built-in training executor
 * writes step by step, and what the demo seed writes for finished jobs. Only
 * simulation uses this (PRODUCT.md, "Simulation and real work").
 */

import { seededRandom } from "./random.ts";

export { seededRandom };

export interface CurveConfig {
  seed: number;
  totalSteps: number;
  epochs: number;
  learningRate: number;
  warmupSteps: number;
}

/** Linear warm-up, then cosine decay to 10 % of the peak. */
export function learningRateAt(step: number, c: CurveConfig): number {
  if (c.warmupSteps > 0 && step < c.warmupSteps) return (c.learningRate * (step + 1)) / c.warmupSteps;
  const span = Math.max(c.totalSteps - c.warmupSteps, 1);
  const progress = Math.min(Math.max((step - c.warmupSteps) / span, 0), 1);
  return c.learningRate * (0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * progress)));
}

export interface CurvePoint {
  step: number;
  epoch: number;
  trainLoss: number;
  evalLoss: number | null;
  learningRate: number;
}

/** Steps at which a point is logged: about 120 per job, always including the last step. */
export function loggingInterval(totalSteps: number): number {
  return Math.max(1, Math.ceil(totalSteps / 120));
}

export function curvePoint(step: number, c: CurveConfig): CurvePoint {
  const rand = seededRandom(c.seed * 7919 + step);
  const base = seededRandom(c.seed);
  const initial = 2.2 + base() * 0.8;
  const floor = 0.35 + base() * 0.45;
  const speed = 3 + base() * 3;
  const progress = step / c.totalSteps;
  // A plateau in the middle third, as fine-tunes often show.
  const plateau = progress > 0.35 && progress < 0.5 ? (progress - 0.35) * 0.6 : 0;
  const smooth = floor + (initial - floor) * Math.exp(-speed * progress) + plateau;
  const noise = (rand() - 0.5) * 0.12 * smooth;
  const trainLoss = Math.max(0.05, smooth + noise);
  const evalEvery = Math.max(loggingInterval(c.totalSteps) * 10, 1);
  const isEval = step % evalEvery === 0 || step === c.totalSteps;
  const evalLoss = isEval ? Math.max(0.05, smooth * (1.04 + progress * 0.08) + (rand() - 0.5) * 0.03) : null;
  const stepsPerEpoch = c.totalSteps / c.epochs;
  return {
    step,
    epoch: Math.round((step / stepsPerEpoch) * 100) / 100,
    trainLoss: round4(trainLoss),
    evalLoss: evalLoss === null ? null : round4(evalLoss),
    learningRate: learningRateAt(step, c),
  };
}

/** Total optimiser steps for a dataset, batch size and epoch count. */
export function totalStepsFor(rowCount: number, batchSize: number, epochs: number): number {
  return Math.max(1, Math.ceil(rowCount / batchSize)) * epochs;
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;
