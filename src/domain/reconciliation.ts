import type { QboDocument, QboDocumentType } from './invoice';
import { minorUnits, roundedSum, toMinor } from './money';

/**
 * Reconciliation: for one bill, what the pure builder would send today against what QuickBooks holds.
 * Pure (no I/O): the use case gathers the expectation, our recorded link and the documents QuickBooks
 * returned, and this decides one result per bill. Totals are signed minor units (a credit memo counts
 * negative), so an invoice that should have become a credit memo shows its full difference.
 */

export const RECONCILIATION_RESULTS = [
  'MATCHED',
  'MISSING',
  'UNLINKED',
  'AMOUNT_DIFFERS',
  'LINES_DIFFER',
  'CUSTOMER_DIFFERS',
  'EDITED_IN_QUICKBOOKS',
  'VOIDED',
  'DELETED',
  'PAID',
  'PARTLY_PAID',
  'NOT_EXPECTED',
  'SKIPPED_BY_SETTINGS',
  /** A document with our marker whose bill m3ter no longer lists. */
  'ORPHANED',
] as const;
export type ReconciliationResultKind = (typeof RECONCILIATION_RESULTS)[number];

/** Results a person may want to act on (the others are fine or informational). */
export const FIXABLE_RESULTS: ReadonlySet<ReconciliationResultKind> = new Set([
  'MISSING',
  'UNLINKED',
  'AMOUNT_DIFFERS',
  'LINES_DIFFER',
  'CUSTOMER_DIFFERS',
  'EDITED_IN_QUICKBOOKS',
  'VOIDED',
  'DELETED',
]);

/** What today's bill and settings call for. */
export type Expectation =
  | { kind: 'document'; document: QboDocument }
  /** Not approved, filtered, out of the integration's scope, nothing to send… */
  | { kind: 'not-expected'; reason: string };

/** Our record of the bill's document (bill_documents). */
export interface RecordedLink {
  state: 'creating' | 'synced';
  documentType: QboDocumentType;
  externalId: string | null;
  /** The SyncToken our last write left; a higher one means someone changed it since. */
  syncToken: string | null;
}

/** A document as QuickBooks holds it: the fields compared. */
export interface HeldDocument {
  type: QboDocumentType;
  id: string;
  syncToken: string;
  customerId: string;
  currency?: string;
  privateNote?: string;
  totalAmt: number;
  /** Invoice Balance, or a credit memo's RemainingCredit: what is still open. */
  open?: number;
  lines: HeldLine[];
}

export interface HeldLine {
  detailType: string;
  amount?: number;
  description?: string;
  itemId?: string;
  qty?: number;
  unitPrice?: number;
  serviceDate?: string;
}

export interface BillReconciliationInput {
  billId: string;
  expectation: Expectation;
  link: RecordedLink | null;
  /** The linked document as read now; `null`: QuickBooks no longer has it (deleted). Absent: no link to read. */
  linked?: HeldDocument | null;
  /** Documents carrying the bill's marker (other than the linked one). */
  marked: readonly HeldDocument[];
  /** Currency of the expected document when its payload names none (the company's home currency). */
  homeCurrency: string;
}

export interface BillReconciliation {
  billId: string;
  result: ReconciliationResultKind;
  /** The document compared (linked, or the one to adopt). */
  documentType: QboDocumentType | null;
  externalId: string | null;
  currency: string | null;
  /** Signed minor units; null when there is nothing on that side. */
  expectedTotalMinor: number | null;
  heldTotalMinor: number | null;
  /** held − expected (signed minor units), null unless both sides exist. */
  differenceMinor: number | null;
  /** What differs, in words (one entry per field): shown and exported as is. */
  differences: string[];
  detail: string;
}

const VOIDED_NOTE = /^Voided\b/;

