-- The "name contains" trigram index writes each new name into the index itself (fastupdate off) instead of a
-- pending list that only VACUUM (or autovacuum) moves into the index: until then every search scans that list
-- row by row, slower than a sequential scan of the table (ADR 0043). Deployments are created a few at a time,
-- so the index entries cost nothing noticeable at insert. Whatever is pending now is moved in once, here.
-- Skipped where the index does not exist (no pg_trgm, e.g. PGlite).
DO $$
BEGIN
  IF to_regclass('"Deployment_modelName_trgm_idx"') IS NOT NULL THEN
    ALTER INDEX "Deployment_modelName_trgm_idx" SET (fastupdate = off);
    PERFORM gin_clean_pending_list('"Deployment_modelName_trgm_idx"'::regclass);
  END IF;
END $$;
