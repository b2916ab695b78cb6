import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createInterface } from "node:readline";
import { randomBytes } from "node:crypto";
import type { Database } from "../../graphql/db.ts";
import { Gateway } from "../../graphql/gateway/gateway.ts";
import { loadConfig } from "../../graphql/config.ts";
import { listenLocally } from "../setup/http.ts";
import { createCompleteJob } from "../setup/jobs.ts";

const here = path.dirname(fileURLToPath(import.meta.url));

export interface Upstream {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts tests/gateway/upstream.mjs as a process of its own and waits for its port. */
export async function startUpstream(env: Record<string, string> = {}): Promise<Upstream> {
  const child = spawn(process.execPath, [path.join(here, "upstream.mjs")], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<number>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once("line", (line) => resolve((JSON.parse(line) as { port: number }).port));
    child.once("exit", (code) => reject(new Error(`upstream exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    process: child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

export interface TestGateway {
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

/** The gateway component on a real HTTP port, as `trainyard gateway` serves it, with test-friendly intervals. */
export async function startTestGateway(db: Database, env: Record<string, string> = {}): Promise<TestGateway> {
  const config = loadConfig({ TRAINYARD_GATEWAY_REFRESH_MS: "300", TRAINYARD_GATEWAY_FLUSH_MS: "250", ...env }).serving.gateway;
  const gateway = new Gateway(db, config, () => {});
  await gateway.refresh();
  gateway.start();
  const server = http.createServer((req, res) => gateway.handle(req, res));
  // As `trainyard gateway` does: idle keep-alive connections outlive the client agent's, so a reused socket is never
  // one the server is closing at that moment (an ECONNRESET race on a loaded machine).
  server.keepAliveTimeout = 65_000;
  const local = await listenLocally(server);
  return {
    url: local.base,
    gateway,
    async close() {
      await local.close({ force: true });
      await gateway.stop();
    },
  };
}

/** The one base model and dataset completeJob uses (the demo seed is more than these tests need). */
export async function ensureCatalogRows(db: Database) {
  await db.prisma.baseModel.upsert({
    where: { id: "llama-3.1-8b-instruct" },
    update: {},
    create: {
      id: "llama-3.1-8b-instruct",
      name: "Llama 3.1 8B Instruct",
      family: "llama",
      organization: "Meta",
      parametersBillions: 8,
      contextLength: 131072,
      license: "llama3.1",
      task: "TEXT_GENERATION",
      huggingFaceId: "meta-llama/Llama-3.1-8B-Instruct",
      description: "Base model for the gateway tests",
      releasedOn: new Date("2024-07-23"),
    },
  });
  await db.prisma.dataset.upsert({
    where: { id: "support-tickets-2026q3" },
    update: {},
    create: { id: "support-tickets-2026q3", name: "support-tickets-2026q3", description: "Dataset for the gateway tests", task: "TEXT_GENERATION", format: "jsonl", rowCount: 1, sizeBytes: 1n },
  });
}

/** A COMPLETE training job (with its artifact) of `modelName`, ready to deploy. */
export async function completeJob(db: Database, modelName: string): Promise<string> {
  const { id } = await createCompleteJob(db.prisma, modelName, { baseModelId: "llama-3.1-8b-instruct", datasetId: "support-tickets-2026q3" });
  await db.prisma.artifact.create({
    data: { jobId: id, uri: `file:///artifacts/${modelName}/${id}.safetensors`, format: "SAFETENSORS", sizeBytes: 1234n, sha256: randomBytes(32).toString("hex") },
  });
  return id;
}

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  json: any;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request with Node's client (keep-alive), body read whole. */
export function request(url: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: options.method ?? (options.body ? "POST" : "GET"), headers: options.headers, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks).toString("utf8");
        let json: unknown = null;
        try {
          json = JSON.parse(body);
        } catch {
          /* not JSON */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, json });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}
