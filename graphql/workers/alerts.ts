import { evaluateDueRules, nextEvaluationDueInMs } from "../services/alerts.ts";
import { deliverDueNotifications, nextDeliveryDueInMs } from "../services/notifications.ts";
import { dueIn, IDLE_BACKSTOP_MS, startLoop, type WorkerFactory } from "./loop.ts";

/**
 * Evaluates due alert rules (each at least every 15 s) and sends due
 * notifications (a first retry 5 s after a failure). Each loop sleeps until its
 * next row is due, or until a new rule or notification is announced; while
 * announcements are not heard they poll every 5 s and 2 s as before. Both claim
 * rows with FOR UPDATE SKIP LOCKED: safe in every web process at once (see
 * docs/decisions/0021, 0022, 0035).
 */
export const alertEvaluator: WorkerFactory = {
  name: "alert-evaluator",
  enabled: () => true,
  wakeOn: ["alerts"],
  start(db, config, context) {
    return startLoop(
      "alert-evaluator",
      5_000,
      async () => {
        // Drain: a large fleet has more due rules than one claim takes.
        for (let i = 0; i < 20; i++) if ((await evaluateDueRules(db.prisma, { publicUrl: config.publicUrl })).evaluated === 0) break;
        return dueIn(await nextEvaluationDueInMs(db.prisma));
      },
      // Rules due within a second of each other are evaluated in one pass.
      { idleMs: IDLE_BACKSTOP_MS, listening: () => context?.listening() ?? false, minSleepMs: 1_000 },
    );
  },
};

export const notificationSender: WorkerFactory = {
  name: "notification-sender",
  enabled: () => true,
  wakeOn: ["notifications"],
  start(db, _config, context) {
    return startLoop(
      "notification-sender",
      2_000,
      async () => {
        for (let i = 0; i < 10; i++) if ((await deliverDueNotifications(db.prisma)) === 0) break;
        return dueIn(await nextDeliveryDueInMs(db.prisma));
      },
      { idleMs: IDLE_BACKSTOP_MS, listening: () => context?.listening() ?? false },
    );
  },
};
