import pg from "pg";
import type { Database } from "./db.ts";

/**
 * Hears PostgreSQL notifications (LISTEN) on a few channels, on either database:
 * PostgreSQL through a dedicated session that reconnects with backoff, the
 * embedded PGlite through its one in-process session. `listening` says whether
 * a change would be heard right now: while it is false (PostgreSQL down, the
 * session reconnecting) callers must poll as if there were no notifications.
 * After a reconnect every channel is reported once, since anything may have
 * changed while nobody was listening.
 */
export interface Subscription {
  readonly listening: boolean;
  close(): Promise<void>;
}

export interface SubscribeOptions {
  /** Called when `listening` changes. */
  onListening?(listening: boolean): void;
  log?(line: string): void;
}

export function subscribe(db: Database, channels: readonly string[], onNotify: (channel: string, payload: string) => void, options: SubscribeOptions = {}): Subscription {
  if (db.pglite) return subscribePglite(db, channels, onNotify, options);
  if (db.connectionString) return subscribePostgres(db.connectionString, channels, onNotify, options);
  return { listening: false, close: async () => {} };
}

function subscribePglite(db: Database, channels: readonly string[], onNotify: (channel: string, payload: string) => void, options: SubscribeOptions): Subscription {
  const pglite = db.pglite!;
  let listening = false;
  let closed = false;
  const unlisten: Array<() => Promise<void>> = [];
  void (async () => {
    try {
      for (const channel of channels) unlisten.push(await pglite.listen(channel, (payload) => onNotify(channel, payload)));
      if (closed) return void (await Promise.all(unlisten.map((u) => u().catch(() => {}))));
      listening = true;
      options.onListening?.(true);
    } catch (err) {
      options.log?.(`cannot listen for changes (polling instead): ${(err as Error).message}`);
    }
  })();
  return {
    get listening() {
      return listening && !closed && !pglite.closed;
    },
    async close() {
      closed = true;
      listening = false;
      if (!pglite.closed) await Promise.all(unlisten.map((u) => u().catch(() => {})));
    },
  };
}

function subscribePostgres(connectionString: string, channels: readonly string[], onNotify: (channel: string, payload: string) => void, options: SubscribeOptions): Subscription {
  let listening = false;
  let closed = false;
  let client: pg.Client | null = null;
  let timer: NodeJS.Timeout | null = null;
  let lastWarn = 0;
  const warn = (line: string) => {
    if (Date.now() - lastWarn < 10_000) return;
    lastWarn = Date.now();
    options.log?.(line);
  };
  const setListening = (value: boolean) => {
    if (listening === value) return;
    listening = value;
    options.onListening?.(value);
  };
  const connect = async (attempt: number): Promise<void> => {
    if (closed) return;
    const c = new pg.Client({ connectionString, connectionTimeoutMillis: 5_000, keepAlive: true });
    let retried = false;
    const retry = () => {
      if (retried) return;
      retried = true;
      if (client === c) client = null;
      setListening(false);
      c.end().catch(() => {});
      if (closed) return;
      timer = setTimeout(() => void connect(attempt + 1), Math.min(5_000, 250 * 2 ** Math.min(attempt, 5)));
      timer.unref();
    };
    c.on("error", (err) => {
      warn(`change notifications lost (polling until they are back): ${err.message}`);
      retry();
    });
    c.on("end", retry);
    c.on("notification", (n) => onNotify(n.channel, n.payload ?? ""));
    try {
      await c.connect();
      for (const channel of channels) await c.query(`LISTEN "${channel.replaceAll('"', '""')}"`);
      if (closed) return void c.end().catch(() => {});
      client = c;
      setListening(true);
      // Whatever changed while nobody listened.
      if (attempt > 0) for (const channel of channels) onNotify(channel, "");
    } catch {
      retry();
    }
  };
  void connect(0);
  return {
    get listening() {
      return listening;
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      setListening(false);
      const c = client;
      client = null;
      await c?.end().catch(() => {});
    },
  };
}
