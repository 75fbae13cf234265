import { ApplicationFailure } from '@temporalio/activity';
import {
  executeReconciliation,
  openScheduledReconciliation,
  recordReconciliationFailure,
  type ReconciliationScheduler,
} from '../bill-sync/reconciliation';
import { pollQuickBooksChanges } from '../bill-sync/quickbooks-cdc-poll';
import type { Db } from '../db/pool';
import { DomainError, NotFoundError } from '../domain/errors';
import type { M3terClient } from '../m3ter/client';
import type { QuickBooksConnector } from '../quickbooks/connector';
import { QuickBooksAuthError } from '../quickbooks/connector';
import type { ReferenceCache } from '../settings/reference-cache';
import type { ReconciliationActivities } from './reconciliation.contract';

export interface ReconciliationDeps {
  db: Db;
  m3ter?: M3terClient;
  reference: ReferenceCache;
  quickBooks: QuickBooksConnector;
  /** So a scheduled run of a deleted integration removes its own schedule. */
  reconciliationSchedules?: ReconciliationScheduler;
}

/** Thin adapters over src/bill-sync/reconciliation.ts; what no retry can fix is not retried. */
export function createReconciliationActivities(deps: ReconciliationDeps): ReconciliationActivities {
  return {
    async reconcile({ runId }) {
      try {
        const { run } = await executeReconciliation(
          { db: deps.db, m3ter: deps.m3ter, reference: deps.reference, connector: deps.quickBooks },
          runId,
        );
        return {
          bills: run.summary?.bills ?? 0,
          quickBooksReads: run.quickBooksReads,
          adopted: run.adopted,
        };
      } catch (err) {
        if (err instanceof NotFoundError || err instanceof DomainError || err instanceof QuickBooksAuthError)
          throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },
    openScheduledReconciliation: ({ integrationId }) =>
      openScheduledReconciliation(
        { db: deps.db, m3ter: deps.m3ter, schedules: deps.reconciliationSchedules },
        integrationId,
      ),
    recordReconciliationFailure: ({ runId, error }) => recordReconciliationFailure(deps.db, runId, error),
    async pollQuickBooksChanges({ integrationId }) {
      try {
        const polled = await pollQuickBooksChanges(
          { db: deps.db, connector: deps.quickBooks },
          integrationId,
        );
        return (
          polled && { changes: polled.changes, new: polled.new, events: polled.events, paid: polled.paid }
        );
      } catch (err) {
        if (err instanceof QuickBooksAuthError) throw ApplicationFailure.nonRetryable(err.message, err.name);
        throw err;
      }
    },
  };
}
