import {
  getBillDocument,
  markCreating,
  markSynced,
  type BillDocument,
} from '../db/repositories/bill-documents.repository';
import type { Queryable } from '../db/repositories/common';
import { documentMarker, quickBooksRequestId } from '../domain/ids';
import type { QboDocument, QboDocumentType } from '../domain/invoice';
import { SyncFailureError } from '../domain/sync-failure';
import { singleWriter, type DocumentWriter, type SentInBatch } from '../quickbooks/batch-writer';
import type { QuickBooksClient } from '../quickbooks/client';
import { QuickBooksError } from '../quickbooks/errors';
import type { CreditMemo, Invoice } from '../quickbooks/types';

export interface UpsertResult {
  outcome: 'created' | 'updated' | 'unchanged' | 'recreated' | 'adopted';
  externalId: string;
  externalType: QboDocumentType;
  url: string;
  warnings: string[];
  /** The batch the write went out in, when it was batched. */
  batch?: SentInBatch;
}

export interface UpsertRequest {
  integrationId: string;
  billId: string;
  document: QboDocument;
  payloadHash: string;
  /**
   * When the run started: a link recorded since then was written by an earlier attempt of this same run
   * (whose worker stopped before reporting back), so the document is this run's, not "unchanged".
   */
  runStartedAt?: string;
  /** The bill's document as recorded when the step started (the run's context); absent: read it. */
  link?: BillDocument | null;
  /** Link to a document in the QuickBooks app, from its type and id. */
  documentUrl: (type: QboDocumentType, id: string) => string;
}

const STALE_OBJECT = '5010';
const MAX_STALE_RETRIES = 3;

/**
 * Creates the bill's document once, or brings the existing one up to date (spec §5.5).
 * - A create is announced in the database (state 'creating') just before it is sent, with a requestid fixed by
 *   (integration, bill, generation), so QBO replays rather than repeats it; after an uncertain outcome the
 *   document is looked up by its marker before anything is sent again.
 * - Unchanged content costs no QuickBooks call; a paid document is never modified; a document deleted in
 *   QuickBooks is created again (next generation) with a warning.
 */
export async function upsertBillDocument(
  db: Queryable,
  client: QuickBooksClient,
  req: UpsertRequest,
  writer: DocumentWriter = singleWriter,
): Promise<UpsertResult> {
  const w = { client, writer };
  const link = req.link !== undefined ? req.link : await getBillDocument(db, req.integrationId, req.billId);
  const warnings: string[] = [];
  const type = req.document.type;

  if (link?.state === 'synced' && link.externalId && link.syncToken) {
    if (link.documentType === type && link.payloadHash === req.payloadHash) {
      const byThisRun =
        req.runStartedAt !== undefined && Date.parse(link.updatedAt) >= Date.parse(req.runStartedAt);
      return result(byThisRun ? 'adopted' : 'unchanged', req, link.documentType, link.externalId, warnings);
    }
    const existing = await client.getDocument(link.documentType, link.externalId);
    if (!existing) {
      warnings.push(`${link.documentType} ${link.externalId} was deleted in QuickBooks; created it again`);
      return create(db, w, req, link.generation + 1, warnings, 'recreated');
    }
    assertNotPaid(link.documentType, existing);
    if (link.documentType !== type) {
      // The regenerated bill changed sign: replace the invoice by a credit memo (or back).
      await client.deleteDocument(link.documentType, existing, {
        requestId: quickBooksRequestId(
          req.integrationId,
          req.billId,
          `delete-${existing.Id}`,
          link.generation,
        ),
      });
      warnings.push(
        `${link.documentType} ${existing.Id} replaced by a ${type}: the bill's total changed sign`,
      );
      return create(db, w, req, link.generation + 1, warnings, 'recreated');
    }
    return update(db, w, req, link, existing, warnings);
  }

  if (link?.state === 'creating') {
    // An earlier attempt sent a create whose outcome we never recorded: look before creating again.
    const found = await client.findDocumentsByMarker(
      link.documentType,
      link.customerId,
      documentMarker(req.billId),
    );
    const adopted = found.sort((a, b) => Number(a.Id) - Number(b.Id))[0];
    if (adopted) {
      const adoptedLink = { ...link, externalId: adopted.Id, syncToken: adopted.SyncToken };
      if (link.documentType === type && link.payloadHash === req.payloadHash) {
        await markSynced(db, {
          ...adoptedLink,
          externalId: adopted.Id,
          syncToken: adopted.SyncToken,
          payloadHash: req.payloadHash,
        });
        return result('adopted', req, link.documentType, adopted.Id, warnings);
      }
      await markSynced(db, {
        ...adoptedLink,
        externalId: adopted.Id,
        syncToken: adopted.SyncToken,
        payloadHash: link.payloadHash ?? '',
      });
      return upsertBillDocument(db, client, { ...req, link: undefined }, writer);
    }
    return create(db, w, req, link.generation, warnings, 'created');
  }
  return create(db, w, req, 1, warnings, 'created');
}

