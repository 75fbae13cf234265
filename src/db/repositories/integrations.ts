import { z } from 'zod';
import {
  IntegrationSettingsSchema,
  type ConnectionStatus,
  type Destination,
  type Integration,
  type IntegrationSettings,
} from '../../domain/integration-settings';
import {
  deleteVersioned,
  isUuid,
  selectPage,
  toIso,
  updateVersioned,
  versionedFields,
  whereEquals,
  type VersionedRow,
  type Page,
  type PageRequest,
  type Queryable,
} from './common';

/** Table `integrations` (migration 0011). Settings are a jsonb document; state has its own columns. */

export interface IntegrationRow extends VersionedRow {
  settings: unknown;
  enabled: boolean;
  credential_id: string | null;
  credential_status: string | null;
  disabled_at: Date | null;
  disabled_reason: string | null;
  consecutive_failures: number;
}

/** Stored settings are read leniently (a setting dropped from the schema must not break old rows); defaults fill new ones. */
const StoredSettingsSchema = z.object(IntegrationSettingsSchema.shape);

const ENTITY = 'Integration';

/** `integrations` joined with the attached credential's status (for `connectionStatus`). */
function withConnection(integrationsSql: string): string {
  return `WITH i AS (${integrationsSql})
    SELECT i.*, c.status AS credential_status FROM i LEFT JOIN credentials c ON c.id = i.credential_id`;
}

export function connectionStatusOf(credentialStatus: string | null): ConnectionStatus {
  return credentialStatus === 'AUTHORIZED' ? 'CONNECTED' : 'NOT_CONNECTED';
}

export function toIntegration(row: IntegrationRow): Integration {
  return {
    ...StoredSettingsSchema.parse(row.settings),
    ...versionedFields(row),
    enabled: row.enabled,
    credentialId: row.credential_id,
    connectionStatus: connectionStatusOf(row.credential_status),
    disabledAt: toIso(row.disabled_at),
    disabledReason: row.disabled_reason,
    consecutiveFailures: row.consecutive_failures,
  };
}

async function one(q: Queryable, sql: string, values: unknown[]): Promise<Integration | null> {
  const { rows } = await q.query<IntegrationRow>(withConnection(sql), values);
  return rows[0] ? toIntegration(rows[0]) : null;
}

/**
 * An update by id, optionally guarded by version. `wasEnabled` is the state before this update
 * (the row is locked by the update, so it is exact).
 */
async function updateOne(
  q: Queryable,
  id: string,
  expectedVersion: number | undefined,
  set: string,
  values: unknown[],
): Promise<{ integration: Integration; wasEnabled: boolean }> {
  const row = await updateVersioned<IntegrationRow & { was_enabled: boolean }>(
    q,
    { table: 'integrations', entity: ENTITY, id, expectedVersion },
    set,
    values,
    {
      from: (idParam) =>
        `(SELECT enabled AS was_enabled FROM integrations WHERE id = ${idParam} FOR UPDATE) old`,
      returning: 'integrations.*, old.was_enabled',
      wrap: withConnection,
    },
  );
  return { integration: toIntegration(row), wasEnabled: row.was_enabled };
}

