import type { Queryable } from '../db/repositories/common';
import {
  loadBillContext,
  loadRunContext,
  type BillContextRow,
  type CustomerMappingCandidate,
  type RunContextRow,
} from '../db/repositories/sync-context.repository';
import { NotFoundError } from '../domain/errors';
import type { Integration } from '../domain/integration-settings';
import type { QboDocument } from '../domain/invoice';
import { accountFromBill, type Account, type Bill } from '../domain/m3ter';
import { SyncFailureError } from '../domain/sync-failure';
import type { BillDocument } from '../db/repositories/bill-documents.repository';
import type { IntegrationRun } from '../db/repositories/runs.repository';

/**
 * What a sync step works on, loaded once per step (one query): the run, its integration, the newest stored
 * bill and its account. `ready` is the context of a step that needs all of them.
 */
export type RunContext = RunContextRow;

export interface ReadyContext {
  run: IntegrationRun;
  integration: Integration;
  /** The QuickBooks company of the integration's credential, when connected. */
  realmId: string | null;
  bill: Bill;
  billVersion: number;
  account: Account;
  document: QboDocument | null;
  /** The bill's QuickBooks document as recorded (none yet: null). */
  link: BillDocument | null;
  /** The account's customer mappings that may apply (resolveMapping decides). */
  customerMappings: CustomerMappingCandidate[];
}

export async function runContext(db: Queryable, runId: string): Promise<RunContext> {
  const ctx = await loadRunContext(db, runId);
  if (!ctx) throw new NotFoundError('Run', runId);
  return ctx;
}

/** The run's context with its integration and bill, or a permanent failure naming what is gone. */
export async function readyContext(db: Queryable, runId: string): Promise<ReadyContext> {
  const ctx = await runContext(db, runId);
  const { run, document, link, customerMappings } = ctx;
  return { ...ready(ctx), run, document, link, customerMappings };
}

/** A bill's context for an integration without a run (previews); NotFoundError when either is missing. */
export async function billContext(
  db: Queryable,
  integrationId: string,
  billId: string,
): Promise<Omit<ReadyContext, 'run' | 'document' | 'link' | 'customerMappings'>> {
  const ctx = await loadBillContext(db, integrationId, billId);
  if (!ctx.integration) throw new NotFoundError('Integration', integrationId);
  if (!ctx.bill) throw new NotFoundError('Bill', billId);
  return ready(ctx);
}

function ready(ctx: BillContextRow): Omit<ReadyContext, 'run' | 'document' | 'link' | 'customerMappings'> {
  const { integration, bill } = ctx;
  if (!integration)
    throw new SyncFailureError({ code: 'INVALID_DOCUMENT', message: 'the integration no longer exists' });
  if (!bill) throw new SyncFailureError({ code: 'INVALID_DOCUMENT', message: 'the bill is not stored' });
  return {
    integration,
    realmId: ctx.realmId,
    bill: bill.bill,
    billVersion: bill.version,
    account: accountOf(bill.bill, ctx.account),
  };
}

/** The bill's account from our reference data; when not (yet) known, what the bill says of it. */
export function accountOf(bill: Bill, stored: Account | null): Account {
  return stored ?? accountFromBill(bill);
}
