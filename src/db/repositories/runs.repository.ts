import { z } from 'zod';
import type { DbClient } from '../pool';
import type { Queryable } from './common';
import { QboDocumentSchema, QboDocumentTypeSchema, type QboDocument } from '../../domain/invoice';
import { RUN_STATUSES, type RunStatus } from '../../domain/run-status';
import type { SyncFailure } from '../../domain/sync-failure';

const isoString = z.union([z.date(), z.string()]).transform((v) => (v instanceof Date ? v.toISOString() : v));

export const RunRowSchema = z
  .object({
    id: z.string(),
    integration_id: z.string(),
    bill_id: z.string(),
    account_id: z.string().nullable(),
    bill_version: z.number().nullable(),
    content_hash: z.string().nullable(),
    status: z.enum(RUN_STATUSES),
    trigger: z.string(),
    external_id: z.string().nullable(),
    external_type: QboDocumentTypeSchema.nullable(),
    url: z.string().nullable(),
    message: z.string().nullable(),
    error: z.custom<SyncFailure>().nullable(),
    warnings: z.array(z.string()),
    quickbooks_batch: z.object({ requestId: z.string(), size: z.number() }).nullable(),
    document_type: QboDocumentTypeSchema.nullable(),
    payload_hash: z.string().nullable(),
    workflow_id: z.string(),
    workflow_run_id: z.string().nullable(),
    replayed_from_run_id: z.string().nullable(),
    counted_as_failure: z.boolean(),
    started_at: isoString,
    updated_at: isoString,
    completed_at: isoString.nullable(),
  })
  .transform((r) => ({
    id: r.id,
    integrationId: r.integration_id,
    billId: r.bill_id,
    accountId: r.account_id,
    billVersion: r.bill_version,
    contentHash: r.content_hash,
    status: r.status,
    trigger: r.trigger,
    externalId: r.external_id,
    externalType: r.external_type,
    url: r.url,
    message: r.message,
    error: r.error,
    warnings: r.warnings,
    batch: r.quickbooks_batch,
    documentType: r.document_type,
    payloadHash: r.payload_hash,
    workflowId: r.workflow_id,
    workflowRunId: r.workflow_run_id,
    replayedFromRunId: r.replayed_from_run_id,
    countedAsFailure: r.counted_as_failure,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    completedAt: r.completed_at,
  }));
export type IntegrationRun = z.infer<typeof RunRowSchema>;

export const RUN_COLUMNS = `id, integration_id, bill_id, account_id, bill_version, content_hash, status, trigger, external_id,
  external_type, url, message, error, warnings, quickbooks_batch, document_type, payload_hash, workflow_id, workflow_run_id,
  replayed_from_run_id, counted_as_failure, started_at, updated_at, completed_at`;

export function toRun(row: unknown): IntegrationRun {
  return RunRowSchema.parse(row);
}

export interface CreateRunInput {
  integrationId: string;
  billId: string;
  workflowId: string;
  workflowRunId: string;
  trigger: string;
  replayedFromRunId?: string | null;
  /** The bill's account as the request named it (the fetched bill's is recorded when read). */
  accountId?: string | null;
  status?: RunStatus;
}

/**
 * Creates the run of one workflow pass. Idempotent per (workflow run, pass): a retried activity whose first
 * attempt committed gets the same run back (keyed by workflow run id + the pass's start time is not stable,
 * so callers pass `idempotencyKey`).
 */
export async function createRun(
  db: Queryable,
  input: CreateRunInput & { idempotencyKey: string },
): Promise<IntegrationRun> {
  const { rows } = await db.query(
    `INSERT INTO integration_runs (id, integration_id, bill_id, workflow_id, workflow_run_id, trigger, replayed_from_run_id, status, account_id)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id
     RETURNING ${RUN_COLUMNS}`,
    [
      input.idempotencyKey,
      input.integrationId,
      input.billId,
      input.workflowId,
      input.workflowRunId,
      input.trigger,
      input.replayedFromRunId ?? null,
      input.status ?? 'STARTED',
      input.accountId || null,
    ],
  );
  return toRun(rows[0]);
}

