-- Reference data is fetched from m3ter when first needed and kept for a while (spec §3.4, issue "m3ter as the
-- source of truth"): where each object came from, and when m3ter was last asked. An object put through the
-- reference-data API ('api') is an override the cache never refreshes.
ALTER TABLE m3ter_objects
  ADD COLUMN source text NOT NULL DEFAULT 'api' CHECK (source IN ('api', 'webhook', 'm3ter')),
  ADD COLUMN fetched_at timestamptz;
