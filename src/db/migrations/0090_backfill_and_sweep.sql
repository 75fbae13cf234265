-- Backfills (issue "m3ter as the source of truth" §6): one row per request, its progress kept current by its
-- workflow, so the API and `npm run backfill` can show it.
CREATE TABLE backfills (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  bill_date_from date NOT NULL,
  bill_date_to date NOT NULL,
  account_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  status text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'COMPLETE', 'FAILED')),
  found integer NOT NULL DEFAULT 0,
  started integer NOT NULL DEFAULT 0,
  complete integer NOT NULL DEFAULT 0,
  skipped integer NOT NULL DEFAULT 0,
  failed integer NOT NULL DEFAULT 0,
  error text,
  workflow_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX backfills_integration_idx ON backfills (integration_id, created_at DESC);

-- Each sweep for missed webhooks (§7): what it listed in m3ter and how many bills it asked to sync.
CREATE TABLE sweep_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  listed integer NOT NULL,
  requested integer NOT NULL,
  requested_bill_ids jsonb NOT NULL DEFAULT '[]'::jsonb,
  started_at timestamptz NOT NULL,
  finished_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sweep_runs_integration_idx ON sweep_runs (integration_id, finished_at DESC);