/** A run asked for over the API, WAITING until its workflow's pass claims it (claimRequestedRuns). */
export async function insertRequestedRun(
  db: Queryable,
  input: Omit<CreateRunInput, 'workflowRunId' | 'status'> & { accountId: string | null },
): Promise<IntegrationRun> {
  const { rows } = await db.query(
    `INSERT INTO integration_runs (integration_id, bill_id, account_id, workflow_id, trigger, replayed_from_run_id, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'WAITING')
     RETURNING ${RUN_COLUMNS}`,
    [
      input.integrationId,
      input.billId,
      input.accountId,
      input.workflowId,
      input.trigger,
      input.replayedFromRunId ?? null,
    ],
  );
  return toRun(rows[0]);
}

/**
 * A fact about the bill's document learnt from QuickBooks, not a sync (e.g. it was paid there): a finished run
 * of the bill's workflow id with its status and message, so the run history shows it.
 */
export async function insertNoticedRun(
  db: Queryable,
  input: {
    integrationId: string;
    billId: string;
    workflowId: string;
    trigger: string;
    status: RunStatus;
    message: string;
    externalId: string;
    externalType: QboDocument['type'];
  },
): Promise<IntegrationRun> {
  const { rows } = await db.query(
    `INSERT INTO integration_runs (integration_id, bill_id, workflow_id, trigger, status, message, external_id,
       external_type, completed_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now())
     RETURNING ${RUN_COLUMNS}`,
    [
      input.integrationId,
      input.billId,
      input.workflowId,
      input.trigger,
      input.status,
      input.message,
      input.externalId,
      input.externalType,
    ],
  );
  return toRun(rows[0]);
}

/**
 * A pass takes the requested runs it coalesces: the first becomes the pass's run (STARTED, with the
 * workflow run id); the others end SKIPPED, pointing at it. Idempotent: a retried activity changes nothing.
 */
export async function claimRequestedRuns(
  db: Queryable,
  runIds: readonly string[],
  workflowRunId: string,
): Promise<IntegrationRun | undefined> {
  const [first, ...rest] = runIds;
  if (!first) return undefined;
  const { rows } = await db.query(
    `WITH claimed AS (
       UPDATE integration_runs SET status = 'STARTED', workflow_run_id = $2, started_at = now(), updated_at = now()
       WHERE id = $1 AND status = 'WAITING' RETURNING id),
     coalesced AS (
       UPDATE integration_runs SET status = 'SKIPPED', completed_at = now(), updated_at = now(),
         message = 'coalesced into run ' || $1::text
       WHERE id = ANY($3::uuid[]) AND status = 'WAITING')
     SELECT ${RUN_COLUMNS} FROM integration_runs WHERE id = $1`,
    [first, workflowRunId, rest],
  );
  return rows[0] ? toRun(rows[0]) : undefined;
}

/** Deletes a requested run whose workflow could not be reached (nothing will ever claim it). */
export async function deleteWaitingRun(db: Queryable, id: string): Promise<void> {
  await db.query(`DELETE FROM integration_runs WHERE id = $1 AND status = 'WAITING'`, [id]);
}

/**
 * Ends a run: its status, message and document; a COMPLETE run also ends its integration's streak of
 * failures (auto-disable counts failed runs in a row). One statement.
 */
export async function finishRunRecord(
  db: Queryable,
  id: string,
  end: {
    status: RunStatus;
    message: string | null;
    document?: {
      externalId: string;
      externalType: QboDocument['type'];
      url: string;
      warnings: string[];
      batch?: { requestId: string; size: number };
    };
  },
): Promise<void> {
  await db.query(
    `WITH finished AS (
       UPDATE integration_runs SET status = $2, message = $3, error = NULL, completed_at = now(), updated_at = now(),
         external_id = COALESCE($4, external_id), external_type = COALESCE($5, external_type),
         url = COALESCE($6, url), warnings = COALESCE($7::jsonb, warnings),
         quickbooks_batch = CASE WHEN $4::text IS NULL THEN quickbooks_batch ELSE $8::jsonb END
       WHERE id = $1 RETURNING integration_id)
     UPDATE integrations i SET consecutive_failures = 0 FROM finished
     WHERE $2 = 'COMPLETE' AND i.id = finished.integration_id AND i.consecutive_failures <> 0`,
    [
      id,
      end.status,
      end.message,
      end.document?.externalId ?? null,
      end.document?.externalType ?? null,
      end.document?.url ?? null,
      end.document ? JSON.stringify(end.document.warnings) : null,
      end.document?.batch ? JSON.stringify(end.document.batch) : null,
    ],
  );
}

