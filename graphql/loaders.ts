/**
 * Per-request batching (the DataLoader pattern): every `load(key)` made in the
 * same tick becomes one call of `batch(keys)`, so a list of N rows that each
 * need a related value costs one query, not N.
 */
const registry = new WeakMap<object, Map<string, Loader<unknown>>>();

interface Loader<V> {
  load(key: string): Promise<V | undefined>;
}

export function loaderFor<V>(ctx: object, name: string, batch: (keys: string[]) => Promise<Map<string, V>>): Loader<V> {
  let loaders = registry.get(ctx);
  if (!loaders) registry.set(ctx, (loaders = new Map()));
  const existing = loaders.get(name) as Loader<V> | undefined;
  if (existing) return existing;

  const cache = new Map<string, Promise<V | undefined>>();
  let pending: Array<{ key: string; resolve: (v: V | undefined) => void; reject: (e: unknown) => void }> = [];
  const flush = () => {
    const queue = pending;
    pending = [];
    batch([...new Set(queue.map((p) => p.key))]).then(
      (values) => queue.forEach((p) => p.resolve(values.get(p.key))),
      (err) => queue.forEach((p) => p.reject(err)),
    );
  };
  const loader: Loader<V> = {
    load(key) {
      const hit = cache.get(key);
      if (hit) return hit;
      const promise = new Promise<V | undefined>((resolve, reject) => {
        if (pending.length === 0) queueMicrotask(flush);
        pending.push({ key, resolve, reject });
      });
      cache.set(key, promise);
      return promise;
    },
  };
  loaders.set(name, loader as Loader<unknown>);
  return loader;
}
