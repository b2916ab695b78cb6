import { simulateTraffic } from "../services/traffic.ts";
import { startLoop, type WorkerFactory } from "./loop.ts";

/** Feeds simulated inference traffic to ACTIVE deployments every few seconds (see services/traffic.ts). */
export const trafficSimulator: WorkerFactory = {
  name: "traffic-simulator",
  enabled: (config) => config.simulatorEnabled,
  start(db) {
    return startLoop("traffic-simulator", 5_000, async () => {
      await simulateTraffic(db.prisma);
    });
  },
};
