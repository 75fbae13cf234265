import { AlreadyExistsError } from '../../domain/errors';
import {
  ExternalTableSchema,
  M3terEntitySchema,
  type ExternalMapping,
  type ExternalTable,
  type M3terEntity,
} from '../../domain/external-mapping';
import { DestinationSchema, type Destination } from '../../domain/integration-settings';
import {
  deleteVersioned,
  isUuid,
  pgErrorCode,
  PG_UNIQUE_VIOLATION,
  selectPage,
  updateVersioned,
  versionedFields,
  whereEquals,
  type VersionedRow,
  type Page,
  type PageRequest,
  type Queryable,
} from './common';

/**
 * Table `external_mappings` (migration 0012). Unique per (m3ter_entity, m3ter_id, external_system,
 * external_table, integration_config_id), NULL integration included (constraint `external_mappings_key`).
 */

/** A mapping's own fields (what a write supplies). */
export type ExternalMappingInput = Omit<ExternalMapping, 'id' | 'version' | 'createdAt' | 'updatedAt'>;

interface MappingRow extends VersionedRow {
  m3ter_entity: string;
  m3ter_id: string;
  external_system: string;
  external_table: string;
  external_id: string;
  integration_config_id: string | null;
}

const ENTITY = 'ExternalMapping';

function toMapping(row: MappingRow): ExternalMapping {
  return {
    ...versionedFields(row),
    m3terEntity: M3terEntitySchema.parse(row.m3ter_entity),
    m3terId: row.m3ter_id,
    externalSystem: DestinationSchema.parse(row.external_system),
    externalTable: ExternalTableSchema.parse(row.external_table),
    externalId: row.external_id,
    integrationConfigId: row.integration_config_id,
  };
}

function keyValues(m: ExternalMappingInput): unknown[] {
  return [m.m3terEntity, m.m3terId, m.externalSystem, m.externalTable, m.integrationConfigId, m.externalId];
}

async function findByKey(q: Queryable, m: ExternalMappingInput): Promise<ExternalMapping | null> {
  const { rows } = await q.query<MappingRow>(
    `SELECT * FROM external_mappings WHERE m3ter_entity = $1 AND m3ter_id = $2 AND external_system = $3
       AND external_table = $4 AND integration_config_id IS NOT DISTINCT FROM $5`,
    keyValues(m).slice(0, 5),
  );
  return rows[0] ? toMapping(rows[0]) : null;
}

function duplicate(existing: ExternalMapping): AlreadyExistsError {
  const linked = existing.integrationConfigId
    ? `linked to integration ${existing.integrationConfigId}`
    : 'unlinked';
  return new AlreadyExistsError(
    `A mapping for ${existing.m3terEntity} ${existing.m3terId} → ${existing.externalSystem} ${existing.externalTable} (${linked}) already exists: ${existing.id}`,
    { existingId: existing.id, existing },
  );
}

/** Inserts unless the key is taken; `created: false` returns the mapping that holds the key. */
async function insertIfAbsent(
  q: Queryable,
  m: ExternalMappingInput,
): Promise<{ mapping: ExternalMapping; created: boolean }> {
  for (;;) {
    const { rows } = await q.query<MappingRow>(
      `INSERT INTO external_mappings (m3ter_entity, m3ter_id, external_system, external_table, integration_config_id, external_id)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT ON CONSTRAINT external_mappings_key DO NOTHING RETURNING *`,
      keyValues(m),
    );
    if (rows[0]) return { mapping: toMapping(rows[0]), created: true };
    const existing = await findByKey(q, m);
    if (existing) return { mapping: existing, created: false };
    // the holder was deleted between the two statements: try again
  }
}

/** Creates a mapping; a taken key → AlreadyExistsError (409) whose details name the existing mapping's id. */
export async function insertMapping(q: Queryable, m: ExternalMappingInput): Promise<ExternalMapping> {
  const { mapping, created } = await insertIfAbsent(q, m);
  if (!created) throw duplicate(mapping);
  return mapping;
}

/**
 * Records a mapping idempotently (customer auto-linking: "record that link as a linked mapping").
 * The first mapping stored under the key wins and is returned with `created: false`; compare its
 * `externalId` with yours to detect that another run linked something else first.
 */
