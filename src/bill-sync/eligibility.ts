import type { Queryable } from '../db/repositories/common';
import { updateRun } from '../db/repositories/runs.repository';
import { decideEligibility } from '../domain/eligibility';
import type { RunStatus } from '../domain/run-status';
import { accountOf, type RunContext } from './sync-context';

export type Eligibility =
  | { proceed: true; accountId: string; billVersion: number }
  | {
      proceed: false;
      status: Extract<RunStatus, 'SKIPPED' | 'DISABLED'>;
      reason: string;
      accountId?: string;
    };

/**
 * Check approval and filters: whether this run's integration sends the bill now (enabled, account in scope,
 * approved when it must be). Records on the run which version of the bill it saw.
 */
export async function checkEligibility(db: Queryable, ctx: RunContext): Promise<Eligibility> {
  const { run, integration, bill } = ctx;
  if (!integration) return { proceed: false, status: 'SKIPPED', reason: 'the integration was deleted' };
  if (!bill) return { proceed: false, status: 'SKIPPED', reason: `bill ${run.billId} has not been received` };
  const { accountId } = bill.bill;
  await updateRun(db, run.id, { accountId, billVersion: bill.version, contentHash: bill.contentHash });
  const decision = decideEligibility(integration, bill.bill, accountOf(bill.bill, ctx.account));
  if (!decision.send) return { proceed: false, status: decision.status, reason: decision.reason, accountId };
  return { proceed: true, accountId, billVersion: bill.version };
}
