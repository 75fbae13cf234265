-- The m3ter webhook destinations `npm run m3ter:connect` made: the API key and the secret (sealed with
-- ENCRYPTION_KEY, like the QuickBooks tokens) the receiver verifies their deliveries with.
CREATE TABLE m3ter_webhook_destinations (
  m3ter_destination_id text PRIMARY KEY,
  url text NOT NULL,
  api_key text NOT NULL UNIQUE,
  secret_sealed text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);
