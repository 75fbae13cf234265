import { setPaidState } from '../db/repositories/bill-documents.repository';
import type { Queryable } from '../db/repositories/common';
import { insertNoticedRun } from '../db/repositories/runs.repository';
import { billSyncWorkflowId } from '../domain/ids';
import type { QboDocumentType } from '../domain/invoice';
import { paymentState } from '../domain/reconciliation';

/** Where we learnt a document's payment state. */
export type PaymentSource = 'reconciliation' | 'QuickBooks webhook' | 'ChangeDataCapture poll';

/**
 * A linked document paid (or partly paid) in QuickBooks: recorded on the bill's link and, once per change, as a
 * run in the bill's history (INVOICE_ALREADY_PAID, trigger `quickbooks`), so the runs API shows it. Updates stop
 * there: the bill sync reads the document before any update and never modifies a paid one (document-upsert.ts).
 * A document open again (a payment removed) is recorded as open, with no run. True when a run was recorded.
 */
export async function notePaymentState(
  db: Queryable,
  link: { integrationId: string; billId: string },
  doc: { type: QboDocumentType; id: string; open?: number; totalAmt: number },
  source: PaymentSource,
): Promise<boolean> {
  const state = paymentState(doc);
  const changed = await setPaidState(db, {
    ...link,
    documentType: doc.type,
    externalId: doc.id,
    paidState: state,
  });
  if (!changed || !state) return false;
  const what =
    state === 'PAID'
      ? `is paid in full in QuickBooks (total ${doc.totalAmt})`
      : `is partly paid in QuickBooks (open ${doc.open} of ${doc.totalAmt})`;
  await insertNoticedRun(db, {
    ...link,
    workflowId: billSyncWorkflowId(link.integrationId, link.billId),
    trigger: 'quickbooks',
    status: 'INVOICE_ALREADY_PAID',
    message: `${doc.type} ${doc.id} ${what}, learnt from the ${source}; it will not be updated again`,
    externalId: doc.id,
    externalType: doc.type,
  });
  return true;
}
