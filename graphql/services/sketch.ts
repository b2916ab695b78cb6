/**
 * A DDSketch-style latency histogram: logarithmic buckets whose width grows
 * with the value, so any percentile read from it is within RELATIVE_ACCURACY
 * of the true value, and two sketches merge exactly by adding bucket counts.
 * That is what lets per-minute rollups written by any number of batches,
 * processes or replicas answer percentiles for any window.
 *
 * Bucket i holds latencies in (γ^(i-1), γ^i] ms and reports 2γ^i / (γ + 1),
 * whose relative distance to every value of the bucket is at most (γ-1)/(γ+1).
 * The accuracy is kept a little under the promised 1 % so floating-point
 * rounding at bucket edges cannot push an answer over it.
 */
export const RELATIVE_ACCURACY = 0.009;
export const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);

/**
 * Latencies below this share the lowest bucket (a microsecond: far below what a
 * gateway can measure), which keeps a latency of 0 from needing an infinite index.
 */
export const MIN_TRACKED_LATENCY_MS = 0.001;

export function bucketIndex(latencyMs: number): number {
  return Math.ceil(Math.log(Math.max(latencyMs, MIN_TRACKED_LATENCY_MS)) / LOG_GAMMA);
}

export function bucketValue(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}

/** The stored form: counts[i] is the count of bucket (offset + i). */
export interface DenseHistogram {
  offset: number;
  counts: number[];
}

export class LatencySketch {
  private offset = 0;
  private counts: number[] = [];
  private total = 0;

  get count(): number {
    return this.total;
  }

  add(latencyMs: number, times = 1): void {
    this.addToBucket(bucketIndex(latencyMs), times);
  }

  /** Adds a stored histogram (a rollup row) into this one. */
  merge(offset: number, counts: ArrayLike<number>): void {
    let first = -1;
    let last = -1;
    for (let i = 0; i < counts.length; i++) {
      if (counts[i]) {
        if (first < 0) first = i;
        last = i;
      }
    }
    if (first < 0) return;
    this.reserve(offset + first, offset + last);
    const shift = offset - this.offset;
    for (let i = first; i <= last; i++) {
      const n = counts[i]!;
      if (n) {
        this.counts[shift + i]! += n;
        this.total += n;
      }
    }
  }

  mergeSketch(other: LatencySketch): void {
    this.merge(other.offset, other.counts);
  }

  /**
   * The q-quantile (0 ≤ q ≤ 1) with the same definition as PostgreSQL's
   * percentile_cont: linear interpolation between the two order statistics
   * around rank q·(n-1). Each order statistic is read from its bucket, so the
   * interpolated answer keeps the bucket's relative accuracy. Null when empty.
   */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    const rank = Math.min(Math.max(q, 0), 1) * (this.total - 1);
    const lowRank = Math.floor(rank);
    const low = this.valueAtRank(lowRank);
    const fraction = rank - lowRank;
    if (fraction === 0) return low;
    const high = this.valueAtRank(lowRank + 1);
    return low + fraction * (high - low);
  }

  toDense(): DenseHistogram {
    let first = 0;
    let last = this.counts.length - 1;
    while (first <= last && !this.counts[first]) first++;
    while (last >= first && !this.counts[last]) last--;
    if (first > last) return { offset: 0, counts: [] };
    return { offset: this.offset + first, counts: this.counts.slice(first, last + 1) };
  }

  /** The value of the bucket holding the rank-th smallest latency (0-based). */
  private valueAtRank(rank: number): number {
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i]!;
      if (seen > rank) return bucketValue(this.offset + i);
    }
    return bucketValue(this.offset + this.counts.length - 1);
  }

  /** Adds `times` latencies of bucket `index` (`bucketIndex(latencyMs)`: callers adding one latency to several sketches compute it once). */
  addToBucket(index: number, times = 1): void {
    const i = index - this.offset;
    if (i >= 0 && i < this.counts.length) this.counts[i]! += times;
    else {
      this.reserve(index, index);
      this.counts[index - this.offset]! += times;
    }
    this.total += times;
  }

  /** Grows the dense array so buckets from..to fit (downwards with some room, so values arriving in falling order do not copy it each time). */
  private reserve(from: number, to: number): void {
    if (this.counts.length === 0) {
      this.offset = from;
      this.counts = new Array<number>(to - from + 1).fill(0);
      return;
    }
    if (from < this.offset) {
      const room = Math.max(this.offset - from, 32);
      this.counts = new Array<number>(room).fill(0).concat(this.counts);
      this.offset -= room;
    }
    const end = this.offset + this.counts.length - 1;
    if (to > end) {
      for (let i = end; i < to; i++) this.counts.push(0);
    }
  }
}