export async function findIntegration(
  q: Queryable,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<Integration | null> {
  if (!isUuid(id)) return null;
  return one(q, `SELECT * FROM integrations WHERE id = $1${options.forUpdate ? ' FOR UPDATE' : ''}`, [id]);
}

export interface IntegrationFilter {
  destination?: Destination;
  enabled?: boolean;
  credentialId?: string;
}

export async function listIntegrations(
  q: Queryable,
  filter: IntegrationFilter,
  page: PageRequest,
): Promise<Page<Integration>> {
  if (filter.credentialId !== undefined && !isUuid(filter.credentialId))
    return { data: [], total: 0, ...page };
  const where = whereEquals([
    ['i.destination', filter.destination],
    ['i.enabled', filter.enabled],
    ['i.credential_id', filter.credentialId],
  ]);
  return selectPage<IntegrationRow, Integration>(
    q,
    {
      select: 'i.*, c.status AS credential_status',
      fromWhere: `FROM integrations i LEFT JOIN credentials c ON c.id = i.credential_id ${where.sql}`,
      orderBy: 'i.created_at, i.id',
      values: where.values,
    },
    page,
    toIntegration,
  );
}

/** Every enabled integration (the bill webhook fans out to these). */
export async function listEnabledIntegrations(q: Queryable): Promise<Integration[]> {
  const { rows } = await q.query<IntegrationRow>(
    withConnection('SELECT * FROM integrations WHERE enabled ORDER BY created_at, id'),
    [],
  );
  return rows.map(toIntegration);
}

export async function insertIntegration(
  q: Queryable,
  settings: IntegrationSettings,
  state: { enabled: boolean; credentialId: string | null },
): Promise<Integration> {
  const created = await one(
    q,
    `INSERT INTO integrations (settings, enabled, credential_id, disabled_at)
     VALUES ($1, $2, $3, CASE WHEN $2 THEN NULL ELSE now() END) RETURNING *`,
    [settings, state.enabled, state.credentialId],
  );
  return created as Integration;
}

export async function updateIntegrationSettings(
  q: Queryable,
  id: string,
  expectedVersion: number,
  settings: IntegrationSettings,
): Promise<Integration> {
  return (await updateOne(q, id, expectedVersion, 'settings = $1', [settings])).integration;
}

/** Enables: clears disabledAt / disabledReason and resets the consecutive-failure count. */
export async function enableIntegration(
  q: Queryable,
  id: string,
  expectedVersion?: number,
): Promise<Integration> {
  const set = 'enabled = true, disabled_at = NULL, disabled_reason = NULL, consecutive_failures = 0';
  return (await updateOne(q, id, expectedVersion, set, [])).integration;
}

/**
 * Disables. `changed` is true only for the call that turned an enabled integration off (so exactly one
 * notification goes out per disablement). Disabling a disabled integration keeps its disabledAt and,
 * unless a new reason is given, its reason.
 */
export async function disableIntegration(
  q: Queryable,
  id: string,
  options: { reason?: string | null; expectedVersion?: number } = {},
): Promise<{ integration: Integration; changed: boolean }> {
  const { integration, wasEnabled } = await updateOne(
    q,
    id,
    options.expectedVersion,
    `enabled = false,
     disabled_at = CASE WHEN enabled THEN now() ELSE coalesce(disabled_at, now()) END,
     disabled_reason = CASE WHEN $1::text IS NOT NULL THEN $1::text WHEN enabled THEN NULL ELSE disabled_reason END`,
    [options.reason ?? null],
  );
  return { integration, changed: wasEnabled };
}

export async function setIntegrationCredential(
  q: Queryable,
  id: string,
  credentialId: string | null,
  expectedVersion?: number,
): Promise<Integration> {
  return (await updateOne(q, id, expectedVersion, 'credential_id = $1', [credentialId])).integration;
}

export async function deleteIntegration(q: Queryable, id: string, expectedVersion?: number): Promise<void> {
  await deleteVersioned(q, 'integrations', ENTITY, id, expectedVersion);
}

/** Counts one more failed run in a row; returns the new count (0 when the integration is unknown). Does not bump `version`. */
export async function incrementConsecutiveFailures(q: Queryable, id: string): Promise<number> {
  if (!isUuid(id)) return 0;
  const { rows } = await q.query<{ consecutive_failures: number }>(
    'UPDATE integrations SET consecutive_failures = consecutive_failures + 1 WHERE id = $1 RETURNING consecutive_failures',
    [id],
  );
  return rows[0]?.consecutive_failures ?? 0;
}

/** A successful run ends the streak. Does not bump `version`. */
export async function resetConsecutiveFailures(q: Queryable, id: string): Promise<void> {
  if (!isUuid(id)) return;
  await q.query(
    'UPDATE integrations SET consecutive_failures = 0 WHERE id = $1 AND consecutive_failures <> 0',
    [id],
  );
}

/** Integrations that have this credential attached (ids). */
export async function integrationIdsUsingCredential(q: Queryable, credentialId: string): Promise<string[]> {
  if (!isUuid(credentialId)) return [];
  const { rows } = await q.query<{ id: string }>(
    'SELECT id FROM integrations WHERE credential_id = $1 ORDER BY created_at',
    [credentialId],
  );
  return rows.map((r) => r.id);
}