/** One result per bill. */
export function reconcileBill(input: BillReconciliationInput): BillReconciliation {
  const { expectation, link, marked } = input;
  const expected = expectation.kind === 'document' ? expectation.document : null;
  const expectedCurrency = expected ? (expected.payload.CurrencyRef?.value ?? input.homeCurrency) : null;
  const base = {
    billId: input.billId,
    documentType: null,
    externalId: null,
    currency: expectedCurrency,
    expectedTotalMinor: expected ? expectedTotal(expected, expectedCurrency ?? input.homeCurrency) : null,
    heldTotalMinor: null,
    differenceMinor: null,
    differences: [],
  } satisfies Omit<BillReconciliation, 'result' | 'detail'>;
  const linkedId = link?.state === 'synced' ? link.externalId : null;
  const held = linkedId && input.linked ? input.linked : null;
  const adoptable = [...marked]
    .filter((d) => d.id !== linkedId && !isVoided(d))
    .sort((a, b) => Number(a.id) - Number(b.id))[0];
  const withDoc = (doc: HeldDocument) => {
    const currency = doc.currency ?? expectedCurrency ?? input.homeCurrency;
    const heldTotalMinor = heldTotal(doc, currency);
    return {
      ...base,
      documentType: doc.type,
      externalId: doc.id,
      currency,
      heldTotalMinor,
      differenceMinor: base.expectedTotalMinor === null ? null : heldTotalMinor - base.expectedTotalMinor,
    };
  };

  if (expectation.kind === 'not-expected') {
    const doc = held ?? adoptable;
    if (doc && !isVoided(doc))
      return {
        ...withDoc(doc),
        result: 'NOT_EXPECTED',
        detail: `${doc.type} ${doc.id} exists although nothing is expected: ${expectation.reason}`,
      };
    return { ...base, result: 'SKIPPED_BY_SETTINGS', detail: expectation.reason };
  }
  const doc = expectation.document;

  if (!held) {
    if (adoptable)
      return {
        ...withDoc(adoptable),
        result: 'UNLINKED',
        detail: `${adoptable.type} ${adoptable.id} carries the bill's marker but no run recorded it`,
      };
    if (linkedId && input.linked === null)
      return {
        ...base,
        documentType: link?.documentType ?? null,
        externalId: linkedId,
        result: 'DELETED',
        detail: `${link?.documentType} ${linkedId} was deleted in QuickBooks`,
      };
    return {
      ...base,
      result: 'MISSING',
      detail:
        link?.state === 'creating'
          ? 'A create was sent but QuickBooks holds no document with the marker'
          : 'QuickBooks holds no document for the bill',
    };
  }

  const compared = withDoc(held);
  if (isVoided(held))
    return { ...compared, result: 'VOIDED', detail: `${held.type} ${held.id} was voided in QuickBooks` };
  const open = held.open;
  const paid = paymentState(held);
  if (paid) {
    const paidInFull = paid === 'PAID';
    return {
      ...compared,
      result: paidInFull ? 'PAID' : 'PARTLY_PAID',
      detail: paidInFull
        ? `${held.type} ${held.id} is paid in full; updates stop`
        : `${held.type} ${held.id} is partly paid (open ${open} of ${held.totalAmt}); updates stop`,
    };
  }
  const currency = compared.currency;
  const differences = compareDocuments(doc, held, currency);
  const edited =
    link?.syncToken !== null && link?.syncToken !== undefined && held.syncToken !== link.syncToken;
  const customerDiffers = differences.some((d) => d.startsWith('customer'));
  const linesOnly = compared.differenceMinor === 0 && differences.length > 0;
  if (edited) {
    // An edit in QuickBooks that moved the document to another customer, or changed its lines but not its
    // total, is named by what it changed; any other edit (an amount, or nothing we compare) is EDITED.
    const what = customerDiffers ? 'CUSTOMER_DIFFERS' : linesOnly ? 'LINES_DIFFER' : 'EDITED_IN_QUICKBOOKS';
    const edit = `${held.type} ${held.id} was changed in QuickBooks after our last write (SyncToken ${link.syncToken} → ${held.syncToken})`;
    return {
      ...compared,
      differences,
      result: what,
      detail: what === 'EDITED_IN_QUICKBOOKS' ? edit : `${edit}: ${differences.join('; ')}`,
    };
  }
  const kind: ReconciliationResultKind = customerDiffers
    ? 'CUSTOMER_DIFFERS'
    : compared.differenceMinor !== 0
      ? 'AMOUNT_DIFFERS'
      : differences.length
        ? 'LINES_DIFFER'
        : 'MATCHED';
  return { ...compared, differences, result: kind, detail: differences.join('; ') || 'as expected' };
}

