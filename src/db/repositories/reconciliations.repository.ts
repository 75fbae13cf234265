import { z } from 'zod';
import {
  RECONCILIATION_RESULTS,
  type BillReconciliation,
  type ReconciliationResultKind,
  type ReconciliationSummary,
} from '../../domain/reconciliation';
import type { Queryable } from './common';

const iso = z.union([z.date(), z.string()]).transform((v) => (v instanceof Date ? v.toISOString() : v));
const day = z
  .union([z.date(), z.string()])
  .transform((v) => (v instanceof Date ? v.toISOString().slice(0, 10) : v.slice(0, 10)));
const minor = z
  .union([z.string(), z.number()])
  .nullable()
  .transform((v) => (v === null ? null : Number(v)));

const RunRowSchema = z
  .object({
    id: z.string(),
    integration_id: z.string(),
    bill_date_from: day,
    bill_date_to: day,
    status: z.enum(['RUNNING', 'COMPLETE', 'FAILED']),
    summary: z.unknown().nullable(),
    listed: z.number(),
    checked: z.number(),
    quickbooks_reads: z.number(),
    adopted: z.number(),
    error: z.string().nullable(),
    created_at: iso,
    finished_at: iso.nullable(),
  })
  .transform((r) => ({
    id: r.id,
    integrationId: r.integration_id,
    from: r.bill_date_from,
    to: r.bill_date_to,
    status: r.status,
    summary: (r.summary ?? null) as ReconciliationSummary | null,
    progress: { listed: r.listed, checked: r.checked },
    quickBooksReads: r.quickbooks_reads,
    adopted: r.adopted,
    error: r.error,
    createdAt: r.created_at,
    finishedAt: r.finished_at,
  }));
export type ReconciliationRun = z.infer<typeof RunRowSchema>;

const ResultRowSchema = z
  .object({
    bill_id: z.string(),
    result: z.enum(RECONCILIATION_RESULTS),
    document_type: z.enum(['Invoice', 'CreditMemo']).nullable(),
    external_id: z.string().nullable(),
    currency: z.string().nullable(),
    expected_total_minor: minor,
    held_total_minor: minor,
    difference_minor: minor,
    differences: z.array(z.string()),
    detail: z.string(),
  })
  .transform((r): BillReconciliation => ({
    billId: r.bill_id,
    result: r.result,
    documentType: r.document_type,
    externalId: r.external_id,
    currency: r.currency,
    expectedTotalMinor: r.expected_total_minor,
    heldTotalMinor: r.held_total_minor,
    differenceMinor: r.difference_minor,
    differences: r.differences,
    detail: r.detail,
  }));

export async function insertReconciliationRun(
  db: Queryable,
  run: { integrationId: string; from: string; to: string },
): Promise<ReconciliationRun> {
  const { rows } = await db.query(
    `INSERT INTO reconciliation_runs (integration_id, bill_date_from, bill_date_to) VALUES ($1, $2, $3) RETURNING *`,
    [run.integrationId, run.from, run.to],
  );
  return RunRowSchema.parse(rows[0]);
}

/** Stores the results and the summary of a run at once (a run's results are written once). */
export async function finishReconciliationRun(
  db: Queryable,
  id: string,
  end: {
    results: readonly BillReconciliation[];
    summary: ReconciliationSummary;
    quickBooksReads: number;
    adopted: number;
  },
): Promise<void> {
  const r = end.results;
  await db.query(
    `INSERT INTO reconciliation_results (run_id, seq, bill_id, result, document_type, external_id, currency,
       expected_total_minor, held_total_minor, difference_minor, differences, detail)
     SELECT $1, s, b, res, dt, ext, cur, e, h, d, diff, det
       FROM unnest($2::int[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[], $9::bigint[],
                   $10::bigint[], $11::jsonb[], $12::text[]) AS t(s, b, res, dt, ext, cur, e, h, d, diff, det)
     ON CONFLICT DO NOTHING`,
    [
      id,
      r.map((_, i) => i),
      r.map((x) => x.billId),
      r.map((x) => x.result),
      r.map((x) => x.documentType),
      r.map((x) => x.externalId),
      r.map((x) => x.currency),
      r.map((x) => x.expectedTotalMinor),
      r.map((x) => x.heldTotalMinor),
      r.map((x) => x.differenceMinor),
      r.map((x) => JSON.stringify(x.differences)),
      r.map((x) => x.detail),
    ],
  );
  await db.query(
    `UPDATE reconciliation_runs SET status = 'COMPLETE', checked = listed, summary = $2, quickbooks_reads = $3, adopted = $4,
       finished_at = now() WHERE id = $1`,
    [id, JSON.stringify(end.summary), end.quickBooksReads, end.adopted],
  );
}

export async function recordReconciliationProgress(
  db: Queryable,
  id: string,
  progress: { listed: number; checked: number },
): Promise<void> {
  await db.query('UPDATE reconciliation_runs SET listed = $2, checked = $3 WHERE id = $1', [
    id,
    progress.listed,
    progress.checked,
  ]);
}

export async function failReconciliationRun(db: Queryable, id: string, error: string): Promise<void> {
  await db.query(
    `UPDATE reconciliation_runs SET status = 'FAILED', error = $2, finished_at = now() WHERE id = $1`,
    [id, error],
  );
}

export async function getReconciliationRun(
  db: Queryable,
  id: string,
): Promise<ReconciliationRun | undefined> {
  const { rows } = await db.query('SELECT * FROM reconciliation_runs WHERE id = $1', [id]);
  return rows[0] ? RunRowSchema.parse(rows[0]) : undefined;
}

export async function listReconciliationRuns(
  db: Queryable,
  integrationId: string,
): Promise<ReconciliationRun[]> {
  const { rows } = await db.query(
    'SELECT * FROM reconciliation_runs WHERE integration_id = $1 ORDER BY created_at DESC LIMIT 100',
    [integrationId],
  );
  return rows.map((r) => RunRowSchema.parse(r));
}

export async function listReconciliationResults(
  db: Queryable,
  runId: string,
  filter: { results?: readonly ReconciliationResultKind[]; billId?: string } = {},
): Promise<BillReconciliation[]> {
  const { rows } = await db.query(
    `SELECT * FROM reconciliation_results WHERE run_id = $1
       AND ($2::text[] IS NULL OR result = ANY($2)) AND ($3::text IS NULL OR bill_id = $3) ORDER BY seq`,
    [runId, filter.results?.length ? filter.results : null, filter.billId ?? null],
  );
  return rows.map((r) => ResultRowSchema.parse(r));
}