/** The company's client (reads, marker searches) and how its documents are written. */
interface Writes {
  client: QuickBooksClient;
  writer: DocumentWriter;
}

async function create(
  db: Queryable,
  { client, writer }: Writes,
  req: UpsertRequest,
  generation: number,
  warnings: string[],
  outcome: 'created' | 'recreated',
): Promise<UpsertResult> {
  const type = req.document.type;
  const customerId = req.document.payload.CustomerRef.value;
  let batch: SentInBatch | undefined;
  const created = await writer.create(client, req.document, {
    requestId: quickBooksRequestId(req.integrationId, req.billId, `create-${type}`, generation),
    // Announced once the realm's permit is granted: a create that waited in vain leaves nothing to look up.
    beforeSend: () =>
      markCreating(db, {
        integrationId: req.integrationId,
        billId: req.billId,
        documentType: type,
        generation,
        customerId,
        payloadHash: req.payloadHash,
      }),
    onBatched: (b) => (batch = b),
  });
  await markSynced(db, {
    integrationId: req.integrationId,
    billId: req.billId,
    documentType: type,
    generation,
    customerId,
    externalId: created.Id,
    syncToken: created.SyncToken,
    payloadHash: req.payloadHash,
  });
  return { ...result(outcome, req, type, created.Id, warnings), ...(batch && { batch }) };
}

async function update(
  db: Queryable,
  { client, writer }: Writes,
  req: UpsertRequest,
  link: BillDocument,
  existing: Invoice | CreditMemo,
  warnings: string[],
): Promise<UpsertResult> {
  let current = existing;
  let batch: SentInBatch | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      const options = {
        requestId: quickBooksRequestId(
          req.integrationId,
          req.billId,
          `update-${req.payloadHash.slice(0, 16)}-${current.SyncToken}`,
          link.generation,
        ),
        onBatched: (b: SentInBatch) => (batch = b),
      };
      // A retry after a stale SyncToken goes alone.
      const updated =
        attempt === 0
          ? await writer.update(client, req.document, current, options)
          : await client.updateDocument(req.document, current, options);
      await markSynced(db, {
        ...link,
        documentType: req.document.type,
        externalId: updated.Id,
        syncToken: updated.SyncToken,
        payloadHash: req.payloadHash,
      });
      return { ...result('updated', req, req.document.type, updated.Id, warnings), ...(batch && { batch }) };
    } catch (err) {
      // Someone changed the document since we read it: read it again and retry with its SyncToken.
      if (!(err instanceof QuickBooksError && err.code === STALE_OBJECT) || attempt >= MAX_STALE_RETRIES)
        throw err;
      const reread = await client.getDocument(req.document.type, current.Id);
      if (!reread) throw err;
      assertNotPaid(req.document.type, reread);
      current = reread;
    }
  }
}

/** A paid or partly paid invoice (or an applied credit memo) is not modified. */
function assertNotPaid(type: QboDocumentType, doc: Invoice | CreditMemo): void {
  const open =
    type === 'Invoice'
      ? (doc as Invoice).Balance
      : ((doc as CreditMemo).RemainingCredit ?? (doc as CreditMemo).Balance);
  if (open !== undefined && Math.abs(open - doc.TotalAmt) > 0.000001) {
    throw new SyncFailureError({
      code: 'INVOICE_ALREADY_PAID',
      message: `${type} ${doc.Id} is paid or partly paid in QuickBooks (total ${doc.TotalAmt}, open ${open}); it was not modified`,
    });
  }
}

function result(
  outcome: UpsertResult['outcome'],
  req: UpsertRequest,
  type: QboDocumentType,
  id: string,
  warnings: string[],
): UpsertResult {
  return { outcome, externalId: id, externalType: type, url: req.documentUrl(type, id), warnings };
}
