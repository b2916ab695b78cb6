-- Hand-written: a change to a token that can refuse it (revoked, expiry, scopes, deleted) is announced on the
-- "trainyard_tokens" channel with the token's id, so every server process forgets what it had read of that
-- token (docs/decisions/0038-ingestion-hot-path.md). Recording use ("lastUsedAt") is not announced.
-- NOTIFY is delivered at commit, and not at all when the transaction rolls back.
CREATE FUNCTION "trainyard_notify_token"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('trainyard_tokens', OLD."id"::text);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "ApiToken_changed" AFTER UPDATE ON "ApiToken"
  FOR EACH ROW WHEN (OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt" OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt"
                     OR OLD."scopes" IS DISTINCT FROM NEW."scopes" OR OLD."name" IS DISTINCT FROM NEW."name"
                     OR OLD."secretHash" IS DISTINCT FROM NEW."secretHash")
  EXECUTE FUNCTION "trainyard_notify_token"();
CREATE TRIGGER "ApiToken_deleted" AFTER DELETE ON "ApiToken"
  FOR EACH ROW EXECUTE FUNCTION "trainyard_notify_token"();
