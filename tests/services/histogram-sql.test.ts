import { afterAll, beforeAll, expect, test } from "vitest";
import { seededRandom } from "../../graphql/services/random.ts";
import { createTestDatabase, type TestDatabase } from "../setup/database.ts";

// The database adds histograms (a first bucket and its counts) into rollup rows on every ingested batch
// (trainyard_histogram_offset / trainyard_histogram_add). Their sum must be the bucket-by-bucket sum.
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.drop());

type Histogram = { offset: number; counts: number[] | null };

/** Bucket by bucket, from the lower first bucket; an empty side does not move the first bucket. */
function reference(a: Histogram, b: Histogram): Histogram {
  const la = a.counts?.length ?? 0;
  const lb = b.counts?.length ?? 0;
  if (la === 0) return { offset: b.offset, counts: b.counts ?? [] };
  if (lb === 0) return { offset: a.offset, counts: a.counts! };
  const lo = Math.min(a.offset, b.offset);
  const hi = Math.max(a.offset + la, b.offset + lb);
  const counts = Array.from({ length: hi - lo }, (_, k) => (a.counts![lo + k - a.offset] ?? 0) + (b.counts![lo + k - b.offset] ?? 0));
  return { offset: lo, counts };
}

test("the database's histogram sum is the bucket-by-bucket sum, for overlapping, disjoint, nested and empty histograms", async () => {
  const random = seededRandom(44);
  const histogram = (): Histogram => {
    const kind = random();
    if (kind < 0.05) return { offset: Math.floor(random() * 50), counts: null };
    if (kind < 0.1) return { offset: Math.floor(random() * 50), counts: [] };
    const length = 1 + Math.floor(random() * (kind < 0.5 ? 5 : 150));
    return { offset: Math.floor(random() * 300) - 20, counts: Array.from({ length }, () => (random() < 0.3 ? 0 : Math.floor(random() * 1000))) };
  };
  const pairs = Array.from({ length: 400 }, () => [histogram(), histogram()] as const);
  // Hand-picked edges: the same first bucket, one inside the other, adjacent, far apart, leading zeros.
  pairs.push(
    [{ offset: 5, counts: [1, 2, 3] }, { offset: 5, counts: [4, 5, 6] }],
    [{ offset: 3, counts: [1, 2, 3, 4, 5] }, { offset: 4, counts: [1] }],
    [{ offset: 3, counts: [1] }, { offset: 4, counts: [2] }],
    [{ offset: 0, counts: [1] }, { offset: 400, counts: [2] }],
    [{ offset: 9, counts: [0, 0, 5] }, { offset: 2, counts: [7] }],
    [{ offset: 9, counts: [] }, { offset: 2, counts: [] }],
  );
  const rows = await t.db.prisma.$queryRawUnsafe<Array<{ i: number; offset: number; counts: number[] }>>(
    `SELECT p.i, "trainyard_histogram_offset"(p.ao, p.a, p.bo, p.b) AS offset, "trainyard_histogram_add"(p.ao, p.a, p.bo, p.b) AS counts
     FROM jsonb_to_recordset($1::jsonb) AS p(i INTEGER, ao INTEGER, a INTEGER[], bo INTEGER, b INTEGER[]) ORDER BY p.i`,
    JSON.stringify(pairs.map(([a, b], i) => ({ i, ao: a.offset, a: a.counts, bo: b.offset, b: b.counts }))),
  );
  expect(rows.length).toBe(pairs.length);
  for (const r of rows) {
    const [a, b] = pairs[r.i]!;
    expect({ pair: r.i, offset: r.offset, counts: r.counts }).toEqual({ pair: r.i, ...reference(a, b) });
  }
});
