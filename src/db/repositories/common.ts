import type { QueryResultRow } from 'pg';
import type { Db, DbClient } from '../pool';
import { DomainError, ERROR_CODES, NotFoundError, VersionConflictError } from '../../domain/errors';

/** A pool or a client inside a transaction: every repository function takes either. */
export type Queryable = Db | DbClient;

const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids we generate are uuids; anything else cannot exist (and must not reach a `uuid` cast). */
export function isUuid(value: string): boolean {
  return UUID_PATTERN.test(value);
}

export function toIso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}

/** The columns every versioned table of ours has. */
export interface VersionedRow {
  id: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

export function versionedFields(row: VersionedRow): {
  id: string;
  version: number;
  createdAt: string;
  updatedAt: string;
} {
  return {
    id: row.id,
    version: row.version,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
}

/** The found value, or NotFoundError for `entity` `id`. */
export async function orNotFound<T>(entity: string, id: string, found: Promise<T | null>): Promise<T> {
  const value = await found;
  if (value === null) throw new NotFoundError(entity, id);
  return value;
}

export interface PageRequest {
  limit: number;
  offset: number;
}

export interface Page<T> {
  data: T[];
  total: number;
  limit: number;
  offset: number;
}

export const DEFAULT_PAGE: PageRequest = { limit: 100, offset: 0 };

/**
 * Equality filters → a WHERE clause. `undefined` means "no filter"; `null` means "IS NULL".
 * Placeholders start after `firstIndex - 1` values the caller already bound.
 */
export function whereEquals(
  conditions: ReadonlyArray<readonly [column: string, value: unknown]>,
  firstIndex = 1,
): { sql: string; values: unknown[] } {
  const clauses: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of conditions) {
    if (value === undefined) continue;
    if (value === null) {
      clauses.push(`${column} IS NULL`);
      continue;
    }
    values.push(value);
    clauses.push(`${column} = $${firstIndex + values.length - 1}`);
  }
  return { sql: clauses.length === 0 ? '' : `WHERE ${clauses.join(' AND ')}`, values };
}

/** Runs a paged query: `fromWhere` is everything after SELECT … (FROM, joins, WHERE), `orderBy` the ORDER BY list. */
export async function selectPage<R extends QueryResultRow, T>(
  q: Queryable,
  query: { select: string; fromWhere: string; orderBy: string; values: unknown[] },
  page: PageRequest,
  map: (row: R) => T,
): Promise<Page<T>> {
  const n = query.values.length;
  const { rows } = await q.query<R & { total_count: number }>(
    `SELECT ${query.select}, count(*) OVER () AS total_count ${query.fromWhere}
     ORDER BY ${query.orderBy} LIMIT $${n + 1} OFFSET $${n + 2}`,
    [...query.values, page.limit, page.offset],
  );
  let total = rows[0]?.total_count ?? 0;
  if (rows.length === 0 && page.offset > 0) {
    const counted = await q.query<{ total_count: number }>(
      `SELECT count(*) AS total_count ${query.fromWhere}`,
      query.values,
    );
    total = counted.rows[0]?.total_count ?? 0;
  }
  return { data: rows.map(map), total, limit: page.limit, offset: page.offset };
}

/**
 * After an `UPDATE … WHERE id = $1 AND version = $2` touched no row: the error that explains why —
 * NotFoundError when the row is gone, VersionConflictError naming the current version otherwise.
 */
export async function versionFailure(
  q: Queryable,
  table: string,
  entity: string,
  id: string,
  expectedVersion: number,
): Promise<NotFoundError | VersionConflictError> {
  const { rows } = await q.query<{ version: number }>(`SELECT version FROM ${table} WHERE id = $1`, [id]);
  const current = rows[0];
  return current
    ? new VersionConflictError(entity, id, expectedVersion, current.version)
    : new NotFoundError(entity, id);
}

/**
 * `UPDATE table SET …, version = version + 1, updated_at = now() WHERE id = … [AND version = expectedVersion]`,
 * returning the updated row; a miss is explained with NotFoundError / VersionConflictError.
 * `values` are bound from $1 for `set`; `from` may add a FROM item (it gets the id placeholder) and
 * `returning` / `wrap` shape the result (e.g. join the row to another table).
 */
export async function updateVersioned<R extends QueryResultRow>(
  q: Queryable,
  target: { table: string; entity: string; id: string; expectedVersion?: number },
  set: string,
  values: unknown[],
  options: { from?: (idParam: string) => string; returning?: string; wrap?: (sql: string) => string } = {},
): Promise<R> {
  const { table, entity, id, expectedVersion } = target;
  if (!isUuid(id)) throw new NotFoundError(entity, id);
  const idParam = `$${values.length + 1}`;
  const versionParam = `$${values.length + 2}`;
  const sql = `UPDATE ${table} SET ${set}, version = ${table}.version + 1, updated_at = now()
    ${options.from ? `FROM ${options.from(idParam)}` : ''}
    WHERE ${table}.id = ${idParam} AND (${versionParam}::integer IS NULL OR ${table}.version = ${versionParam})
    RETURNING ${options.returning ?? '*'}`;
  const { rows } = await q.query<R>(options.wrap ? options.wrap(sql) : sql, [
    ...values,
    id,
    expectedVersion ?? null,
  ]);
  if (rows[0]) return rows[0];
  throw await versionFailure(q, table, entity, id, expectedVersion ?? -1);
}

/**
 * Deletes a row by id; with `expectedVersion`, only at that version (else NotFound / VersionConflict).
 * Throws NotFoundError when no row has the id, INVALID_STATE (409) when another row still refers to it.
 */
export async function deleteVersioned(
  q: Queryable,
  table: string,
  entity: string,
  id: string,
  expectedVersion?: number,
): Promise<void> {
  if (!isUuid(id)) throw new NotFoundError(entity, id);
  let rowCount: number | null;
  try {
    ({ rowCount } = await q.query(
      `DELETE FROM ${table} WHERE id = $1 AND ($2::integer IS NULL OR version = $2)`,
      [id, expectedVersion ?? null],
    ));
  } catch (err) {
    if (pgErrorCode(err) !== PG_FOREIGN_KEY_VIOLATION) throw err;
    throw new DomainError(
      ERROR_CODES.INVALID_STATE,
      `${entity} ${id} is still in use and cannot be deleted`,
      { entity, id },
    );
  }
  if (rowCount === 0) throw await versionFailure(q, table, entity, id, expectedVersion ?? -1);
}

/** The SQLSTATE of a PostgreSQL error (e.g. `23505` unique violation), if it is one. */
export function pgErrorCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return undefined;
}

export const PG_UNIQUE_VIOLATION = '23505';
export const PG_FOREIGN_KEY_VIOLATION = '23503';
