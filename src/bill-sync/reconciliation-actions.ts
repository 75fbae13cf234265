import {
  forgetPayloadHash,
  getBillDocument,
  restorePayloadHash,
} from '../db/repositories/bill-documents.repository';
import { isUuid } from '../db/repositories/common';
import { findIntegration } from '../db/repositories/integrations';
import {
  getReconciliationRun,
  listReconciliationResults,
  type ReconciliationRun,
} from '../db/repositories/reconciliations.repository';
import { listRuns } from '../db/repositories/runs.repository';
import { DomainError, ERROR_CODES, NotFoundError } from '../domain/errors';
import {
  ACTION_FIXES,
  actionRefusal,
  billIdOfMarker,
  isVoided,
  type BillReconciliation,
  type ReconciliationAction,
  type ReconciliationResultKind,
} from '../domain/reconciliation';
import type { QuickBooksConnector } from '../quickbooks/connector';
import { heldDocument, recordAdoptedDocument } from './reconciliation';
import { DEFAULT_REPLAY_STATUSES, replayRun, syncBillNow, type SyncRequestDeps } from './sync-requests';

/**
 * The actions on a reconciliation's results (issue 14), one bill at a time or in bulk:
 * - resync: the bill's sync under its usual workflow id (send now), made to compare with what QuickBooks
 *   holds even when the bill is unchanged — so an edited, voided or deleted document is brought back;
 * - replay: the same, as a replay of the bill's last failed run;
 * - adopt: the UNLINKED document (found by its marker) becomes the bill's on its link and last run, so later
 *   syncs update it; QuickBooks is read once to confirm it, never written.
 * Each action applies only to the results it fixes (else ACTION_NOT_APPLICABLE, or DOCUMENT_PAID for a paid
 * document); everything is checked before anything is written.
 */

export interface ReconciliationActionDeps extends SyncRequestDeps {
  /** To read the document an adoption confirms (absent: adopt answers INVALID_STATE). */
  connector?: QuickBooksConnector;
}

export interface ActionOutcome {
  billId: string;
  action: ReconciliationAction;
  /** The result the action fixed. */
  result: ReconciliationResultKind;
  /** resync, replay: the new run (WAITING until the bill's workflow takes it up). */
  runId?: string;
  workflowId?: string;
  /** replay: the failed run replayed. */
  replayedFromRunId?: string;
  /** adopt: the document now linked. */
  documentType?: 'Invoice' | 'CreditMemo';
  externalId?: string;
}

export interface BulkActionRequest {
  action: ReconciliationAction;
  /** Only results of these kinds (default: every kind the action fixes). */
  result?: ReconciliationResultKind[];
  /** Only these bills. */
  billIds?: string[];
}

export interface BulkActionOutcome {
  action: ReconciliationAction;
  /** How many results were acted on. */
  acted: number;
  outcomes: ActionOutcome[];
  /** Results picked but not acted on, each with the stable code saying why. */
  skipped: Array<{ billId: string; result: ReconciliationResultKind; code: string; message: string }>;
}

/** One result's action (`POST /reconciliations/{id}/results/{billId}/actions`). */
export async function actOnReconciliationResult(
  deps: ReconciliationActionDeps,
  reconciliationId: string,
  billId: string,
  action: ReconciliationAction,
): Promise<ActionOutcome> {
  const run = await reconciliationRun(deps, reconciliationId);
  const [result] = await listReconciliationResults(deps.db, run.id, { billId });
  if (!result) throw new NotFoundError('Reconciliation result', billId);
  const refusal = actionRefusal(action, result.result);
  if (refusal)
    throw new DomainError(ERROR_CODES[refusal.code], `${billId}: ${refusal.message}`, {
      billId,
      result: result.result,
      action,
    });
  return act(deps, run, result, action);
}

/** The bulk form (`POST /reconciliations/{id}/actions`): each picked result the action fixes. */
export async function actOnReconciliationResults(
  deps: ReconciliationActionDeps,
  reconciliationId: string,
  request: BulkActionRequest,
): Promise<BulkActionOutcome> {
  const run = await reconciliationRun(deps, reconciliationId);
  const { action } = request;
  const unfixable = (request.result ?? []).filter((k) => actionRefusal(action, k));
  if (unfixable.length) {
    const refusal = actionRefusal(action, unfixable[0]!)!;
    throw new DomainError(ERROR_CODES[refusal.code], `result ${unfixable.join(', ')}: ${refusal.message}`, {
      result: unfixable,
      action,
    });
  }
  const kinds = request.result?.length ? request.result : [...ACTION_FIXES[action]];
  const billIds = request.billIds && new Set(request.billIds);
  const picked = (await listReconciliationResults(deps.db, run.id, { results: kinds })).filter(
    (r) => !billIds || billIds.has(r.billId),
  );
  const out: BulkActionOutcome = { action, acted: 0, outcomes: [], skipped: [] };
  for (const result of picked) {
    try {
      out.outcomes.push(await act(deps, run, result, action));
      out.acted += 1;
    } catch (err) {
      if (!(err instanceof DomainError) || err.code === ERROR_CODES.INVALID_STATE) throw err;
      out.skipped.push({
        billId: result.billId,
        result: result.result,
        code: err.code,
        message: err.message,
      });
    }
  }
  return out;
}

