-- Issue 12: the gateway's backstop reload (every 30 s while it hears routing changes) reloaded every
-- deployment and token even when nothing had changed: at 10,000 deployments that was most of an idle
-- server's CPU. Every routing change now also advances a sequence; the backstop reads the sequence (one
-- row) and reloads only when it moved (docs/decisions/0020-gateway-fast-path-and-freshness.md, amendment).
-- A sequence is not transactional: a change rolled back still advances it, which only costs a reload.
CREATE SEQUENCE "trainyard_routing_version";

CREATE OR REPLACE FUNCTION "trainyard_notify_routing"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM nextval('"trainyard_routing_version"');
  PERFORM pg_notify('trainyard_routing', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
