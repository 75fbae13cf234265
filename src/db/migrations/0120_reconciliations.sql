-- Reconciliation runs (issue 14): per integration and bill-date range, what QuickBooks holds against what
-- today's bills and settings call for. Results are kept per bill; the summary (counts, amounts, drift) with the run.
CREATE TABLE reconciliation_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  integration_id uuid NOT NULL REFERENCES integrations (id) ON DELETE CASCADE,
  bill_date_from date NOT NULL,
  bill_date_to date NOT NULL,
  status text NOT NULL DEFAULT 'RUNNING' CHECK (status IN ('RUNNING', 'COMPLETE', 'FAILED')),
  summary jsonb,
  -- progress while RUNNING: bills m3ter listed, and how many of them have been compared
  listed integer NOT NULL DEFAULT 0,
  checked integer NOT NULL DEFAULT 0,
  quickbooks_reads integer NOT NULL DEFAULT 0,
  adopted integer NOT NULL DEFAULT 0,
  error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz
);
CREATE INDEX reconciliation_runs_integration_idx ON reconciliation_runs (integration_id, created_at DESC);

CREATE TABLE reconciliation_results (
  run_id uuid NOT NULL REFERENCES reconciliation_runs (id) ON DELETE CASCADE,
  seq integer NOT NULL,
  bill_id text NOT NULL,
  result text NOT NULL,
  document_type text,
  external_id text,
  currency text,
  expected_total_minor bigint,
  held_total_minor bigint,
  difference_minor bigint,
  differences jsonb NOT NULL DEFAULT '[]'::jsonb,
  detail text NOT NULL,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX reconciliation_results_result_idx ON reconciliation_results (run_id, result);
