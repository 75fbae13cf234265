-- The QuickBooks connect flow (spec §3.2, §9): one row per authorization in progress. Only the SHA-256 of the
-- random `state` is kept, so a database reader cannot complete someone else's authorization. A state is bound
-- to one credential, expires, and is deleted when used (single use).
CREATE TABLE oauth_states (
  state_hash text PRIMARY KEY,
  credential_id uuid NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX oauth_states_expires_idx ON oauth_states (expires_at);
CREATE INDEX oauth_states_credential_idx ON oauth_states (credential_id);

-- Warnings that a credential's refresh token (rolling ~100 days) or its hard cap (5 years) runs out soon:
-- one row per credential, kind and threshold, so each warning is recorded once. A row whose expiry moved
-- out of its window (refreshed, reconnected) is deleted, so the next approach warns again.
CREATE TABLE credential_expiry_warnings (
  credential_id uuid NOT NULL REFERENCES credentials (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('refresh_token', 'hard_cap')),
  threshold_days integer NOT NULL CHECK (threshold_days > 0),
  expires_at timestamptz NOT NULL,
  warned_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (credential_id, kind, threshold_days)
);
