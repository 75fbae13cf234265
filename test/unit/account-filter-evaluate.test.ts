import assert from 'node:assert/strict';
import { evaluateAccountFilter, parseAccountFilter } from '../../src/domain/account-filter';
import type { Account } from '../../src/domain/m3ter';
import { bareAccount, ukAccount, usAccount } from './support/accounts';

function matches(source: string, account: Account): boolean {
  const result = parseAccountFilter(source);
  if (!result.ok) assert.fail(result.error.message);
  return evaluateAccountFilter(result.expression, account);
}

function table(source: string): [boolean, boolean, boolean] {
  return [matches(source, ukAccount), matches(source, usAccount), matches(source, bareAccount)];
}

describe('account filter: evaluation', () => {
  it("routes m3ter's documented examples on realistic accounts (uk, us, bare)", () => {
    assert.deepEqual(table('address.country == US'), [false, true, false]);
    assert.deepEqual(table('address.country == UK'), [true, false, false]);
    assert.deepEqual(table('customFields != null AND customFields.country == UK'), [true, false, false]);
    assert.deepEqual(table('customFields != null'), [true, true, false]);
  });

  it('maps accountName → name and accountCode → code; reads id and currency', () => {
    assert.deepEqual(table('accountName == "Acme Widgets Ltd"'), [true, false, false]);
    assert.deepEqual(table('accountCode == GLOBEX-US'), [false, true, false]);
    assert.deepEqual(table(`id == ${ukAccount.id}`), [true, false, false]);
    assert.deepEqual(table('currency == USD'), [false, true, false]);
    assert.deepEqual(table('currency == null'), [false, false, true]);
  });

  it('treats missing fields as null', () => {
    assert.deepEqual(table('address.region == null'), [true, false, true]);
    assert.deepEqual(table('customFields.nope == null'), [true, true, true]);
    assert.deepEqual(table('address == null'), [false, false, true]);
    assert.deepEqual(table('accountCode != null'), [true, true, false]);
    // Prototype members are not fields.
    assert.deepEqual(table('customFields.constructor == null AND customFields.__proto__ == null'), [
      true,
      true,
      true,
    ]);
  });

  it('compares strings exactly (case-sensitive)', () => {
    assert.deepEqual(table('address.country == uk'), [false, false, false]);
    assert.deepEqual(table('address.locality == "London"'), [true, false, false]);
    assert.deepEqual(table('address.postCode == "EC1A 1BB"'), [true, false, false]);
  });

  it('compares numbers numerically, also against numeric strings', () => {
    assert.deepEqual(table('customFields.tier >= 3'), [true, false, false]);
    assert.deepEqual(table('customFields.tier < 3'), [false, false, false]);
    assert.deepEqual(table('customFields.seats > 99'), [true, false, false]); // "250" > 99 numerically
    assert.deepEqual(table('customFields.seats == 250.0'), [true, false, false]);
    assert.deepEqual(table('address.postCode < 95000'), [false, true, false]); // "94105"
    assert.deepEqual(table('address.postCode == 94105'), [false, true, false]);
    assert.deepEqual(table('customFields.tier == "3"'), [true, false, false]);
  });

  it('makes ordering with null, booleans or non-numeric strings false', () => {
    for (const op of ['<', '<=', '>', '>=']) {
      assert.deepEqual(table(`customFields.nope ${op} 1`), [false, false, false], op);
      assert.deepEqual(table(`null ${op} null`), [false, false, false], op);
      assert.deepEqual(table(`customFields.vip ${op} 0`), [false, false, false], op);
      assert.deepEqual(table(`address.locality ${op} 5`), [false, false, false], op);
    }
  });

  it('orders two strings by code units', () => {
    assert.deepEqual(table('accountName < "B"'), [true, false, false]);
    assert.deepEqual(table('accountName >= "Globex"'), [false, true, true]);
  });

  it('compares booleans with booleans and with "true"/"false" strings', () => {
    assert.deepEqual(table('customFields.vip == true'), [true, false, false]);
    assert.deepEqual(table('customFields.vip == TRUE'), [true, false, false]);
    assert.deepEqual(table('customFields.vip == "True"'), [true, false, false]);
    assert.deepEqual(table('customFields.vip != false'), [true, true, true]);
  });

  it('applies AND before OR and honours parentheses', () => {
    assert.deepEqual(table('address.country == US OR address.country == UK AND currency == USD'), [
      false,
      true,
      false,
    ]);
    assert.deepEqual(table('(address.country == US OR address.country == UK) AND currency == USD'), [
      false,
      true,
      false,
    ]);
    assert.deepEqual(table('(address.country == US OR address.country == UK) AND currency == GBP'), [
      true,
      false,
      false,
    ]);
    assert.deepEqual(table('address.country == UK OR customFields.tier > 1 AND currency == USD'), [
      true,
      false,
      false,
    ]);
  });

  it('never throws, even on odd account shapes', () => {
    const odd = { ...bareAccount, address: 'not an object', customFields: [1, 2, 3] } as unknown as Account;
    const hostile = {
      ...bareAccount,
      get customFields(): never {
        throw new Error('boom');
      },
    } as unknown as Account;
    for (const account of [odd, hostile]) {
      assert.equal(matches('customFields.x == 1 OR address.country == UK', account), false);
      assert.equal(matches('address.country == null', odd), true);
    }
    const bogus = { kind: 'xor' } as never;
    assert.equal(evaluateAccountFilter(bogus, ukAccount), false);
  });
});
