import client from "prom-client";
import type { Database } from "../db.ts";
import { registry } from "./registry.ts";

let current: Database | null = null;

/**
 * Gauges read from the database at scrape time: queued/running training jobs,
 * connection pool use. The last database registered is the one reported.
 */
export function observeDatabase(db: Database) {
  current = db;
  if (registry.getSingleMetric("trainyard_training_jobs")) return;
  new client.Gauge({
    name: "trainyard_training_jobs",
    help: "Training jobs waiting or running, by status.",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      if (!current) return;
      const rows = await current.prisma.trainingJob.groupBy({ by: ["status"], where: { status: { in: ["QUEUED", "RUNNING"] } }, _count: true });
      this.set({ status: "queued" }, rows.find((r) => r.status === "QUEUED")?._count ?? 0);
      this.set({ status: "running" }, rows.find((r) => r.status === "RUNNING")?._count ?? 0);
    },
  });
  new client.Gauge({
    name: "trainyard_db_pool_connections",
    help: "Database connections by state (in_use, idle) and requests waiting for one (waiting); PGlite reports one connection.",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const stats = current?.poolStats?.() ?? { total: 1, idle: 0, waiting: 0, max: 1 };
      this.set({ state: "in_use" }, stats.total - stats.idle);
      this.set({ state: "idle" }, stats.idle);
      this.set({ state: "waiting" }, stats.waiting);
    },
  });
  new client.Gauge({
    name: "trainyard_db_pool_max_connections",
    help: "The configured size of the database connection pool.",
    registers: [registry],
    collect() {
      this.set(current?.poolStats?.().max ?? 1);
    },
  });
}
