-- The ChangeDataCapture poll (issue 14 §4, the webhooks' fallback): per QuickBooks company, the time up to which
-- changes have been read; the next poll asks for what changed since (a little before, to be safe: repeats are
-- ignored, each change is kept once in quickbooks_notifications).
CREATE TABLE quickbooks_cdc_cursors (
  realm_id text PRIMARY KEY,
  changed_since timestamptz NOT NULL,
  polled_at timestamptz NOT NULL DEFAULT now(),
  changes integer NOT NULL DEFAULT 0
);
