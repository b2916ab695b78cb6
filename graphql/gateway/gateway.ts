import http, { type IncomingMessage, type ServerResponse } from "node:http";
import { createHash, randomBytes } from "node:crypto";
import { PassThrough, type Readable } from "node:stream";
import { Pool, type Dispatcher } from "undici";
import type { Database } from "../db.ts";
import { subscribe, type Subscription } from "../listen.ts";
import { BaseError } from "../errors.ts";
import type { ServingConfig } from "../serving-config.ts";
import { LatencySketch } from "../services/sketch.ts";
import { ingestRollups, refreshDeploymentStats, RollupAccumulator, type RollupWrite } from "../services/metrics.ts";
import { parseSplits, type SplitEntry } from "../services/serving.ts";
import { hashSecret, isWellFormedSecret } from "../services/tokens.ts";
import { profileFor } from "../services/traffic.ts";
import { logNormal } from "../services/random.ts";
import type { InferenceOutcome } from "../validation/inference.ts";

/**
 * The inference gateway: routes /v1/models/{name}/versions/{version}/… and
 * /v1/models/{name}/… to the version's upstream (or the simulated model
 * server), streams bodies both ways unbuffered and measures every proxied
 * request. It keeps everything it needs in memory — the routing table and the
 * invoke tokens, reloaded when the database announces a change (else every `refreshIntervalMs`) — and writes its measurements
 * once per `flushIntervalMs` as one idempotent batch per deployment, so no
 * request ever waits on the database (see docs/decisions/0013-inference-gateway.md).
 */

export type GatewayConfig = ServingConfig["gateway"];

interface Route {
  id: string;
  modelName: string;
  version: string;
  status: "DEPLOYING" | "ACTIVE" | "PAUSED" | "FAILED" | "RETIRED";
  upstreamUrl: string | null;
  isPublic: boolean;
  rank: number;
  /** The upstream URL parsed once per routing-table load, not per request. */
  target: UpstreamTarget | null;
}

interface UpstreamTarget {
  /** scheme://host:port, the key of its connection pool. */
  origin: string;
  isHttps: boolean;
  hostname: string;
  port: string | number;
  /** The upstream URL's path, prefixed to the forwarded path ("" for the root). */
  basePath: string;
}

interface ModelEntry {
  versions: Map<string, Route>;
  /** The production alias: promoted, else the newest ACTIVE version, else the newest one that is not FAILED. */
  production: Route | null;
  splits: Array<{ route: Route; cumulative: number }> | null;
}

interface TokenEntry {
  name: string;
  invoke: boolean;
  expiresAt: number | null;
}

interface Table {
  models: Map<string, ModelEntry>;
  /** By sha256 of the secret, as stored. */
  tokens: Map<string, TokenEntry>;
  /**
   * By the secret itself, filled as callers present them, so a request does not hash its token:
   * it lives and dies with this table (reloaded every refresh), so a revoked token stops working
   * within the routing table's staleness bound like everything else the gateway knows.
   */
  verified: Map<string, TokenEntry | null>;
  /** When the backstop last found the table current (loaded then, or the version unchanged since). */
  checkedAt: number;
  /** The routing version read just before the rows (null where it cannot be read). */
  version: string | null;
}

/**
 * How far the routing triggers have advanced `trainyard_routing_version` (migration 20261128600000): one
 * row, so the listening backstop can tell "nothing changed" without reloading every deployment and token.
 */
async function routingVersion(db: Database): Promise<string | null> {
  const [row] = await db.prisma.$queryRaw<Array<{ v: string }>>`
    SELECT (CASE WHEN is_called THEN last_value ELSE 0 END)::text AS v FROM "trainyard_routing_version"`;
  return row?.v ?? null;
}

/** Secrets remembered per routing-table load (unknown ones too, so a flood of bad tokens stays cheap). */
const VERIFIED_CACHE_LIMIT = 10_000;
const ROUTING_CHANNEL = "trainyard_routing";
/** While routing changes are heard (LISTEN), a full reload at least this often anyway. */
const LISTENING_BACKSTOP_MS = 30_000;

