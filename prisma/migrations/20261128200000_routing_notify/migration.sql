-- Hand-written: the inference gateway's routing table changes are announced on the
-- "trainyard_routing" channel, so gateway replicas on PostgreSQL (LISTEN) refresh at once
-- instead of waiting for their next poll (docs/decisions/0020-gateway-fast-path-and-freshness.md).
-- Only changes the gateway reads fire it: probe bookkeeping and stats updates on "Deployment" do not.
-- NOTIFY folds identical payloads within a transaction into one, and is delivered at commit.
CREATE FUNCTION "trainyard_notify_routing"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('trainyard_routing', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;

CREATE TRIGGER "Deployment_routing_insert_delete" AFTER INSERT OR DELETE ON "Deployment"
  FOR EACH ROW EXECUTE FUNCTION "trainyard_notify_routing"();
CREATE TRIGGER "Deployment_routing_update" AFTER UPDATE ON "Deployment"
  FOR EACH ROW WHEN (
    OLD."status" IS DISTINCT FROM NEW."status"
    OR OLD."upstreamUrl" IS DISTINCT FROM NEW."upstreamUrl"
    OR OLD."isPublic" IS DISTINCT FROM NEW."isPublic"
    OR OLD."modelName" IS DISTINCT FROM NEW."modelName"
    OR OLD."version" IS DISTINCT FROM NEW."version"
  ) EXECUTE FUNCTION "trainyard_notify_routing"();
CREATE TRIGGER "ModelRoute_routing" AFTER INSERT OR UPDATE OR DELETE ON "ModelRoute"
  FOR EACH ROW EXECUTE FUNCTION "trainyard_notify_routing"();
CREATE TRIGGER "ApiToken_routing_insert_delete" AFTER INSERT OR DELETE ON "ApiToken"
  FOR EACH ROW EXECUTE FUNCTION "trainyard_notify_routing"();
-- "lastUsedAt" moves on every API call: only what decides a token's validity fires it.
CREATE TRIGGER "ApiToken_routing_update" AFTER UPDATE ON "ApiToken"
  FOR EACH ROW WHEN (
    OLD."revokedAt" IS DISTINCT FROM NEW."revokedAt"
    OR OLD."expiresAt" IS DISTINCT FROM NEW."expiresAt"
    OR OLD."scopes" IS DISTINCT FROM NEW."scopes"
    OR OLD."secretHash" IS DISTINCT FROM NEW."secretHash"
  ) EXECUTE FUNCTION "trainyard_notify_routing"();
