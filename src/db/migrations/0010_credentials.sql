-- QuickBooks OAuth 2.0 connections (spec §3.2). Tokens are stored sealed (AES-256-GCM, src/platform/secret-box.ts),
-- never in plaintext. A token refresh replaces both tokens under a row lock (SELECT … FOR UPDATE).
CREATE TABLE credentials (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name text NOT NULL,
  destination text NOT NULL CHECK (destination IN ('QuickBooks', 'QuickBooksSandbox')),
  realm_id text,
  access_token_sealed text,
  refresh_token_sealed text,
  access_token_expires_at timestamptz,
  refresh_token_expires_at timestamptz,
  refresh_token_hard_expires_at timestamptz,
  status text NOT NULL DEFAULT 'PENDING_AUTHORIZATION'
    CHECK (status IN ('PENDING_AUTHORIZATION', 'AUTHORIZED', 'REVOKED', 'EXPIRED')),
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK ((access_token_sealed IS NULL) = (refresh_token_sealed IS NULL))
);