interface PendingBatch {
  deploymentId: string;
  key: string;
  writes: RollupWrite[];
  eventCount: number;
}

export interface GatewayStats {
  gatewayId: string;
  requests: number;
  recordedEvents: number;
  flushedEvents: number;
  droppedEvents: number;
  unflushedBatches: number;
  routingTableAgeMs: number | null;
  /** Whether this gateway hears routing changes at once (LISTEN) besides polling. */
  listening: boolean;
  refreshes: number;
  /** Time to first byte of streamed responses (no content-length) since start, from an in-memory sketch. */
  streamTtfb: { count: number; p50Ms: number | null; p99Ms: number | null };
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "transfer-encoding",
  "upgrade",
  "host",
  "authorization",
  "content-length",
]);

const allGateways = new Set<Gateway>();

export class Gateway {
  readonly id = `gw-${randomBytes(6).toString("hex")}`;
  private table: Table | null = null;
  private current = new Map<string, RollupAccumulator>();
  private pending: PendingBatch[] = [];
  private seq = 0;
  private flushing: Promise<void> | null = null;
  private refreshing: Promise<void> | null = null;
  private checking: Promise<void> | null = null;
  private refreshAgain = false;
  /** A change was announced (or a load failed) and is not in the table yet. */
  private dirty = false;
  private refreshes = 0;
  private subscription: Subscription | null = null;
  private stopped = false;
  /** @internal */
  readonly streamTtfb = new LatencySketch();
  private timers: NodeJS.Timeout[] = [];
  private counters = { requests: 0, recorded: 0, flushed: 0, dropped: 0 };
  private lastDropLog = 0;
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly db: Database,
    /** @internal */
    readonly config: GatewayConfig,
    private readonly log: (line: string) => void = (line) => console.log(`[gateway] ${line}`),
  ) {}

  /**
   * Starts loading the routing table (requests answer 503 SERVICE_UNAVAILABLE until it is loaded; await
   * `refresh()` first to avoid that) and keeps it and the metrics flowing. Never waits on the database:
   * the web server must not wait behind a busy embedded database to start listening.
   */
  start(): void {
    allGateways.add(this);
    void this.refresh().catch((err) => this.log(`routing table not loaded yet: ${(err as Error).message}`));
    this.timers.push(setInterval(() => this.poll(), this.config.refreshIntervalMs));
    this.timers.push(setInterval(() => void this.flush(), this.config.flushIntervalMs));
    for (const t of this.timers) t.unref();
    // LISTEN on the channel the routing triggers notify (migration 20261128200000), on PostgreSQL and on
    // the embedded database alike: refresh as soon as anything the table holds changes. After the
    // session reconnects the subscription reports the channel once (anything may have changed meanwhile).
    this.subscription = subscribe(
      this.db,
      [ROUTING_CHANNEL],
      () => {
        this.dirty = true;
        void this.refresh().catch(() => {});
      },
      { log: (line) => this.warnOnce(line) },
    );
  }

  private get listening(): boolean {
    return this.subscription?.listening ?? false;
  }

  /**
   * The polling half of the staleness bound. While LISTEN is up, every change the table holds is announced
   * (delivered at commit) and reloads at once, so polling only backs it up every `LISTENING_BACKSTOP_MS`:
   * reloading every routing row and token once a second would be most of an idle fleet server's CPU.
   * Without LISTEN (the session reconnecting, or a database that cannot listen) the table reloads every interval.
   */
  private poll(): void {
    const table = this.table;
    const fail = (err: Error) => this.warnOnce(`routing table refresh failed (serving the last one): ${err.message}`);
    if (this.listening && table && !this.dirty) {
      if (Date.now() - table.checkedAt < LISTENING_BACKSTOP_MS || this.refreshing || this.checking) return;
      // The backstop asks whether anything changed since the load (one row) before reloading everything.
      this.checking = routingVersion(this.db)
        .then((version) => {
          if (version !== null && version === table.version && this.table === table && !this.dirty) table.checkedAt = Date.now();
          else return this.refresh();
        })
        .catch(fail)
        .finally(() => (this.checking = null));
      return;
    }
    void this.refresh().catch(fail);
  }

  /** Stops the timers and writes what is still in memory (one last attempt). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    await this.subscription?.close();
    this.subscription = null;
    await this.flush();
    allGateways.delete(this);
    await Promise.all([...this.pools.values()].map((p) => p.destroy().catch(() => {})));
    this.pools.clear();
  }

  /** The streamed responses' time-to-first-byte sketch (read-only use: /metrics merges it). */
  ttfbSketch(): LatencySketch {
    return this.streamTtfb;
  }

  stats(): GatewayStats {
    return {
      gatewayId: this.id,
      requests: this.counters.requests,
      recordedEvents: this.counters.recorded,
      flushedEvents: this.counters.flushed,
      droppedEvents: this.counters.dropped,
      unflushedBatches: this.pending.length + this.current.size,
      routingTableAgeMs: this.table ? Date.now() - this.table.checkedAt : null,
      listening: this.listening,
      refreshes: this.refreshes,
      streamTtfb: { count: this.streamTtfb.count, p50Ms: this.streamTtfb.quantile(0.5), p99Ms: this.streamTtfb.quantile(0.99) },
    };
  }

  private lastWarn = 0;
  private warnOnce(line: string) {
    if (Date.now() - this.lastWarn > 10_000) {
      this.lastWarn = Date.now();
      this.log(line);
    }
  }

  /**
   * Reads every version and route and the tokens; swaps the table in one assignment. A call while a
   * load is running waits for one more load that starts after it (a change notified mid-load is not lost).
   */
  refresh(): Promise<void> {
    if (this.refreshing) {
      this.refreshAgain = true;
      return this.refreshing;
    }
    const run = async () => {
      try {
        do {
          this.refreshAgain = false;
          this.dirty = false;
          await this.load().catch((err) => {
            // A change announced but not loaded: the next poll tries again instead of trusting LISTEN.
            this.dirty = true;
            throw err;
          });
        } while (this.refreshAgain && !this.stopped);
      } finally {
        this.refreshing = null;
      }
    };
    this.refreshing = run();
    return this.refreshing;
  }

  private async load(): Promise<void> {
    // Read before the rows: a change after this point moves the version past it, and the backstop reloads.
    const version = await routingVersion(this.db);
    const [deployments, routes, tokens] = await Promise.all([
      this.db.prisma.deployment.findMany({
        select: { id: true, modelName: true, version: true, status: true, upstreamUrl: true, isPublic: true, versionMajor: true, versionMinor: true, versionPatch: true },
      }),
      this.db.prisma.modelRoute.findMany(),
      this.db.prisma.apiToken.findMany({ where: { revokedAt: null }, select: { secretHash: true, name: true, scopes: true, expiresAt: true } }),
    ]);
    const models = new Map<string, ModelEntry>();
    for (const d of deployments) {
      let m = models.get(d.modelName);
      if (!m) models.set(d.modelName, (m = { versions: new Map(), production: null, splits: null }));
      m.versions.set(d.version, {
        id: d.id,
        modelName: d.modelName,
        version: d.version,
        status: d.status,
        upstreamUrl: d.upstreamUrl,
        isPublic: d.isPublic,
        rank: d.versionMajor * 1e12 + d.versionMinor * 1e6 + d.versionPatch,
        target: d.upstreamUrl === null ? null : parseTarget(d.upstreamUrl),
      });
    }
    const byId = new Map<string, Route>();
    for (const m of models.values()) for (const r of m.versions.values()) byId.set(r.id, r);
    const explicit = new Map(routes.map((r) => [r.modelName, r]));
    for (const [name, m] of models) {
      const route = explicit.get(name);
      const newest = [...m.versions.values()].sort((a, b) => b.rank - a.rank);
      m.production =
        (route?.productionDeploymentId ? byId.get(route.productionDeploymentId) : undefined) ??
        newest.find((r) => r.status === "ACTIVE") ??
        newest.find((r) => r.status !== "FAILED") ??
        null;
      const splits = parseSplits(route?.splits ?? null);
      m.splits = splits ? cumulativeSplits(splits, byId) : null;
    }
    const tokenMap = new Map<string, TokenEntry>();
    for (const t of tokens) tokenMap.set(t.secretHash, { name: t.name, invoke: t.scopes.includes("invoke"), expiresAt: t.expiresAt?.getTime() ?? null });
    this.table = { models, tokens: tokenMap, verified: new Map(), checkedAt: Date.now(), version };
    this.refreshes++;
  }

  /** Express/Node handler for paths under /v1/models (the full path must be in `req.url` or given as `path`). */
  handle = (req: IncomingMessage, res: ServerResponse, path?: string): void => {
    const rawUrl = path ?? req.url ?? "/";
    const qIndex = rawUrl.indexOf("?");
    const pathname = qIndex === -1 ? rawUrl : rawUrl.slice(0, qIndex);
    const search = qIndex === -1 ? "" : rawUrl.slice(qIndex);
    const match = /^\/v1\/models\/([^/]+)(?:\/(.*))?$/.exec(pathname);
    if (!match) return sendError(res, 404, "NOT_FOUND", "Not a gateway path: use /v1/models/{modelName}/… or /v1/models/{modelName}/versions/{version}/…");
    const table = this.table;
    if (!table) return sendError(res, 503, "SERVICE_UNAVAILABLE", "The gateway has not loaded its routing table yet", 2);
    let modelName: string;
    let rest = match[2] ?? "";
    try {
      modelName = decodeURIComponent(match[1]!);
    } catch {
      return sendError(res, 400, "BAD_REQUEST", "Malformed model name in the path");
    }
    const model = table.models.get(modelName);
    if (!model) return sendError(res, 404, "MODEL_NOT_FOUND", `No model named "${modelName}" is deployed`);
    let route: Route | null;
    const versionMatch = /^versions\/([^/]+)(?:\/(.*))?$/.exec(rest);
    if (versionMatch) {
      const version = safeDecode(versionMatch[1]!);
      route = model.versions.get(version) ?? null;
      rest = versionMatch[2] ?? "";
      if (!route) return sendError(res, 404, "VERSION_NOT_FOUND", `${modelName} has no version ${version}`);
    } else if (model.splits) {
      route = pickSplit(model.splits, req.headers["x-trainyard-route-key"]);
    } else {
      route = model.production;
      if (!route) return sendError(res, 404, "NO_PRODUCTION_VERSION", `${modelName} has no version that can serve`);
    }
    switch (route.status) {
      case "DEPLOYING":
        return sendError(res, 503, "DEPLOYMENT_NOT_READY", `${modelName} ${route.version} is still rolling out`, 5);
      case "PAUSED":
        return sendError(res, 503, "DEPLOYMENT_PAUSED", `${modelName} ${route.version} is paused`);
      case "RETIRED":
        return sendError(res, 410, "DEPLOYMENT_RETIRED", `${modelName} ${route.version} has been retired`);
      case "FAILED":
        return sendError(res, 503, "DEPLOYMENT_FAILED", `${modelName} ${route.version} failed its rollout and does not serve`);
    }
    if (!route.isPublic) {
      const denial = this.authorize(table, req.headers.authorization);
      if (denial) return sendError(res, denial.status, denial.code, denial.message);
    }
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared > this.config.bodyLimitBytes) {
      req.resume();
      return sendError(res, 413, "PAYLOAD_TOO_LARGE", `The request body exceeds the gateway's limit of ${this.config.bodyLimitBytes} bytes`);
    }
    this.counters.requests++;
    const target = route;
    res.setHeader("x-trainyard-deployment", target.id);
    res.setHeader("x-trainyard-version", target.version);
    if (target.upstreamUrl === null) return this.simulate(req, res, target);
    if (target.target === null) return sendError(res, 502, "UPSTREAM_UNAVAILABLE", `${modelName} ${target.version} has an upstream URL that cannot be parsed`);
    this.proxy(req, res, target, `/${rest}${search}`);
  };

  private authorize(table: Table, header: string | undefined): { status: number; code: string; message: string } | null {
    const m = header ? /^Bearer\s+(\S+)$/i.exec(header.trim()) : null;
    if (!m) return { status: 401, code: "UNAUTHENTICATED", message: 'This deployment needs an API token with the "invoke" scope: send "Authorization: Bearer <token>"' };
    const secret = m[1]!;
    let token = table.verified.get(secret);
    if (token === undefined) {
      if (!isWellFormedSecret(secret)) return { status: 401, code: "UNAUTHENTICATED", message: "Malformed API token" };
      token = table.tokens.get(hashSecret(secret)) ?? null;
      if (table.verified.size >= VERIFIED_CACHE_LIMIT) table.verified.clear();
      table.verified.set(secret, token);
    }
    if (!token) return { status: 401, code: "UNAUTHENTICATED", message: "Unknown or revoked API token" };
    if (token.expiresAt !== null && token.expiresAt <= Date.now()) return { status: 401, code: "UNAUTHENTICATED", message: `API token "${token.name}" has expired` };
    if (!token.invoke) return { status: 403, code: "FORBIDDEN", message: `API token "${token.name}" lacks the "invoke" scope this needs` };
    return null;
  }

  /** One undici pool (keep-alive connections) per upstream origin, made on first use. */
  private poolFor(target: UpstreamTarget): Pool {
    let pool = this.pools.get(target.origin);
    if (!pool) this.pools.set(target.origin, (pool = new Pool(target.origin, { connections: 1024, keepAliveTimeout: 30_000 })));
    return pool;
  }

  private proxy(req: IncomingMessage, res: ServerResponse, route: Route, path: string) {
    const base = route.target!;
    const headers: Record<string, string | string[]> = {};
    const inHeaders = req.headers;
    for (const k in inHeaders) {
      const v = inHeaders[k];
      if (v !== undefined && !HOP_BY_HOP.has(k) && k !== "expect") headers[k] = v;
    }
    // Keep the body's framing: a declared length is passed on (undici checks it); a chunked body stays chunked.
    const declared = inHeaders["content-length"];
    if (declared !== undefined) headers["content-length"] = declared;
    headers["x-forwarded-for"] = req.socket.remoteAddress ?? "";
    headers["x-trainyard-deployment"] = route.id;
    headers["x-trainyard-version"] = route.version;
    const exchange = new ProxyExchange(this, req, res, route);
    // The caller went away: stop the upstream request too.
    res.on("close", exchange.onClose);
    let body: Readable | null = null;
    if (declared !== undefined) {
      // A declared length was checked against the limit already, and Node's parser reads no byte past it:
      // the request itself streams to the upstream, with nothing in between.
      if (declared !== "0") body = req;
    } else if (inHeaders["transfer-encoding"] !== undefined) {
      body = exchange.countedBody(this.config.bodyLimitBytes);
    }
    this.poolFor(base).dispatch(
      { origin: base.origin, path: base.basePath + path, method: (req.method ?? "GET") as Dispatcher.HttpMethod, headers, body, headersTimeout: this.config.upstreamTimeoutMs, bodyTimeout: 0 },
      exchange,
    );
  }

  /** The built-in simulated model server: a synthetic answer after a latency drawn from the deployment's traffic profile. */
  private simulate(req: IncomingMessage, res: ServerResponse, route: Route) {
    const started = performance.now();
    let bytes = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > this.config.bodyLimitBytes) tooLarge = true;
    });
    req.on("end", () => {
      if (tooLarge) {
        this.record(route.id, performance.now() - started, "CLIENT_ERROR");
        return sendError(res, 413, "PAYLOAD_TOO_LARGE", `The request body exceeds the gateway's limit of ${this.config.bodyLimitBytes} bytes`);
      }
      const profile = profileFor(route.id);
      const delay = Math.min(5000, logNormal(Math.random, profile.medianMs, profile.sigma));
      setTimeout(() => {
        const body = JSON.stringify({
          simulated: true,
          model: route.modelName,
          version: route.version,
          output: `Simulated response from ${route.modelName} ${route.version}: no model server is attached to this version (set an upstream to serve a real model).`,
          receivedBytes: bytes,
        });
        res.writeHead(200, { "content-type": "application/json", "x-trainyard-simulated": "true", "content-length": Buffer.byteLength(body) });
        res.end(body);
        this.record(route.id, performance.now() - started, "OK");
      }, delay);
    });
  }

  /** @internal Counts one answered request into this period's aggregate (ProxyExchange calls it). */
  record(deploymentId: string, latencyMs: number, outcome: InferenceOutcome) {
    let acc = this.current.get(deploymentId);
    if (!acc) this.current.set(deploymentId, (acc = new RollupAccumulator()));
    acc.add(Date.now(), Math.max(latencyMs, 0.001), outcome);
    this.counters.recorded++;
  }

  /**
   * Turns this period's aggregates into batches (one per deployment, each with
   * its own idempotency key) and writes every unwritten batch in order. A batch
   * that fails stays queued with the same key, so a retry after a write that did
   * commit is recognised and not counted twice. At most `maxUnflushedBatches`
   * are kept; beyond that the oldest are dropped and counted.
   */
  flush(): Promise<void> {
    for (const [deploymentId, acc] of this.current) {
      this.pending.push({ deploymentId, key: `${this.id}-${++this.seq}`, writes: acc.writes(), eventCount: acc.eventCount });
    }
    this.current = new Map();
    if (this.pending.length > this.config.maxUnflushedBatches) {
      const dropped = this.pending.splice(0, this.pending.length - this.config.maxUnflushedBatches);
      const events = dropped.reduce((n, b) => n + b.eventCount, 0);
      this.counters.dropped += events;
      if (Date.now() - this.lastDropLog > 10_000) {
        this.lastDropLog = Date.now();
        this.log(`database unreachable: dropped ${events} measured requests (total dropped: ${this.counters.dropped})`);
      }
    }
    if (this.flushing) return this.flushing;
    this.flushing = this.writePending().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async writePending() {
    const written = new Set<string>();
    while (this.pending.length > 0) {
      const batch = this.pending[0]!;
      try {
        await ingestRollups(this.db.prisma, { deploymentId: batch.deploymentId, writes: batch.writes, eventCount: batch.eventCount, idempotencyKey: batch.key, requireActive: false });
        this.counters.flushed += batch.eventCount;
        written.add(batch.deploymentId);
      } catch (err) {
        if (err instanceof BaseError) {
          // The deployment no longer exists: nothing to add these to.
          this.counters.dropped += batch.eventCount;
        } else {
          this.warnOnce(`could not write metrics (will retry, ${this.pending.length} batches waiting): ${(err as Error).message}`);
          break;
        }
      }
      this.pending.shift();
    }
    if (written.size > 0) {
      await refreshDeploymentStats(this.db.prisma, [...written]).catch(() => {});
    }
  }
}

