-- Issue 12: how many deployments and training jobs are in each status, kept by the database itself, so the
-- dashboard reads a handful of rows whatever the fleet size (docs/decisions/0039-status-counts.md).
--
-- Rows are deltas, never updated: a trigger adds +1 for a row's new status and -1 for its old one, so
-- concurrent writers only insert (no row locks, no lock-order deadlocks between transactions that change
-- several statuses). The count of a status is the sum of its rows; the maintenance pass folds the rows
-- into one per status (trainyard_fold_status_counts) so the sum stays a few rows long.

-- CreateTable
CREATE TABLE "StatusCount" (
    "id" BIGSERIAL NOT NULL,
    "subject" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "delta" INTEGER NOT NULL,

    CONSTRAINT "StatusCount_pkey" PRIMARY KEY ("id")
);

-- Inserted rows: one delta per status per statement (a bulk insert adds a few rows, not one per row).
CREATE FUNCTION "trainyard_status_count_inserted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "StatusCount" ("subject", "status", "delta")
  SELECT TG_TABLE_NAME, i."status"::text, count(*) FROM inserted i GROUP BY 2;
  RETURN NULL;
END $$;

CREATE FUNCTION "trainyard_status_count_deleted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "StatusCount" ("subject", "status", "delta")
  SELECT TG_TABLE_NAME, d."status"::text, -count(*) FROM deleted d GROUP BY 2;
  RETURN NULL;
END $$;

-- A status change (the trigger's WHEN clause leaves every other update alone, at no cost).
CREATE FUNCTION "trainyard_status_count_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO "StatusCount" ("subject", "status", "delta")
  VALUES (TG_TABLE_NAME, OLD."status"::text, -1), (TG_TABLE_NAME, NEW."status"::text, 1);
  RETURN NULL;
END $$;

CREATE FUNCTION "trainyard_status_count_truncated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM "StatusCount" WHERE "subject" = TG_TABLE_NAME;
  RETURN NULL;
END $$;

CREATE TRIGGER "Deployment_status_count_inserted" AFTER INSERT ON "Deployment"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "trainyard_status_count_inserted"();
CREATE TRIGGER "Deployment_status_count_deleted" AFTER DELETE ON "Deployment"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "trainyard_status_count_deleted"();
CREATE TRIGGER "Deployment_status_count_changed" AFTER UPDATE OF "status" ON "Deployment"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status") EXECUTE FUNCTION "trainyard_status_count_changed"();
CREATE TRIGGER "Deployment_status_count_truncated" AFTER TRUNCATE ON "Deployment"
  FOR EACH STATEMENT EXECUTE FUNCTION "trainyard_status_count_truncated"();

CREATE TRIGGER "TrainingJob_status_count_inserted" AFTER INSERT ON "TrainingJob"
  REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT EXECUTE FUNCTION "trainyard_status_count_inserted"();
CREATE TRIGGER "TrainingJob_status_count_deleted" AFTER DELETE ON "TrainingJob"
  REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT EXECUTE FUNCTION "trainyard_status_count_deleted"();
CREATE TRIGGER "TrainingJob_status_count_changed" AFTER UPDATE OF "status" ON "TrainingJob"
  FOR EACH ROW WHEN (OLD."status" IS DISTINCT FROM NEW."status") EXECUTE FUNCTION "trainyard_status_count_changed"();
CREATE TRIGGER "TrainingJob_status_count_truncated" AFTER TRUNCATE ON "TrainingJob"
  FOR EACH STATEMENT EXECUTE FUNCTION "trainyard_status_count_truncated"();

-- Folds the rows into one per (subject, status) when there is anything to fold. A row inserted by a
-- transaction still open is not in this statement's snapshot: it is left for the next fold, never lost.
CREATE FUNCTION "trainyard_fold_status_counts"() RETURNS integer LANGUAGE sql AS $$
  WITH gone AS (
    DELETE FROM "StatusCount"
    WHERE (SELECT count(*) FROM "StatusCount") > (SELECT count(*) FROM (SELECT DISTINCT "subject", "status" FROM "StatusCount") s)
    RETURNING "subject", "status", "delta"
  ), folded AS (
    INSERT INTO "StatusCount" ("subject", "status", "delta")
    SELECT "subject", "status", sum("delta") FROM gone GROUP BY 1, 2 HAVING sum("delta") <> 0
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM gone)::int;
$$;

-- What is there now.
INSERT INTO "StatusCount" ("subject", "status", "delta")
SELECT 'Deployment', "status"::text, count(*) FROM "Deployment" GROUP BY 2;
INSERT INTO "StatusCount" ("subject", "status", "delta")
SELECT 'TrainingJob', "status"::text, count(*) FROM "TrainingJob" GROUP BY 2;

-- The dashboard's "failed in the last 24 hours": a range of the failed jobs, not every job.
CREATE INDEX "TrainingJob_status_finishedAt_idx" ON "TrainingJob"("status", "finishedAt");
