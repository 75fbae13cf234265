-- Our copy of m3ter reference data (spec §3.4): Accounts, Products, Aggregations, Compound Aggregations,
-- organization users and the organization config, each stored as received (jsonb) with m3ter's version.
-- A deleted object stays as a tombstone (deleted_at set) so a late, older update cannot bring it back.
CREATE TABLE m3ter_objects (
  kind text NOT NULL
    CHECK (kind IN ('Account', 'Product', 'Aggregation', 'CompoundAggregation', 'OrgUser', 'OrganizationConfig')),
  id text NOT NULL,
  code text,
  name text,
  data jsonb NOT NULL,
  m3ter_version integer,
  deleted_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, id)
);

CREATE INDEX m3ter_objects_code_idx ON m3ter_objects (kind, code) WHERE deleted_at IS NULL;
