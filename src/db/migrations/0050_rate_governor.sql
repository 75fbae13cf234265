-- QuickBooks limits per company (realm), shared by every worker process (spec §7): a token bucket for the
-- request rate and leased slots for concurrent requests. A crashed process's slots expire with their lease.
CREATE TABLE qbo_rate_buckets (
  realm_id text PRIMARY KEY,
  tokens double precision NOT NULL,
  refilled_at timestamptz NOT NULL
);

CREATE TABLE qbo_concurrency_slots (
  realm_id text NOT NULL,
  slot integer NOT NULL,
  holder text,
  expires_at timestamptz,
  PRIMARY KEY (realm_id, slot)
);
