-- Console sign-ins (issue 13): the admin API key is exchanged for a session cookie. Only the sha256 of the
-- cookie's random value is stored; short_id (the first characters of that hash) names the session in the audit.
CREATE TABLE console_sessions (
  id_hash text PRIMARY KEY,
  short_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now(),
  -- The absolute end; the idle end is last_seen_at + the idle timeout (config), checked on every request.
  expires_at timestamptz NOT NULL,
  ended_at timestamptz
);
CREATE INDEX console_sessions_expires_at ON console_sessions (expires_at);