/**
 * One proxied request: undici's dispatch handler and the bookkeeping around it, as one object (not a
 * dozen closures), since the gateway makes one per request.
 */
class ProxyExchange implements Dispatcher.DispatchHandlers {
  private readonly started = performance.now();
  private settled = false;
  private abortUpstream: ((err: Error) => void) | null = null;
  private resumeUpstream: (() => void) | null = null;
  private clientGone = false;
  private tooLarge = false;
  private outcome: InferenceOutcome = "OK";
  private streamed = false;
  private firstChunk = true;

  constructor(
    private readonly gateway: Gateway,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly route: Route,
  ) {}

  private finish(outcome: InferenceOutcome) {
    if (this.settled) return;
    this.settled = true;
    this.gateway.record(this.route.id, performance.now() - this.started, outcome);
  }

  readonly onClose = () => {
    if (!this.res.writableFinished) {
      this.clientGone = true;
      this.abortUpstream?.(new Error("the caller went away"));
      this.finish("CLIENT_ERROR");
    }
  };

  private readonly onResDrain = () => this.resumeUpstream?.();

  /**
   * A chunked request body (no declared length), counted as it streams: over the limit the upstream request
   * is aborted (its connection closed) and the caller gets 413; the rest of its body is drained.
   */
  countedBody(limit: number): PassThrough {
    const pass = new PassThrough();
    let bytes = 0;
    const req = this.req;
    req.on("data", (chunk: Buffer) => {
      if (this.tooLarge) return;
      bytes += chunk.length;
      if (bytes > limit) {
        this.tooLarge = true;
        const err = Object.assign(new Error("too large"), { code: "PAYLOAD_TOO_LARGE" });
        if (this.abortUpstream) this.abortUpstream(err);
        else pass.destroy(err);
        return;
      }
      if (!pass.write(chunk)) req.pause();
    });
    pass.on("drain", () => req.resume());
    req.on("end", () => {
      if (!this.tooLarge) pass.end();
    });
    return pass;
  }

