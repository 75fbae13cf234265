-- Every settings change (issue 13): who (api-key or console-session:<short id>), what (the route, the changed
-- field names and their non-secret values), when. Never a secret.
CREATE TABLE audit_log (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor text NOT NULL,
  action text NOT NULL,
  route text NOT NULL,
  entity_id text,
  integration_id text,
  fields jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(fields) = 'object')
);
CREATE INDEX audit_log_integration ON audit_log (integration_id, at DESC, id DESC);