/** The field-by-field differences between what we would send and what QuickBooks holds. */
export function compareDocuments(expected: QboDocument, held: HeldDocument, currency: string): string[] {
  const out: string[] = [];
  if (expected.type !== held.type) out.push(`type: expected ${expected.type}, held ${held.type}`);
  const customer = expected.payload.CustomerRef.value;
  if (customer !== held.customerId) out.push(`customer: expected ${customer}, held ${held.customerId}`);
  const expectedCurrency = expected.payload.CurrencyRef?.value;
  if (expectedCurrency && held.currency && expectedCurrency !== held.currency)
    out.push(`currency: expected ${expectedCurrency}, held ${held.currency}`);
  const want = expected.payload.Line;
  const have = held.lines.filter((l) => l.detailType === 'SalesItemLineDetail');
  const expectedSum = roundedSum(
    want.map((l) => l.Amount),
    currency,
  );
  const heldSum = toMinor(held.totalAmt, currency);
  if (expectedSum !== heldSum)
    out.push(`total: expected ${format(expectedSum, currency)}, held ${format(heldSum, currency)}`);
  if (want.length !== have.length) out.push(`lines: expected ${want.length}, held ${have.length}`);
  const n = Math.min(want.length, have.length);
  for (let i = 0; i < n; i++) {
    const w = want[i]!;
    const h = have[i]!;
    const at = `line ${i + 1}`;
    if (toMinor(w.Amount, currency) !== toMinor(h.amount ?? 0, currency))
      out.push(`${at} amount: expected ${w.Amount}, held ${h.amount ?? 0}`);
    const item = w.SalesItemLineDetail.ItemRef?.value;
    if (item !== undefined && item !== h.itemId)
      out.push(`${at} item: expected ${item}, held ${h.itemId ?? '-'}`);
    if ((w.Description ?? '') !== (h.description ?? ''))
      out.push(`${at} description: expected "${w.Description ?? ''}", held "${h.description ?? ''}"`);
    const qty = w.SalesItemLineDetail.Qty;
    if (qty !== undefined && qty !== h.qty) out.push(`${at} quantity: expected ${qty}, held ${h.qty ?? '-'}`);
    const price = w.SalesItemLineDetail.UnitPrice;
    if (price !== undefined && price !== h.unitPrice)
      out.push(`${at} unit price: expected ${price}, held ${h.unitPrice ?? '-'}`);
  }
  return out;
}

/**
 * Paid in full (nothing open), partly paid (less open than the total), or null: all of it still open. A payment
 * in QuickBooks is the one reason a document is never updated again.
 */
export function paymentState(doc: { open?: number; totalAmt: number }): 'PAID' | 'PARTLY_PAID' | null {
  const { open } = doc;
  if (open === undefined || Math.abs(open - doc.totalAmt) <= 1e-9) return null;
  return Math.abs(open) < 1e-9 ? 'PAID' : 'PARTLY_PAID';
}

export function isVoided(doc: HeldDocument): boolean {
  return doc.totalAmt === 0 && VOIDED_NOTE.test(doc.privateNote ?? '');
}

function sign(type: QboDocumentType): 1 | -1 {
  return type === 'CreditMemo' ? -1 : 1;
}

function expectedTotal(doc: QboDocument, currency: string): number {
  return (
    sign(doc.type) *
    roundedSum(
      doc.payload.Line.map((l) => l.Amount),
      currency,
    )
  );
}

function heldTotal(doc: HeldDocument, currency: string): number {
  return sign(doc.type) * toMinor(doc.totalAmt, currency);
}

function format(minor: number, currency: string): string {
  return (minor / 10 ** minorUnits(currency)).toFixed(minorUnits(currency));
}

/** Documents carrying our marker whose bill is not among those listed: one ORPHANED result each. */
export function orphanedDocuments(
  marked: ReadonlyMap<string, readonly HeldDocument[]>,
  listedBillIds: ReadonlySet<string>,
  homeCurrency: string,
): BillReconciliation[] {
  const out: BillReconciliation[] = [];
  for (const [billId, docs] of marked) {
    if (listedBillIds.has(billId)) continue;
    for (const doc of docs) {
      if (isVoided(doc)) continue;
      const currency = doc.currency ?? homeCurrency;
      out.push({
        billId,
        result: 'ORPHANED',
        documentType: doc.type,
        externalId: doc.id,
        currency,
        expectedTotalMinor: null,
        heldTotalMinor: heldTotal(doc, currency),
        differenceMinor: null,
        differences: [],
        detail: `${doc.type} ${doc.id} carries the marker of bill ${billId}, which m3ter no longer lists`,
      });
    }
  }
  return out;
}

