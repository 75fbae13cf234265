import assert from 'node:assert/strict';
import type { Db } from '../../src/db/pool';
import { issuesOf, type ApiResponse } from '../support/api-harness';

/** Every row of a table, in a stable order: compare before/after to prove a rejected write changed nothing. */
export async function snapshot(db: Db, table: string): Promise<string> {
  const { rows } = await db.query(`SELECT * FROM ${table} ORDER BY 1`);
  return JSON.stringify(rows);
}

/** Asserts a 400 VALIDATION_FAILED whose issues name `field`; returns that issue. */
export function assertFieldRejected(
  res: ApiResponse<unknown>,
  field: string,
  context = '',
): { field: string; message: string; [extra: string]: unknown } {
  assert.equal(res.status, 400, `${context} expected 400, got ${res.status}: ${res.text}`);
  const issue = issuesOf(res).find(
    (i) => i.field === field || (i.field === '(body)' && i.message.includes(field)),
  );
  assert.ok(issue, `${context} expected an issue naming "${field}", got ${res.text}`);
  return issue;
}

export const UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000';
