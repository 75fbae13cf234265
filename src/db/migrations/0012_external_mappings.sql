-- External mappings m3ter entity → QuickBooks entity (spec §3.3). A mapping with integration_config_id set
-- is linked to that integration; linked mappings go with their integration.
CREATE TABLE external_mappings (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  m3ter_entity text NOT NULL
    CHECK (m3ter_entity IN ('Account', 'Product', 'Aggregation', 'CompoundAggregation', 'PricingBand')),
  m3ter_id text NOT NULL,
  external_system text NOT NULL CHECK (external_system IN ('QuickBooks', 'QuickBooksSandbox')),
  external_table text NOT NULL
    CHECK (external_table = CASE WHEN m3ter_entity = 'Account' THEN 'Customer' ELSE 'Item' END),
  external_id text NOT NULL,
  integration_config_id uuid REFERENCES integrations (id) ON DELETE CASCADE,
  version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- one mapping per key; an unlinked (NULL) integration counts as one value too
  CONSTRAINT external_mappings_key UNIQUE NULLS NOT DISTINCT
    (m3ter_entity, m3ter_id, external_system, external_table, integration_config_id)
);

CREATE INDEX external_mappings_external_idx ON external_mappings (external_system, external_table, external_id);
CREATE INDEX external_mappings_integration_idx ON external_mappings (integration_config_id);