/** The bill id in a PrivateNote's marker (`[m3ter-bill:<id>]`), if any. */
export function billIdOfMarker(privateNote: string | undefined): string | undefined {
  return /\[m3ter-bill:([^\]\s]+)\]/.exec(privateNote ?? '')?.[1];
}

export interface ReconciliationSummary {
  bills: number;
  counts: Record<ReconciliationResultKind, number>;
  /** Per currency: expected and held totals (signed minor units) by result, and the total drift. */
  amounts: Record<
    string,
    {
      byResult: Partial<Record<ReconciliationResultKind, { expectedMinor: number; heldMinor: number }>>;
      /** Σ |held − expected| over bills whose document differs in amount (including missing/deleted). */
      driftMinor: number;
      /** Σ (held − expected): positive means QuickBooks holds more than m3ter billed. */
      netDriftMinor: number;
    }
  >;
}

/** Counts, amounts per result and the total drift, per currency. */
export function summarize(results: readonly BillReconciliation[]): ReconciliationSummary {
  const counts = Object.fromEntries(RECONCILIATION_RESULTS.map((k) => [k, 0])) as Record<
    ReconciliationResultKind,
    number
  >;
  const amounts: ReconciliationSummary['amounts'] = {};
  for (const r of results) {
    counts[r.result] += 1;
    if (!r.currency) continue;
    const entry = (amounts[r.currency] ??= { byResult: {}, driftMinor: 0, netDriftMinor: 0 });
    const slot = (entry.byResult[r.result] ??= { expectedMinor: 0, heldMinor: 0 });
    slot.expectedMinor += r.expectedTotalMinor ?? 0;
    slot.heldMinor += r.heldTotalMinor ?? 0;
    if (r.result === 'SKIPPED_BY_SETTINGS' || r.result === 'PAID' || r.result === 'PARTLY_PAID') continue;
    const drift = (r.heldTotalMinor ?? 0) - (r.expectedTotalMinor ?? 0);
    entry.driftMinor += Math.abs(drift);
    entry.netDriftMinor += drift;
  }
  return { bills: results.filter((r) => r.result !== 'ORPHANED').length, counts, amounts };
}

/** What a person can do about a result, one click away (src/bill-sync/reconciliation-actions.ts). */
export const RECONCILIATION_ACTIONS = ['resync', 'adopt', 'replay'] as const;
export type ReconciliationAction = (typeof RECONCILIATION_ACTIONS)[number];

/** A document QuickBooks holds but differs from, or lacks, what we would send: a sync brings it back. */
const RESYNCABLE: ReadonlySet<ReconciliationResultKind> = new Set([
  'MISSING',
  'AMOUNT_DIFFERS',
  'LINES_DIFFER',
  'CUSTOMER_DIFFERS',
  'EDITED_IN_QUICKBOOKS',
  'DELETED',
  'VOIDED',
]);

/** The results each action fixes. */
export const ACTION_FIXES: Readonly<Record<ReconciliationAction, ReadonlySet<ReconciliationResultKind>>> = {
  resync: RESYNCABLE,
  replay: RESYNCABLE,
  adopt: new Set(['UNLINKED']),
};

/** Why an action does not apply to a result (null: it does), with a stable code. */
export function actionRefusal(
  action: ReconciliationAction,
  result: ReconciliationResultKind,
): { code: 'DOCUMENT_PAID' | 'ACTION_NOT_APPLICABLE'; message: string } | null {
  if (ACTION_FIXES[action].has(result)) return null;
  if (result === 'PAID' || result === 'PARTLY_PAID')
    return {
      code: 'DOCUMENT_PAID',
      message: `the document is ${result === 'PAID' ? 'paid' : 'partly paid'} in QuickBooks and is never updated`,
    };
  const fixes = [...ACTION_FIXES[action]].join(', ');
  const hint =
    result === 'UNLINKED'
      ? '; adopt the document first (a sync now would create a second one)'
      : result === 'MATCHED'
        ? '; nothing to fix'
        : '';
  return {
    code: 'ACTION_NOT_APPLICABLE',
    message: `${action} fixes ${fixes}, not ${result}${hint}`,
  };
}
