-- Actionable problems shown to operators (spec §3.6).
CREATE TABLE integration_events (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  event_type text NOT NULL CHECK (event_type IN (
    'integration.validation.error', 'integration.missingaccountmapping.error', 'integration.authentication.error',
    'integration.perform.error', 'integration.disabled.error')),
  message text NOT NULL,
  run_id uuid REFERENCES integration_runs (id) ON DELETE SET NULL,
  bill_id text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  actioned boolean NOT NULL DEFAULT false,
  actioned_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX integration_events_integration_idx ON integration_events (integration_id, created_at DESC);
CREATE UNIQUE INDEX integration_events_one_per_run ON integration_events (run_id, event_type) WHERE run_id IS NOT NULL;

-- Each automatic disablement, and the e-mails sent for it (one per user per disablement).
CREATE TABLE integration_disablements (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  reason text NOT NULL,
  last_errors jsonb NOT NULL DEFAULT '[]'::jsonb,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE disablement_notifications (
  disablement_id uuid NOT NULL REFERENCES integration_disablements (id) ON DELETE CASCADE,
  user_id text NOT NULL,
  email text NOT NULL,
  state text NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
  message_id text,
  error text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (disablement_id, user_id)
);