export async function ensureMapping(
  q: Queryable,
  m: ExternalMappingInput,
): Promise<{ mapping: ExternalMapping; created: boolean }> {
  return insertIfAbsent(q, m);
}

export async function findMapping(q: Queryable, id: string): Promise<ExternalMapping | null> {
  if (!isUuid(id)) return null;
  const { rows } = await q.query<MappingRow>('SELECT * FROM external_mappings WHERE id = $1', [id]);
  return rows[0] ? toMapping(rows[0]) : null;
}

/** Replaces every field of a mapping at `expectedVersion`. */
export async function updateMapping(
  q: Queryable,
  id: string,
  expectedVersion: number,
  m: ExternalMappingInput,
): Promise<ExternalMapping> {
  try {
    const row = await updateVersioned<MappingRow>(
      q,
      { table: 'external_mappings', entity: ENTITY, id, expectedVersion },
      `m3ter_entity = $1, m3ter_id = $2, external_system = $3, external_table = $4,
       integration_config_id = $5, external_id = $6`,
      keyValues(m),
    );
    return toMapping(row);
  } catch (err) {
    if (pgErrorCode(err) !== PG_UNIQUE_VIOLATION) throw err;
    const existing = await findByKey(q, m);
    if (existing) throw duplicate(existing);
    throw err;
  }
}

export async function deleteMapping(q: Queryable, id: string, expectedVersion?: number): Promise<void> {
  await deleteVersioned(q, 'external_mappings', ENTITY, id, expectedVersion);
}

export interface MappingFilter {
  m3terEntity?: M3terEntity;
  m3terId?: string;
  externalSystem?: Destination;
  externalTable?: ExternalTable;
  externalId?: string;
  /** A uuid = linked to that integration; null = unlinked mappings only. */
  integrationConfigId?: string | null;
  /** true: linked to any integration; false: unlinked only. */
  linked?: boolean;
}

export async function listMappings(
  q: Queryable,
  filter: MappingFilter,
  page: PageRequest,
): Promise<Page<ExternalMapping>> {
  if (typeof filter.integrationConfigId === 'string' && !isUuid(filter.integrationConfigId))
    return { data: [], total: 0, ...page };
  const where = whereEquals([
    ['m3ter_entity', filter.m3terEntity],
    ['m3ter_id', filter.m3terId],
    ['external_system', filter.externalSystem],
    ['external_table', filter.externalTable],
    ['external_id', filter.externalId],
    ['integration_config_id', filter.integrationConfigId],
  ]);
  const clauses = [where.sql.replace(/^WHERE /, '')];
  if (filter.linked !== undefined)
    clauses.push(`integration_config_id IS ${filter.linked ? 'NOT ' : ''}NULL`);
  const whereSql = clauses.filter(Boolean).join(' AND ');
  return selectPage<MappingRow, ExternalMapping>(
    q,
    {
      select: '*',
      fromWhere: `FROM external_mappings ${whereSql ? `WHERE ${whereSql}` : ''}`,
      orderBy: 'created_at, id',
      values: where.values,
    },
    page,
    toMapping,
  );
}

/**
 * Every mapping of one m3ter entity in one external system (linked to any integration, or unlinked):
 * the candidates `resolveMapping` (spec §5.1) chooses from.
 */
export async function findMappingCandidates(
  q: Queryable,
  ref: { m3terEntity: M3terEntity; m3terId: string; externalSystem: Destination },
): Promise<ExternalMapping[]> {
  return findMappingCandidatesForMany(q, ref.externalSystem, [ref]);
}

/** The candidates of many entities at once (e.g. every product and aggregation of a bill), in one query. */
export async function findMappingCandidatesForMany(
  q: Queryable,
  externalSystem: Destination,
  refs: ReadonlyArray<{ m3terEntity: M3terEntity; m3terId: string }>,
): Promise<ExternalMapping[]> {
  if (refs.length === 0) return [];
  const { rows } = await q.query<MappingRow>(
    `SELECT m.* FROM external_mappings m
     JOIN unnest($2::text[], $3::text[]) AS r(entity, m3ter_id) ON m.m3ter_entity = r.entity AND m.m3ter_id = r.m3ter_id
     WHERE m.external_system = $1 ORDER BY m.created_at, m.id`,
    [externalSystem, refs.map((r) => r.m3terEntity), refs.map((r) => r.m3terId)],
  );
  return rows.map(toMapping);
}
