/** Seeded randomness for the simulations (training executor, traffic simulator), so runs can be replayed. */

/** Deterministic PRNG (mulberry32): the same job seed gives the same curve. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A standard normal variate by the Box-Muller transform (two draws from `random`). */
export function gaussian(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** A log-normal variate: latencies are roughly log-normal, so `median` and the spread `sigma` describe them directly. */
export function logNormal(random: () => number, median: number, sigma: number): number {
  return Math.exp(Math.log(median) + sigma * gaussian(random));
}

/** A Poisson count. Knuth's product method costs about `lambda` draws, so large means use the normal approximation. */
export function poisson(lambda: number, random: () => number): number {
  if (lambda > 50) return Math.max(0, Math.round(lambda + Math.sqrt(lambda) * gaussian(random)));
  const limit = Math.exp(-lambda);
  let k = 0;
  let p = random();
  while (p > limit) {
    k++;
    p *= random();
  }
  return k;
}
