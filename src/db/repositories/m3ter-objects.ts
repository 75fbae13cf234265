import { selectPage, whereEquals, type Page, type PageRequest, type Queryable } from './common';

/**
 * Table `m3ter_objects` (migration 0013): our copy of m3ter reference data, one row per (kind, id), the
 * object stored as received plus m3ter's `version`. m3ter may deliver out of order, so an object older
 * than the stored one is not applied; a delete leaves a tombstone so a late older update cannot revive it.
 */

export const M3TER_OBJECT_KINDS = [
  'Account',
  'Product',
  'Aggregation',
  'CompoundAggregation',
  'OrgUser',
  'OrganizationConfig',
] as const;
export type M3terObjectKind = (typeof M3TER_OBJECT_KINDS)[number];

/** Where a stored object came from: the reference-data API (an override), a webhook body, or m3ter's API. */
export type M3terObjectSource = 'api' | 'webhook' | 'm3ter';

export interface StoredM3terObject {
  kind: M3terObjectKind;
  id: string;
  /** The object exactly as received. */
  data: Record<string, unknown>;
  m3terVersion: number | null;
  source: M3terObjectSource;
  /** When m3ter's API was last asked for it (source 'm3ter'). */
  fetchedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

export type UpsertOutcome =
  | { applied: true; created: boolean; object: StoredM3terObject }
  | {
      applied: false;
      reason: 'stale version';
      storedVersion: number | null;
      object: StoredM3terObject | null;
    };

export type DeleteOutcome =
  { applied: true } | { applied: false; reason: 'not found' | 'stale version'; storedVersion: number | null };

interface ObjectRow {
  kind: M3terObjectKind;
  id: string;
  code: string | null;
  name: string | null;
  data: Record<string, unknown>;
  m3ter_version: number | null;
  source: M3terObjectSource;
  fetched_at: Date | null;
  deleted_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

function toObject(row: ObjectRow): StoredM3terObject {
  return {
    kind: row.kind,
    id: row.id,
    data: row.data,
    m3terVersion: row.m3ter_version,
    source: row.source,
    fetchedAt: row.fetched_at?.toISOString() ?? null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

async function findRow(q: Queryable, kind: M3terObjectKind, id: string): Promise<ObjectRow | null> {
  const { rows } = await q.query<ObjectRow>('SELECT * FROM m3ter_objects WHERE kind = $1 AND id = $2', [
    kind,
    id,
  ]);
  return rows[0] ?? null;
}

/**
 * Stores the object unless the stored one is newer. Rules: no version on either side → applied;
 * a newer version → applied; the same version → applied again (a repeated delivery) unless the stored
 * row is a tombstone of that version; an older version → `{applied: false, reason: 'stale version'}`.
 */
export async function upsertM3terObject(
  q: Queryable,
  kind: M3terObjectKind,
  object: {
    id: string;
    code?: string | null;
    name?: string | null;
    data: Record<string, unknown>;
    version?: number | null;
    source?: M3terObjectSource;
  },
): Promise<UpsertOutcome> {
  const { rows } = await q.query<ObjectRow & { inserted: boolean }>(
    `INSERT INTO m3ter_objects AS o (kind, id, code, name, data, m3ter_version, source, fetched_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $7 = 'm3ter' THEN now() END)
     ON CONFLICT (kind, id) DO UPDATE SET code = EXCLUDED.code, name = EXCLUDED.name, data = EXCLUDED.data,
       m3ter_version = EXCLUDED.m3ter_version, source = EXCLUDED.source, fetched_at = EXCLUDED.fetched_at,
       deleted_at = NULL, updated_at = now()
     WHERE o.m3ter_version IS NULL OR EXCLUDED.m3ter_version IS NULL
        OR EXCLUDED.m3ter_version > o.m3ter_version
        OR (EXCLUDED.m3ter_version = o.m3ter_version AND o.deleted_at IS NULL)
     RETURNING o.*, (xmax = 0) AS inserted`,
    [
      kind,
      object.id,
      object.code ?? null,
      object.name ?? null,
      object.data,
      object.version ?? null,
      object.source ?? 'api',
    ],
  );
  const row = rows[0];
  if (row) return { applied: true, created: row.inserted, object: toObject(row) };
  const current = await findRow(q, kind, object.id);
  return {
    applied: false,
    reason: 'stale version',
    storedVersion: current?.m3ter_version ?? null,
    object: current && current.deleted_at === null ? toObject(current) : null,
  };
}

/**
 * Marks the object deleted (tombstone). With `version` (m3ter's delete event carries the object), a
 * delete of an older version than stored is not applied, and a delete of an unknown object still leaves
 * a tombstone so an out-of-order create of that version is ignored later.
 */
export async function deleteM3terObject(
  q: Queryable,
  kind: M3terObjectKind,
  id: string,
  version?: number | null,
): Promise<DeleteOutcome> {
  const { rowCount } = await q.query(
    `UPDATE m3ter_objects SET deleted_at = now(), updated_at = now(),
       m3ter_version = CASE WHEN $3::integer IS NULL THEN m3ter_version ELSE greatest(m3ter_version, $3::integer) END
     WHERE kind = $1 AND id = $2 AND deleted_at IS NULL
       AND ($3::integer IS NULL OR m3ter_version IS NULL OR m3ter_version <= $3::integer)`,
    [kind, id, version ?? null],
  );
  if (rowCount !== null && rowCount > 0) return { applied: true };
  const current = await findRow(q, kind, id);
  if (current && current.deleted_at === null)
    return { applied: false, reason: 'stale version', storedVersion: current.m3ter_version };
  if (!current && version !== undefined && version !== null) {
    await q.query(
      `INSERT INTO m3ter_objects (kind, id, data, m3ter_version, deleted_at) VALUES ($1, $2, '{}'::jsonb, $3, now())
       ON CONFLICT (kind, id) DO NOTHING`,
      [kind, id, version],
    );
  }
  return { applied: false, reason: 'not found', storedVersion: current?.m3ter_version ?? null };
}

/** The live (not deleted) object, or null. */
export async function findM3terObject(
  q: Queryable,
  kind: M3terObjectKind,
  id: string,
): Promise<StoredM3terObject | null> {
  const row = await findRow(q, kind, id);
  return row && row.deleted_at === null ? toObject(row) : null;
}

export async function listM3terObjects(
  q: Queryable,
  kind: M3terObjectKind,
  filter: { code?: string },
  page: PageRequest,
): Promise<Page<StoredM3terObject>> {
  const where = whereEquals(
    [
      ['kind', kind],
      ['code', filter.code],
    ],
    1,
  );
  return selectPage<ObjectRow, StoredM3terObject>(
    q,
    {
      select: '*',
      fromWhere: `FROM m3ter_objects ${where.sql} AND deleted_at IS NULL`,
      orderBy: 'id',
      values: where.values,
    },
    page,
    toObject,
  );
}

/** Which of `ids` exist (live) as one of `kinds`. */
export async function existingM3terIds(
  q: Queryable,
  kinds: readonly M3terObjectKind[],
  ids: readonly string[],
): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const { rows } = await q.query<{ id: string }>(
    'SELECT DISTINCT id FROM m3ter_objects WHERE kind = ANY($1::text[]) AND id = ANY($2::text[]) AND deleted_at IS NULL',
    [kinds, ids],
  );
  return new Set(rows.map((r) => r.id));
}

/** What is known of each of `refs`, live or not: for deciding what to read from m3ter again. */
export interface M3terObjectState {
  source: M3terObjectSource;
  fetchedAt: string | null;
  /** m3ter has no such object (deleted, or never had it). */
  absent: boolean;
  name: string | null;
}

export async function findM3terObjectStates(
  q: Queryable,
  refs: ReadonlyArray<{ kind: M3terObjectKind; id: string }>,
): Promise<Map<string, M3terObjectState>> {
  if (refs.length === 0) return new Map();
  const { rows } = await q.query<ObjectRow>(
    `SELECT o.* FROM m3ter_objects o
     JOIN unnest($1::text[], $2::text[]) AS r(kind, id) ON o.kind = r.kind AND o.id = r.id`,
    [refs.map((r) => r.kind), refs.map((r) => r.id)],
  );
  return new Map(
    rows.map((r) => [
      `${r.kind}/${r.id}`,
      {
        source: r.source,
        fetchedAt: r.fetched_at?.toISOString() ?? null,
        absent: r.deleted_at !== null,
        name: r.name,
      },
    ]),
  );
}

/** m3ter was asked for these and has none of them: remembered (as tombstones) so it is not asked again at once. */
export async function markAbsentInM3ter(
  q: Queryable,
  kind: M3terObjectKind,
  ids: readonly string[],
): Promise<void> {
  if (ids.length === 0) return;
  await q.query(
    `INSERT INTO m3ter_objects AS o (kind, id, data, source, fetched_at, deleted_at)
     SELECT $1, id, '{}'::jsonb, 'm3ter', now(), now() FROM unnest($2::text[]) AS id
     ON CONFLICT (kind, id) DO UPDATE SET fetched_at = now(), deleted_at = COALESCE(o.deleted_at, now()), updated_at = now()
     WHERE o.source <> 'api'`,
    [kind, ids],
  );
}