  onConnect(abort: (err?: Error) => void) {
    this.abortUpstream = abort;
    if (this.clientGone) abort(new Error("the caller went away"));
  }

  onHeaders(status: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (status < 200) return true; // 1xx: informational, not forwarded
    this.resumeUpstream = resume;
    const outHeaders: http.OutgoingHttpHeaders = {};
    let length: string | undefined;
    for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
      const k = rawHeaders[i]!.toString("latin1").toLowerCase();
      const v = rawHeaders[i + 1]!.toString("latin1");
      if (k === "content-length") length = v;
      else if (HOP_BY_HOP.has(k)) continue;
      const prev = outHeaders[k];
      outHeaders[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [String(prev), v];
    }
    this.streamed = length === undefined;
    if (!this.streamed) outHeaders["content-length"] = length;
    this.outcome = status >= 500 ? "SERVER_ERROR" : status >= 400 ? "CLIENT_ERROR" : "OK";
    const res = this.res;
    res.writeHead(status, outHeaders);
    if (this.streamed) {
      // Streams (SSE, chunked tokens) go out chunk by chunk: no Nagle delay, no buffering.
      res.socket?.setNoDelay(true);
      res.flushHeaders();
    }
    return true;
  }

  onData(chunk: Buffer): boolean {
    if (this.streamed && this.firstChunk) {
      this.firstChunk = false;
      // Time to first byte: when the upstream's first body chunk is handed to the caller.
      this.gateway.streamTtfb.add(Math.max(performance.now() - this.started, 0.001));
    }
    if (this.res.write(chunk)) return true;
    this.res.once("drain", this.onResDrain);
    return false;
  }

