import { updateRun } from '../db/repositories/runs.repository';
import { decideEligibility } from '../domain/eligibility';
import type { RunStatus } from '../domain/run-status';
import { fetchCurrentBill, type BillFetchDeps } from './bill-fetch';
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
 * Check approval and filters on the current bill (read from m3ter's API, see bill-fetch.ts): whether this
 * run's integration sends it now — enabled, account in scope, approved when it must be. Records on the run
 * which version of the bill it saw.
 */
export async function checkEligibility(deps: BillFetchDeps, ctx: RunContext): Promise<Eligibility> {
  const { run, integration } = ctx;
  if (!integration) return { proceed: false, status: 'SKIPPED', reason: 'the integration was deleted' };
  const current = await fetchCurrentBill(deps, ctx);
  if (!current.found) return { proceed: false, status: 'SKIPPED', reason: current.reason };
  const { bill, version, contentHash } = current.stored;
  const { accountId } = bill;
  // Read from m3ter, the bill was recorded on the run as it was stored; from a stored webhook body, here.
  if (!deps.m3ter) await updateRun(deps.db, run.id, { accountId, billVersion: version, contentHash });
  const decision = decideEligibility(integration, bill, accountOf(bill, current.account));
  if (!decision.send) return { proceed: false, status: decision.status, reason: decision.reason, accountId };
  return { proceed: true, accountId, billVersion: version };
}
