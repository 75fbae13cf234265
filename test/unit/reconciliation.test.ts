import assert from 'node:assert/strict';
import type { QboDocument } from '../../src/domain/invoice';

type InvoiceDocument = Extract<QboDocument, { type: 'Invoice' }>;
import {
  billIdOfMarker,
  orphanedDocuments,
  reconcileBill,
  summarize,
  type BillReconciliationInput,
  type HeldDocument,
  type RecordedLink,
} from '../../src/domain/reconciliation';

const MARKER = '[m3ter-bill:bill-1]';

function invoice(
  lines: Array<{ amount: number; item?: string; description?: string }>,
  customer = '7',
): InvoiceDocument {
  return {
    type: 'Invoice',
    payload: {
      CustomerRef: { value: customer },
      TxnDate: '2026-11-01',
      PrivateNote: `m3ter bill ${MARKER}`,
      AllowOnlineACHPayment: false,
      AllowOnlineCreditCardPayment: false,
      Line: lines.map((l) => ({
        DetailType: 'SalesItemLineDetail' as const,
        Amount: l.amount,
        Description: l.description ?? 'Usage',
        SalesItemLineDetail: { ItemRef: { value: l.item ?? '1' } },
      })),
    },
  };
}

function creditMemo(amount: number): QboDocument {
  const { payload } = invoice([{ amount }]);
  const { AllowOnlineACHPayment: _a, AllowOnlineCreditCardPayment: _b, ...rest } = payload;
  return { type: 'CreditMemo', payload: rest };
}

/** What QuickBooks holds after creating `doc` as id 42 (SyncToken 0), with `change` applied. */
function held(doc: QboDocument, change: Partial<HeldDocument> = {}): HeldDocument {
  const total = doc.payload.Line.reduce((s, l) => s + l.Amount, 0);
  return {
    type: doc.type,
    id: '42',
    syncToken: '0',
    customerId: doc.payload.CustomerRef.value,
    privateNote: doc.payload.PrivateNote,
    totalAmt: Math.round(total * 100) / 100,
    open: Math.round(total * 100) / 100,
    lines: [
      ...doc.payload.Line.map((l) => ({
        detailType: l.DetailType,
        amount: l.Amount,
        description: l.Description,
        itemId: l.SalesItemLineDetail.ItemRef?.value,
      })),
      { detailType: 'SubTotalLineDetail', amount: total },
    ],
    ...change,
  };
}

const LINK: RecordedLink = { state: 'synced', documentType: 'Invoice', externalId: '42', syncToken: '0' };
const DOC = invoice([{ amount: 100.1 }, { amount: 20.2, item: '2', description: 'Standing charge' }]);

function run(partial: Partial<BillReconciliationInput>) {
  return reconcileBill({
    billId: 'bill-1',
    expectation: { kind: 'document', document: DOC },
    link: LINK,
    linked: held(DOC),
    marked: [],
    homeCurrency: 'USD',
    ...partial,
  });
}

