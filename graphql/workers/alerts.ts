import { evaluateDueRules } from "../services/alerts.ts";
import { deliverDueNotifications } from "../services/notifications.ts";
import { startLoop, type WorkerFactory } from "./loop.ts";

/**
 * Evaluates due alert rules (each at least every 15 s; this loop polls every
 * 5 s) and sends due notifications (every 2 s, so a first retry 5 s after a
 * failure goes out within 10 s). Both claim rows with FOR UPDATE SKIP LOCKED:
 * safe in every web process at once (see docs/decisions/0021, 0022).
 */
export const alertEvaluator: WorkerFactory = {
  name: "alert-evaluator",
  enabled: () => true,
  start(db, config) {
    return startLoop("alert-evaluator", 5_000, async () => {
      // Drain: a large fleet has more due rules than one claim takes.
      for (let i = 0; i < 20; i++) if ((await evaluateDueRules(db.prisma, { publicUrl: config.publicUrl })).evaluated === 0) break;
    });
  },
};

export const notificationSender: WorkerFactory = {
  name: "notification-sender",
  enabled: () => true,
  start(db) {
    return startLoop("notification-sender", 2_000, async () => {
      for (let i = 0; i < 10; i++) if ((await deliverDueNotifications(db.prisma)) === 0) break;
    });
  },
};
