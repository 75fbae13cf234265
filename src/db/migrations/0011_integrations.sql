-- Configured integrations (spec §3.1). The settings are one validated jsonb document (parsed with
-- IntegrationSettingsSchema on read, so new settings get their defaults); name and destination are
-- generated from it for filtering. Operational state lives in its own columns.
CREATE TABLE integrations (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
  name text GENERATED ALWAYS AS (settings ->> 'name') STORED,
  destination text GENERATED ALWAYS AS (settings ->> 'destination') STORED
    CHECK (destination IN ('QuickBooks', 'QuickBooksSandbox')),
  enabled boolean NOT NULL DEFAULT true,
  credential_id uuid REFERENCES credentials (id) ON DELETE RESTRICT,
  disabled_at timestamptz,
  disabled_reason text,
  consecutive_failures integer NOT NULL DEFAULT 0 CHECK (consecutive_failures >= 0),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX integrations_destination_idx ON integrations (destination);
CREATE INDEX integrations_credential_idx ON integrations (credential_id);