describe('reconciliation (pure comparison)', () => {
  it('MATCHED: the document is as we would send it', () => {
    const r = run({});
    assert.equal(r.result, 'MATCHED');
    assert.deepEqual(
      [r.expectedTotalMinor, r.heldTotalMinor, r.differenceMinor, r.externalId, r.currency],
      [12030, 12030, 0, '42', 'USD'],
    );
    assert.deepEqual(r.differences, []);
  });

  it('MISSING: no link and no document with the marker; also after a create that never arrived', () => {
    const none = run({ link: null, linked: undefined });
    assert.equal(none.result, 'MISSING');
    assert.equal(none.expectedTotalMinor, 12030);
    assert.equal(none.heldTotalMinor, null);
    const creating = run({ link: { ...LINK, state: 'creating', externalId: null }, linked: undefined });
    assert.equal(creating.result, 'MISSING');
    assert.match(creating.detail, /create was sent/);
  });

  it('UNLINKED: a document with the marker that no run recorded (the lowest id is the one to adopt)', () => {
    const r = run({
      link: { ...LINK, state: 'creating', externalId: null },
      linked: undefined,
      marked: [held(DOC, { id: '57' }), held(DOC, { id: '43' })],
    });
    assert.equal(r.result, 'UNLINKED');
    assert.equal(r.externalId, '43');
    assert.equal(r.heldTotalMinor, 12030);
    assert.equal(run({ link: null, linked: undefined, marked: [held(DOC)] }).result, 'UNLINKED');
  });

  it('a voided document with the marker is not adopted', () => {
    const voided = held(DOC, { totalAmt: 0, open: 0, privateNote: `Voided - ${MARKER}` });
    assert.equal(run({ link: null, linked: undefined, marked: [voided] }).result, 'MISSING');
  });

  it('AMOUNT_DIFFERS: both totals and the difference to the cent', () => {
    const changed = invoice([
      { amount: 100.11 },
      { amount: 20.2, item: '2', description: 'Standing charge' },
    ]);
    const r = run({ expectation: { kind: 'document', document: changed } });
    assert.equal(r.result, 'AMOUNT_DIFFERS');
    assert.deepEqual([r.expectedTotalMinor, r.heldTotalMinor, r.differenceMinor], [12031, 12030, -1]);
    assert.ok(r.differences.includes('total: expected 120.31, held 120.30'), r.differences.join('|'));
    assert.ok(r.differences.includes('line 1 amount: expected 100.11, held 100.1'));
  });

  it('AMOUNT_DIFFERS when the bill turned into a credit: signed totals', () => {
    const r = run({ expectation: { kind: 'document', document: creditMemo(5) } });
    assert.equal(r.result, 'AMOUNT_DIFFERS');
    assert.deepEqual([r.expectedTotalMinor, r.heldTotalMinor, r.differenceMinor], [-500, 12030, 12530]);
    assert.ok(r.differences[0]?.startsWith('type: expected CreditMemo'));
  });

  it('LINES_DIFFER: same total, other lines', () => {
    const moved = invoice([
      { amount: 100.1, item: '9' },
      { amount: 20.2, item: '2', description: 'Standing charge' },
    ]);
    const r = run({ expectation: { kind: 'document', document: moved } });
    assert.equal(r.result, 'LINES_DIFFER');
    assert.equal(r.differenceMinor, 0);
    assert.deepEqual(r.differences, ['line 1 item: expected 9, held 1']);
    const split = invoice([{ amount: 60.05 }, { amount: 60.25, item: '2', description: 'Standing charge' }]);
    assert.equal(run({ expectation: { kind: 'document', document: split } }).result, 'LINES_DIFFER');
    const extra = invoice([
      { amount: 100.1 },
      { amount: 20.2, item: '2', description: 'Standing charge' },
      { amount: 0 },
    ]);
    const r3 = run({ expectation: { kind: 'document', document: extra } });
    assert.equal(r3.result, 'LINES_DIFFER');
    assert.ok(r3.differences.includes('lines: expected 3, held 2'));
  });

  it('CUSTOMER_DIFFERS wins over amounts', () => {
    const other = invoice([{ amount: 1 }], '8');
    const r = run({ expectation: { kind: 'document', document: other } });
    assert.equal(r.result, 'CUSTOMER_DIFFERS');
    assert.ok(r.differences.includes('customer: expected 8, held 7'));
  });

  it('EDITED_IN_QUICKBOOKS: the SyncToken moved past our last write, with what differs', () => {
    const r = run({ linked: held(DOC, { syncToken: '1', totalAmt: 150, open: 150 }) });
    assert.equal(r.result, 'EDITED_IN_QUICKBOOKS');
    assert.deepEqual([r.expectedTotalMinor, r.heldTotalMinor, r.differenceMinor], [12030, 15000, 2970]);
    assert.ok(r.differences.includes('total: expected 120.30, held 150.00'));
    const memoOnly = run({ linked: held(DOC, { syncToken: '3' }) });
    assert.equal(memoOnly.result, 'EDITED_IN_QUICKBOOKS');
    assert.deepEqual(memoOnly.differences, []);
  });

  it('an edit in QuickBooks that changed the customer, or the lines but not the total, is named by it', () => {
    const moved = run({ linked: held(DOC, { syncToken: '1', customerId: '8' }) });
    assert.equal(moved.result, 'CUSTOMER_DIFFERS');
    assert.match(moved.detail, /changed in QuickBooks after our last write \(SyncToken 0 → 1\): customer/);
    const relined = held(DOC, { syncToken: '2' });
    relined.lines = relined.lines.map((l, i) => (i === 0 ? { ...l, description: 'Edited by hand' } : l));
    const r = run({ linked: relined });
    assert.equal(r.result, 'LINES_DIFFER');
    assert.equal(r.differenceMinor, 0);
    assert.deepEqual(r.differences, ['line 1 description: expected "Usage", held "Edited by hand"']);
  });

  it('VOIDED and DELETED', () => {
    const voided = run({
      linked: held(DOC, { syncToken: '1', totalAmt: 0, open: 0, privateNote: `Voided - ${MARKER}` }),
    });
    assert.equal(voided.result, 'VOIDED');
    assert.equal(voided.differenceMinor, -12030);
    const deleted = run({ linked: null });
    assert.equal(deleted.result, 'DELETED');
    assert.equal(deleted.externalId, '42');
    assert.equal(deleted.heldTotalMinor, null);
  });

  it('a deleted document with a replacement carrying the marker is UNLINKED (adopt it)', () => {
    const r = run({ linked: null, marked: [held(DOC, { id: '77' })] });
    assert.equal(r.result, 'UNLINKED');
    assert.equal(r.externalId, '77');
  });

  it('PAID and PARTLY_PAID, also for an applied credit memo, before edits', () => {
    assert.equal(run({ linked: held(DOC, { open: 0, syncToken: '1' }) }).result, 'PAID');
    const part = run({ linked: held(DOC, { open: 20, syncToken: '1' }) });
    assert.equal(part.result, 'PARTLY_PAID');
    assert.match(part.detail, /open 20 of 120.3/);
    const cm = creditMemo(5);
    const applied = run({
      expectation: { kind: 'document', document: cm },
      link: { ...LINK, documentType: 'CreditMemo' },
      linked: held(cm, { open: 0 }),
    });
    assert.equal(applied.result, 'PAID');
    assert.equal(applied.heldTotalMinor, -500);
  });

  it('NOT_EXPECTED when a document exists, SKIPPED_BY_SETTINGS when none does', () => {
    const expectation = { kind: 'not-expected' as const, reason: 'account is out of scope' };
    const r = run({ expectation });
    assert.equal(r.result, 'NOT_EXPECTED');
    assert.deepEqual([r.expectedTotalMinor, r.heldTotalMinor], [null, 12030]);
    assert.equal(
      run({ expectation, link: null, linked: undefined, marked: [held(DOC)] }).result,
      'NOT_EXPECTED',
    );
    const skipped = run({ expectation, link: null, linked: undefined });
    assert.equal(skipped.result, 'SKIPPED_BY_SETTINGS');
    assert.equal(skipped.detail, 'account is out of scope');
    assert.equal(run({ expectation, linked: null }).result, 'SKIPPED_BY_SETTINGS');
  });

  it('zero- and three-decimal currencies compare in their own minor units', () => {
    const jpy: InvoiceDocument = {
      ...DOC,
      payload: {
        ...DOC.payload,
        CurrencyRef: { value: 'JPY' },
        Line: [{ ...DOC.payload.Line[0]!, Amount: 1200 }],
      },
    };
    const r = run({
      expectation: { kind: 'document', document: jpy },
      linked: { ...held(jpy), currency: 'JPY', totalAmt: 1201, open: 1201 },
    });
    assert.equal(r.result, 'AMOUNT_DIFFERS');
    assert.deepEqual(
      [r.currency, r.expectedTotalMinor, r.heldTotalMinor, r.differenceMinor],
      ['JPY', 1200, 1201, 1],
    );
  });

  it('orphans: marked documents whose bill m3ter no longer lists', () => {
    const marked = new Map([
      ['bill-1', [held(DOC)]],
      ['bill-gone', [held(DOC, { id: '50' }), held(DOC, { id: '51', totalAmt: 0, privateNote: 'Voided' })]],
    ]);
    const out = orphanedDocuments(marked, new Set(['bill-1']), 'USD');
    assert.deepEqual(
      out.map((o) => [o.billId, o.result, o.externalId, o.heldTotalMinor]),
      [['bill-gone', 'ORPHANED', '50', 12030]],
    );
  });

  it('reads the bill id from a marker', () => {
    assert.equal(billIdOfMarker('Voided - m3ter bill [m3ter-bill:ab-12] x'), 'ab-12');
    assert.equal(billIdOfMarker('no marker'), undefined);
    assert.equal(billIdOfMarker(undefined), undefined);
  });

  it('summary: counts, amounts per result and drift per currency', () => {
    const results = [
      run({}),
      run({ linked: held(DOC, { syncToken: '1', totalAmt: 150, open: 150 }) }),
      run({ linked: null }),
      run({ linked: held(DOC, { open: 0 }) }),
      run({ expectation: { kind: 'not-expected', reason: 'filtered' }, link: null, linked: undefined }),
    ];
    const s = summarize(results);
    assert.equal(s.bills, 5);
    assert.equal(s.counts.MATCHED, 1);
    assert.equal(s.counts.EDITED_IN_QUICKBOOKS, 1);
    assert.equal(s.counts.DELETED, 1);
    assert.equal(s.counts.PAID, 1);
    assert.equal(s.counts.SKIPPED_BY_SETTINGS, 1);
    assert.equal(s.counts.MISSING, 0);
    const usd = s.amounts.USD!;
    assert.deepEqual(usd.byResult.EDITED_IN_QUICKBOOKS, { expectedMinor: 12030, heldMinor: 15000 });
    assert.deepEqual(usd.byResult.DELETED, { expectedMinor: 12030, heldMinor: 0 });
    // +29.70 edited, −120.30 deleted
    assert.equal(usd.driftMinor, 2970 + 12030);
    assert.equal(usd.netDriftMinor, 2970 - 12030);
  });
});