export async function getRun(db: Queryable, id: string): Promise<IntegrationRun | undefined> {
  const { rows } = await db.query(`SELECT ${RUN_COLUMNS} FROM integration_runs WHERE id = $1`, [id]);
  return rows[0] ? toRun(rows[0]) : undefined;
}

export async function getRunForUpdate(client: DbClient, id: string): Promise<IntegrationRun | undefined> {
  const { rows } = await client.query(
    `SELECT ${RUN_COLUMNS} FROM integration_runs WHERE id = $1 FOR UPDATE`,
    [id],
  );
  return rows[0] ? toRun(rows[0]) : undefined;
}

export async function updateRun(
  db: Queryable,
  id: string,
  patch: Partial<{
    status: RunStatus;
    accountId: string;
    billVersion: number;
    contentHash: string;
    message: string | null;
    error: SyncFailure | null;
    warnings: string[];
    externalId: string;
    externalType: QboDocument['type'];
    url: string;
    document: QboDocument;
    payloadHash: string;
    countedAsFailure: boolean;
    completed: boolean;
  }>,
): Promise<void> {
  const columns: Record<string, unknown> = {
    status: patch.status,
    account_id: patch.accountId,
    bill_version: patch.billVersion,
    content_hash: patch.contentHash,
    message: patch.message,
    error: patch.error === undefined ? undefined : patch.error === null ? null : JSON.stringify(patch.error),
    warnings: patch.warnings === undefined ? undefined : JSON.stringify(patch.warnings),
    external_id: patch.externalId,
    external_type: patch.externalType,
    url: patch.url,
    document_type: patch.document?.type,
    payload: patch.document === undefined ? undefined : JSON.stringify(patch.document.payload),
    payload_hash: patch.payloadHash,
    counted_as_failure: patch.countedAsFailure,
  };
  const sets: string[] = [];
  const values: unknown[] = [];
  for (const [column, value] of Object.entries(columns)) {
    if (value === undefined) continue;
    values.push(value);
    sets.push(`${column} = $${values.length}`);
  }
  if (patch.completed) sets.push('completed_at = now()');
  sets.push('updated_at = now()');
  values.push(id);
  await db.query(`UPDATE integration_runs SET ${sets.join(', ')} WHERE id = $${values.length}`, values);
}

/** The document a run built, as stored with it (kept out of Temporal histories). */
export function documentOfRow(row: { document_type: unknown; payload: unknown }): QboDocument | null {
  if (row.document_type === null || row.payload === null) return null;
  return QboDocumentSchema.parse({ type: row.document_type, payload: row.payload });
}

export async function getRunDocument(db: Queryable, id: string): Promise<QboDocument | null> {
  const { rows } = await db.query<{ document_type: unknown; payload: unknown }>(
    'SELECT document_type, payload FROM integration_runs WHERE id = $1',
    [id],
  );
  return rows[0] ? documentOfRow(rows[0]) : null;
}

export interface RunFilter {
  integrationId?: string;
  billId?: string;
  statuses?: RunStatus[];
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export async function listRuns(db: Queryable, filter: RunFilter): Promise<IntegrationRun[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    where.push(sql.replace('?', `$${values.length}`));
  };
  if (filter.integrationId) add('integration_id = ?', filter.integrationId);
  if (filter.billId) add('bill_id = ?', filter.billId);
  if (filter.statuses?.length) add('status = ANY(?)', filter.statuses);
  if (filter.from) add('started_at >= ?', filter.from);
  if (filter.to) add('started_at < ?', filter.to);
  values.push(Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
  const { rows } = await db.query(
    `SELECT ${RUN_COLUMNS} FROM integration_runs ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY started_at DESC, id LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return rows.map(toRun);
}
