-- Webhook deliveries already seen (m3ter retries deliveries; the same event must start nothing new).
CREATE TABLE webhook_events (
  event_id text PRIMARY KEY,
  event_name text NOT NULL,
  entity_id text,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- set once the event's work (storing, starting workflows) is done; a redelivery before that redoes it
  processed_at timestamptz
);

-- The newest version of each bill, as m3ter sent it.
CREATE TABLE bills (
  id text PRIMARY KEY,
  account_id text NOT NULL,
  version integer NOT NULL,
  status text NOT NULL,
  content jsonb NOT NULL,
  content_hash text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bills_account_idx ON bills (account_id);

-- The QuickBooks document of a bill, per integration: the link that makes creation happen once.
-- state 'creating' = a create was sent and its outcome is not yet recorded (search by marker before sending again).
CREATE TABLE bill_documents (
  integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  bill_id text NOT NULL,
  state text NOT NULL CHECK (state IN ('creating', 'synced')),
  document_type text NOT NULL CHECK (document_type IN ('Invoice', 'CreditMemo')),
  generation integer NOT NULL DEFAULT 1,
  customer_id text NOT NULL,
  external_id text,
  sync_token text,
  payload_hash text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (integration_id, bill_id)
);

-- One sync attempt of one bill by one integration.
CREATE TABLE integration_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  bill_id text NOT NULL,
  account_id text,
  bill_version integer,
  content_hash text,
  status text NOT NULL,
  trigger text NOT NULL,
  external_id text,
  external_type text CHECK (external_type IN ('Invoice', 'CreditMemo')),
  url text,
  message text,
  error jsonb,
  warnings jsonb NOT NULL DEFAULT '[]'::jsonb,
  document_type text,
  payload jsonb,
  payload_hash text,
  workflow_id text NOT NULL,
  workflow_run_id text NOT NULL,
  replayed_from_run_id uuid REFERENCES integration_runs (id) ON DELETE SET NULL,
  counted_as_failure boolean NOT NULL DEFAULT false,
  started_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  completed_at timestamptz
);
CREATE INDEX integration_runs_integration_idx ON integration_runs (integration_id, started_at DESC);
CREATE INDEX integration_runs_bill_idx ON integration_runs (bill_id, started_at DESC);
CREATE INDEX integration_runs_status_idx ON integration_runs (status, started_at DESC);
