-- Hand-written: new background work is announced on the "trainyard_work" channel (payload: which
-- worker it is for), so idle workers sleep instead of polling and wake when there is something to do
-- (docs/decisions/0035-workers-wake-on-notify.md). Deployment changes are already announced on
-- "trainyard_routing" (20261128200000), which the rollout workers hear too.
-- NOTIFY folds identical payloads within a transaction into one, and is delivered at commit.
CREATE FUNCTION "trainyard_notify_work"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('trainyard_work', TG_ARGV[0]);
  RETURN NULL;
END;
$$;

-- A job to claim: created, or queued again (retry, recovery).
CREATE TRIGGER "TrainingJob_work_insert" AFTER INSERT ON "TrainingJob"
  FOR EACH ROW EXECUTE FUNCTION "trainyard_notify_work"('training');
CREATE TRIGGER "TrainingJob_work_queued" AFTER UPDATE ON "TrainingJob"
  FOR EACH ROW WHEN (NEW."status" = 'QUEUED' AND OLD."status" IS DISTINCT FROM NEW."status")
  EXECUTE FUNCTION "trainyard_notify_work"('training');

-- A notification to send: enqueued, or its next attempt moved earlier than it was.
CREATE TRIGGER "NotificationDelivery_work_insert" AFTER INSERT ON "NotificationDelivery"
  FOR EACH ROW EXECUTE FUNCTION "trainyard_notify_work"('notifications');
CREATE TRIGGER "NotificationDelivery_work_sooner" AFTER UPDATE ON "NotificationDelivery"
  FOR EACH ROW WHEN (NEW."status" = 'PENDING' AND NEW."nextAttemptAt" < OLD."nextAttemptAt")
  EXECUTE FUNCTION "trainyard_notify_work"('notifications');

-- A rule to evaluate: created, switched on, or due sooner than it was (its condition changed).
-- The evaluator's own writes move "nextEvalAt" later and do not fire it.
CREATE TRIGGER "AlertRule_work_insert" AFTER INSERT ON "AlertRule"
  FOR EACH ROW EXECUTE FUNCTION "trainyard_notify_work"('alerts');
CREATE TRIGGER "AlertRule_work_sooner" AFTER UPDATE ON "AlertRule"
  FOR EACH ROW WHEN (NEW."enabled" AND (NOT OLD."enabled" OR NEW."nextEvalAt" < OLD."nextEvalAt"))
  EXECUTE FUNCTION "trainyard_notify_work"('alerts');
