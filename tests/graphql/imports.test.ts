import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { expect, test } from "vitest";

/**
 * The shape of graphql/ (docs/decisions/0032-services-own-the-rules.md): no import cycles, and services
 * depend on the database, errors, validation, ids, config types and each other, never on the schema.
 */
const ROOT = "graphql";

function modules(): Map<string, { runtime: string[]; all: string[] }> {
  const files = readdirSync(ROOT, { recursive: true })
    .map(String)
    .filter((f) => /\.tsx?$/.test(f) && !f.startsWith("generated"))
    .map((f) => path.join(ROOT, f));
  const known = new Set(files);
  const graph = new Map<string, { runtime: string[]; all: string[] }>();
  for (const file of files) {
    const runtime: string[] = [];
    const all: string[] = [];
    const source = readFileSync(file, "utf8");
    for (const m of source.matchAll(/^\s*(?:import|export)\s+(type\s+)?(?:[^'"]*?\sfrom\s+)?["'](\.[^"']+)["']/gm)) {
      const target = path.normalize(path.join(path.dirname(file), m[2]!));
      if (!known.has(target)) continue;
      all.push(target);
      if (!m[1]) runtime.push(target);
    }
    graph.set(file, { runtime, all });
  }
  return graph;
}

/** Strongly connected components of more than one module (Tarjan): each one is an import cycle. */
function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)!.includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

test("the cycle finder finds a cycle (self-check)", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  expect(cycles(g)).toEqual([["a", "b", "c"]]);
});

test("graphql/ has no import cycles", () => {
  const graph = new Map([...modules()].map(([file, deps]) => [file, deps.runtime]));
  expect(graph.size).toBeGreaterThan(50);
  expect(cycles(graph)).toEqual([]);
});

test("services import no schema module (types/, builder, schema, yoga, context, audit)", () => {
  const forbidden = /^graphql\/(types\/|builder\.ts|schema\.ts|yoga\.ts|runtime\.ts|context\.ts|audit\.ts|loaders\.ts|workers\/)/;
  const offenders = [...modules()]
    .filter(([file]) => file.startsWith("graphql/services/"))
    .flatMap(([file, deps]) => deps.all.filter((d) => forbidden.test(d)).map((d) => `${file} → ${d}`));
  expect(offenders).toEqual([]);
});

test("type modules hold schema only: no SQL in graphql/types/", () => {
  const offenders = readdirSync(path.join(ROOT, "types"))
    .map((f) => path.join(ROOT, "types", f))
    .filter((f) => /\$queryRaw|\$executeRaw|Prisma\.sql/.test(readFileSync(f, "utf8")));
  expect(offenders).toEqual([]);
});