async function reconciliationRun(
  deps: ReconciliationActionDeps,
  reconciliationId: string,
): Promise<ReconciliationRun> {
  const run = isUuid(reconciliationId) ? await getReconciliationRun(deps.db, reconciliationId) : undefined;
  if (!run) throw new NotFoundError('Reconciliation', reconciliationId);
  return run;
}

async function act(
  deps: ReconciliationActionDeps,
  run: ReconciliationRun,
  result: BillReconciliation,
  action: ReconciliationAction,
): Promise<ActionOutcome> {
  const { integrationId } = run;
  const { billId } = result;
  const base = { billId, action, result: result.result };
  if (action === 'adopt') return { ...base, ...(await adoptDocument(deps, integrationId, result)) };
  if (action === 'replay') {
    const [failed] = await listRuns(deps.db, {
      integrationId,
      billId,
      statuses: DEFAULT_REPLAY_STATUSES,
      limit: 1,
    });
    if (!failed)
      throw new DomainError(ERROR_CODES.NO_FAILED_RUN, `${billId}: the bill has no failed run to replay`, {
        billId,
      });
    const replayed = await forcingComparison(deps, integrationId, billId, () => replayRun(deps, failed.id));
    return {
      ...base,
      runId: replayed.runId,
      workflowId: replayed.workflowId,
      replayedFromRunId: failed.id,
    };
  }
  return {
    ...base,
    ...(await forcingComparison(deps, integrationId, billId, () => syncBillNow(deps, integrationId, billId))),
  };
}

/**
 * Asks for a sync that compares with what QuickBooks holds (the link's payload hash forgotten first, so the
 * workflow's pass cannot find the bill "unchanged"); when the request fails the hash is put back.
 */
async function forcingComparison<T>(
  deps: ReconciliationActionDeps,
  integrationId: string,
  billId: string,
  request: () => Promise<T>,
): Promise<T> {
  const forgotten = await forgetPayloadHash(deps.db, integrationId, billId);
  try {
    return await request();
  } catch (err) {
    await restorePayloadHash(deps.db, integrationId, billId, forgotten);
    throw err;
  }
}

/** Reads the UNLINKED document (it must still carry the bill's marker) and records it as the bill's. */
async function adoptDocument(
  deps: ReconciliationActionDeps,
  integrationId: string,
  result: BillReconciliation,
): Promise<{ documentType: 'Invoice' | 'CreditMemo'; externalId: string }> {
  const { billId, documentType: type, externalId: id } = result;
  if (!type || !id)
    throw new DomainError(ERROR_CODES.DOCUMENT_CHANGED, `${billId}: the result names no document`, {
      billId,
    });
  if (!deps.connector)
    throw new DomainError(ERROR_CODES.INVALID_STATE, 'Adopting reads QuickBooks, which this process cannot');
  const integration = await findIntegration(deps.db, integrationId);
  if (!integration) throw new NotFoundError('Integration', integrationId);
  const found = await deps.connector.withClient(integration.credentialId, (client) =>
    client.getDocument(type, id),
  );
  const doc = found && heldDocument(type, found);
  const why = !doc
    ? 'is no longer in QuickBooks'
    : billIdOfMarker(doc.privateNote) !== billId
      ? "no longer carries the bill's marker"
      : isVoided(doc)
        ? 'was voided since'
        : null;
  if (!doc || why)
    throw new DomainError(ERROR_CODES.DOCUMENT_CHANGED, `${billId}: ${type} ${id} ${why}; reconcile again`, {
      billId,
      documentType: type,
      externalId: id,
    });
  const link = await getBillDocument(deps.db, integrationId, billId);
  // No payload hash: the next sync compares with the document and brings it up to date.
  await recordAdoptedDocument(deps.db, {
    integrationId,
    billId,
    generation: link?.generation ?? 1,
    payloadHash: '',
    doc,
  });
  return { documentType: type, externalId: id };
}