  onComplete() {
    this.res.end();
    this.finish(this.outcome);
  }

  onError(err: Error & { code?: string }) {
    const { res, route, clientGone } = this;
    this.finish(clientGone ? "CLIENT_ERROR" : "SERVER_ERROR");
    if (clientGone || res.destroyed) return;
    if (res.headersSent) return void res.destroy();
    const limit = this.gateway.config.bodyLimitBytes;
    if (this.tooLarge) return sendError(res, 413, "PAYLOAD_TOO_LARGE", `The request body exceeds the gateway's limit of ${limit} bytes`);
    if (err.code === "UND_ERR_HEADERS_TIMEOUT" || err.code === "UND_ERR_CONNECT_TIMEOUT" || err.code === "ETIMEDOUT") {
      return sendError(res, 504, "UPSTREAM_TIMEOUT", `${route.modelName} ${route.version} did not answer within ${this.gateway.config.upstreamTimeoutMs} ms`);
    }
    const code = err.code ?? (err.cause as { code?: string } | undefined)?.code;
    sendError(res, 502, "UPSTREAM_UNAVAILABLE", `${route.modelName} ${route.version}'s model server could not be reached (${code ?? err.message})`);
  }
}

function parseTarget(upstreamUrl: string): UpstreamTarget | null {
  try {
    const u = new URL(upstreamUrl);
    const isHttps = u.protocol === "https:";
    return { origin: u.origin, isHttps, hostname: u.hostname, port: u.port || (isHttps ? 443 : 80), basePath: u.pathname === "/" ? "" : u.pathname };
  } catch {
    return null;
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function cumulativeSplits(splits: SplitEntry[], byId: Map<string, Route>) {
  let total = 0;
  const out: Array<{ route: Route; cumulative: number }> = [];
  for (const s of splits) {
    const route = byId.get(s.deploymentId);
    if (!route || s.percent <= 0) continue;
    total += s.percent;
    out.push({ route, cumulative: total });
  }
  if (out.length === 0) return null;
  for (const o of out) o.cumulative /= total;
  return out;
}

/** Weighted choice; with a route key the same caller always lands on the same version (while the split is unchanged). */
function pickSplit(splits: Array<{ route: Route; cumulative: number }>, key: string | string[] | undefined): Route {
  const k = Array.isArray(key) ? key[0] : key;
  const draw = k ? createHash("sha1").update(k).digest().readUInt32BE(0) / 0x1_0000_0000 : Math.random();
  return (splits.find((s) => draw < s.cumulative) ?? splits[splits.length - 1]!).route;
}

export function sendError(res: ServerResponse, status: number, code: string, message: string, retryAfterSeconds?: number) {
  if (res.headersSent) return void res.destroy();
  const body = JSON.stringify({ error: { code, message }, code, message });
  const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "content-length": Buffer.byteLength(body), "cache-control": "no-store" };
  if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
  res.writeHead(status, headers);
  res.end(body);
}

/** One summary over this process's gateways (their sketches merge exactly). */
function ttfbLines(stats: GatewayStats[]): string[] {
  const merged = new LatencySketch();
  for (const g of allGateways) merged.mergeSketch(g.ttfbSketch());
  const lines: string[] = [];
  for (const q of [0.5, 0.9, 0.99]) {
    const v = merged.quantile(q);
    if (v !== null) lines.push(`trainyard_gateway_stream_ttfb_ms{quantile="${q}"} ${v.toFixed(3)}`);
  }
  lines.push(`trainyard_gateway_stream_ttfb_ms_count ${stats.reduce((n, s) => n + s.streamTtfb.count, 0)}`);
  return lines;
}

/** Every gateway in this process, for /metrics. */
export function gatewayStats(): GatewayStats[] {
  return [...allGateways].map((g) => g.stats());
}

/** Prometheus text for the gateways of this process. */
export function gatewayMetricsText(): string {
  const stats = gatewayStats();
  const sum = (f: (s: GatewayStats) => number) => stats.reduce((n, s) => n + f(s), 0);
  return [
    "# HELP trainyard_gateway_requests_total Requests the gateway routed to a deployment.",
    "# TYPE trainyard_gateway_requests_total counter",
    `trainyard_gateway_requests_total ${sum((s) => s.requests)}`,
    "# HELP trainyard_gateway_flushed_events_total Measured requests written to the database.",
    "# TYPE trainyard_gateway_flushed_events_total counter",
    `trainyard_gateway_flushed_events_total ${sum((s) => s.flushedEvents)}`,
    "# HELP trainyard_gateway_dropped_events_total Measured requests dropped because the database stayed unreachable longer than the unflushed buffer lasts.",
    "# TYPE trainyard_gateway_dropped_events_total counter",
    `trainyard_gateway_dropped_events_total ${sum((s) => s.droppedEvents)}`,
    "# HELP trainyard_gateway_stream_ttfb_ms Time to first byte of streamed responses (no content-length), since the gateway started.",
    "# TYPE trainyard_gateway_stream_ttfb_ms summary",
    ...ttfbLines(stats),
    "# HELP trainyard_gateway_unflushed_batches Aggregates waiting to be written.",
    "# TYPE trainyard_gateway_unflushed_batches gauge",
    `trainyard_gateway_unflushed_batches ${sum((s) => s.unflushedBatches)}`,
    "",
  ].join("\n");
}
