import { z } from 'zod';
import type { Queryable } from './common';

const iso = z.union([z.date(), z.string()]).transform((v) => (v instanceof Date ? v.toISOString() : v));
const day = z
  .union([z.date(), z.string()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v.slice(0, 10)));

export const BACKFILL_STATUSES = ['RUNNING', 'COMPLETE', 'FAILED'] as const;

const BackfillRowSchema = z
  .object({
    id: z.string(),
    integration_id: z.string(),
    bill_date_from: day,
    bill_date_to: day,
    account_ids: z.array(z.string()),
    status: z.enum(BACKFILL_STATUSES),
    found: z.number(),
    started: z.number(),
    complete: z.number(),
    skipped: z.number(),
    failed: z.number(),
    error: z.string().nullable(),
    workflow_id: z.string(),
    created_at: iso,
    updated_at: iso,
    finished_at: iso.nullable(),
  })
  .transform((r) => ({
    id: r.id,
    integrationId: r.integration_id,
    from: r.bill_date_from,
    to: r.bill_date_to,
    accountIds: r.account_ids,
    status: r.status,
    progress: {
      found: r.found,
      started: r.started,
      complete: r.complete,
      skipped: r.skipped,
      failed: r.failed,
    },
    error: r.error,
    workflowId: r.workflow_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
  }));
export type Backfill = z.infer<typeof BackfillRowSchema>;
export type BackfillProgress = Backfill['progress'];

export async function insertBackfill(
  q: Queryable,
  b: {
    id: string;
    integrationId: string;
    from: string;
    to: string;
    accountIds: string[];
    workflowId: string;
  },
): Promise<Backfill> {
  const { rows } = await q.query(
    `INSERT INTO backfills (id, integration_id, bill_date_from, bill_date_to, account_ids, workflow_id)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [b.id, b.integrationId, b.from, b.to, JSON.stringify(b.accountIds), b.workflowId],
  );
  return BackfillRowSchema.parse(rows[0]);
}

export async function getBackfill(q: Queryable, id: string): Promise<Backfill | undefined> {
  const { rows } = await q.query('SELECT * FROM backfills WHERE id = $1', [id]);
  return rows[0] ? BackfillRowSchema.parse(rows[0]) : undefined;
}

export async function listBackfills(q: Queryable, integrationId: string, limit = 50): Promise<Backfill[]> {
  const { rows } = await q.query(
    'SELECT * FROM backfills WHERE integration_id = $1 ORDER BY created_at DESC LIMIT $2',
    [integrationId, limit],
  );
  return rows.map((r) => BackfillRowSchema.parse(r));
}

/** The progress as the workflow counts it (absolute, so a retried update changes nothing). */
export async function updateBackfill(
  q: Queryable,
  id: string,
  update: { progress: BackfillProgress; status?: Backfill['status']; error?: string | null },
): Promise<void> {
  const p = update.progress;
  await q.query(
    `UPDATE backfills SET found = $2, started = $3, complete = $4, skipped = $5, failed = $6,
       status = COALESCE($7, status), error = COALESCE($8, error), updated_at = now(),
       finished_at = CASE WHEN COALESCE($7, status) <> 'RUNNING' THEN COALESCE(finished_at, now()) END
     WHERE id = $1`,
    [id, p.found, p.started, p.complete, p.skipped, p.failed, update.status ?? null, update.error ?? null],
  );
}

export interface SweepRun {
  id: string;
  integrationId: string;
  listed: number;
  requested: number;
  requestedBillIds: string[];
  startedAt: string;
  finishedAt: string;
}

export async function insertSweepRun(q: Queryable, s: Omit<SweepRun, 'id' | 'finishedAt'>): Promise<void> {
  await q.query(
    `INSERT INTO sweep_runs (integration_id, listed, requested, requested_bill_ids, started_at) VALUES ($1, $2, $3, $4, $5)`,
    [s.integrationId, s.listed, s.requested, JSON.stringify(s.requestedBillIds), s.startedAt],
  );
}

export async function listSweepRuns(q: Queryable, integrationId: string, limit = 20): Promise<SweepRun[]> {
  const { rows } = await q.query<{
    id: string;
    integration_id: string;
    listed: number;
    requested: number;
    requested_bill_ids: string[];
    started_at: Date;
    finished_at: Date;
  }>('SELECT * FROM sweep_runs WHERE integration_id = $1 ORDER BY finished_at DESC LIMIT $2', [
    integrationId,
    limit,
  ]);
  return rows.map((r) => ({
    id: r.id,
    integrationId: r.integration_id,
    listed: r.listed,
    requested: r.requested,
    requestedBillIds: r.requested_bill_ids,
    startedAt: r.started_at.toISOString(),
    finishedAt: r.finished_at.toISOString(),
  }));
}

/** Of these bills, the newest version any run of the integration has seen (absent: none has). */
export async function syncedVersions(
  q: Queryable,
  integrationId: string,
  billIds: readonly string[],
): Promise<Map<string, number>> {
  if (billIds.length === 0) return new Map();
  const { rows } = await q.query<{ bill_id: string; version: number }>(
    `SELECT bill_id, max(bill_version) AS version FROM integration_runs
     WHERE integration_id = $1 AND bill_id = ANY($2::text[]) AND bill_version IS NOT NULL GROUP BY bill_id`,
    [integrationId, billIds],
  );
  return new Map(rows.map((r) => [r.bill_id, r.version]));
}
