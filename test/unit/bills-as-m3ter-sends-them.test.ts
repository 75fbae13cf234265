import assert from 'node:assert/strict';
import { buildQuickBooksDocument } from '../../src/domain/invoice';
import { BillSchema } from '../../src/domain/m3ter';
import { built, inputFor } from './support/invoice';

/**
 * m3ter's own types make nearly every bill field optional, its line types grow and its currencies are free
 * strings (README "Bills as m3ter sends them"): such bills parse, money is never dropped, and what cannot be
 * invoiced is refused with a message that names it.
 */
describe('bills as m3ter sends them', () => {
  const line = { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 100 };

  it('parses a bill with only an id, an account, a currency and its lines', () => {
    const bill = BillSchema.parse({
      id: 'b-min',
      accountId: 'a-1',
      currency: 'USD',
      lineItems: [{ lineItemType: 'AD_HOC', subtotal: 5 }],
    });
    assert.equal(bill.billDate, undefined);
    assert.equal(bill.status, 'PENDING');
    assert.equal(bill.version, 1);
    assert.deepEqual(
      [bill.lineItems[0]!.description, bill.lineItems[0]!.quantity, bill.lineItems[0]!.subtotal],
      ['', 0, 5],
    );
    const nulls = BillSchema.parse({
      id: 'b-nulls',
      accountId: 'a-1',
      currency: 'USD',
      billDate: null,
      version: null,
      lineItems: null,
      dueDate: null,
    });
    assert.deepEqual([nulls.version, nulls.lineItems], [1, []]);
  });

  it('leaves TxnDate to QuickBooks, with a warning, when the bill has no date', () => {
    const bill = BillSchema.parse({
      id: 'b-nodate',
      accountId: 'a-1',
      currency: 'USD',
      status: 'APPROVED',
      lineItems: [line],
    });
    const doc = built(inputFor(bill));
    assert.equal('TxnDate' in doc.payload, false);
    assert.ok(
      doc.warnings.includes(
        'TxnDate left to QuickBooks (today): the bill has no billDate or externalInvoiceDate',
      ),
    );
    assert.equal(doc.totalMinor, 10000);
  });

  it('sends a line of a type new to this version as a plain line, with its money and a warning', () => {
    const bill = BillSchema.parse({
      id: 'b-newtype',
      accountId: 'a-1',
      billDate: '2026-11-01',
      currency: 'USD',
      lineItems: [
        line,
        {
          description: 'Carbon offset',
          lineItemType: 'CARBON_OFFSET',
          quantity: 2,
          subtotal: 7.5,
          productId: 'prod-platform',
        },
      ],
    });
    const doc = built(inputFor(bill));
    assert.equal(doc.totalMinor, 10750);
    const offset = doc.payload.Line[1]!;
    assert.equal(offset.Amount, 7.5);
    assert.equal(offset.Description, 'Carbon offset');
    assert.deepEqual(offset.SalesItemLineDetail, { ItemRef: { value: '11' }, Qty: 2, UnitPrice: 3.75 });
    assert.ok(
      doc.warnings.includes(
        'line 2 (Carbon offset) has the line type CARBON_OFFSET, new to this version: sent as a plain line',
      ),
      doc.warnings.join('\n'),
    );
  });

  it('refuses a currency QuickBooks does not know, naming it', () => {
    const bill = BillSchema.parse({
      id: 'b-credits',
      accountId: 'a-1',
      billDate: '2026-11-01',
      currency: 'CREDITS',
      lineItems: [line],
    });
    const result = buildQuickBooksDocument(
      inputFor(bill, { currency: { multiCurrencyEnabled: false, homeCurrency: 'USD' } }),
    );
    assert.equal(result.kind, 'invalid');
    assert.equal(result.kind === 'invalid' && result.code, 'CURRENCY_UNKNOWN');
    assert.match(
      result.kind === 'invalid' ? result.message : '',
      /"CREDITS" is not a currency QuickBooks knows/,
    );
  });

  it('still refuses a bill without an account or a line without money', () => {
    assert.equal(BillSchema.safeParse({ id: 'b', currency: 'USD' }).success, false);
    const noMoney = BillSchema.safeParse({
      id: 'b',
      accountId: 'a',
      currency: 'USD',
      lineItems: [{ lineItemType: 'USAGE' }],
    });
    assert.equal(noMoney.success, false);
    assert.deepEqual(
      noMoney.error?.issues.map((i) => i.path.join('.')),
      ['lineItems.0.subtotal'],
    );
  });
});
