import assert from 'node:assert/strict';
import { parseAccountFilter } from '../../src/domain/account-filter';
import { accountInScope, type AccountScopeSettings } from '../../src/domain/account-scope';
import { ukAccount, usAccount } from './support/accounts';

const UK = ukAccount.id;
const US = usAccount.id;

describe('account scope', () => {
  it('with no lists and no filter, every account is in scope', () => {
    const settings: AccountScopeSettings = { accountIds: [], restrictedAccountIds: [], accountFilter: null };
    assert.deepEqual(accountInScope(settings, ukAccount), { inScope: true });
    assert.deepEqual(accountInScope({ ...settings, accountFilter: '   ' }, ukAccount), { inScope: true });
  });

  it('lets the deny-list win over the allow-list', () => {
    const settings: AccountScopeSettings = {
      accountIds: [UK],
      restrictedAccountIds: [UK],
      accountFilter: null,
    };
    assert.deepEqual(accountInScope(settings, ukAccount), {
      inScope: false,
      reason: `account ${UK} is on the restricted account list`,
    });
  });

  it('keeps accounts off a non-empty allow-list out', () => {
    const settings: AccountScopeSettings = {
      accountIds: [US],
      restrictedAccountIds: [],
      accountFilter: null,
    };
    assert.deepEqual(accountInScope(settings, ukAccount), {
      inScope: false,
      reason: `account ${UK} is not on the account allow-list`,
    });
    assert.deepEqual(accountInScope(settings, usAccount), { inScope: true });
  });

  it('ANDs the filter with the lists', () => {
    const settings: AccountScopeSettings = {
      accountIds: [UK, US],
      restrictedAccountIds: [],
      accountFilter: 'address.country == UK',
    };
    assert.deepEqual(accountInScope(settings, ukAccount), { inScope: true });
    assert.deepEqual(accountInScope(settings, usAccount), {
      inScope: false,
      reason: `the account filter "address.country == UK" is false for account ${US}`,
    });
  });

  it('puts an account out of scope, with the syntax error, when the filter does not parse', () => {
    const settings: AccountScopeSettings = {
      accountIds: [],
      restrictedAccountIds: [],
      accountFilter: 'address.country ==',
    };
    assert.deepEqual(accountInScope(settings, ukAccount), {
      inScope: false,
      reason: 'the account filter does not parse: Unexpected end of input at position 18: expected a value',
    });
  });

  it('uses a parse the caller already made', () => {
    const settings: AccountScopeSettings = {
      accountIds: [],
      restrictedAccountIds: [],
      accountFilter: 'currency == GBP',
    };
    const parsed = parseAccountFilter('currency == GBP');
    assert.deepEqual(accountInScope(settings, ukAccount, parsed), { inScope: true });
    assert.equal(accountInScope(settings, usAccount, parsed).inScope, false);
  });

  describe('every combination of deny-list × allow-list × filter', () => {
    const denyLists = { none: [], other: [US], this: [UK] } as const;
    const allowLists = { empty: [], this: [UK], other: [US] } as const;
    const filters = {
      none: null,
      blank: '',
      true: 'customFields.country == UK',
      false: 'customFields.country == US',
      broken: '(customFields.country == UK',
    } as const;
    for (const [denyName, restrictedAccountIds] of Object.entries(denyLists)) {
      for (const [allowName, accountIds] of Object.entries(allowLists)) {
        for (const [filterName, accountFilter] of Object.entries(filters)) {
          for (const reuseParse of [false, true]) {
            const denied = denyName === 'this';
            const allowed = allowName !== 'other';
            const filterPasses = filterName === 'none' || filterName === 'blank' || filterName === 'true';
            const expected = !denied && allowed && filterPasses;
            it(`deny=${denyName} allow=${allowName} filter=${filterName}${reuseParse ? ' (pre-parsed)' : ''} → ${expected}`, () => {
              const settings: AccountScopeSettings = {
                restrictedAccountIds: [...restrictedAccountIds],
                accountIds: [...accountIds],
                accountFilter,
              };
              const parsed = reuseParse && accountFilter ? parseAccountFilter(accountFilter) : undefined;
              const result = accountInScope(settings, ukAccount, parsed);
              assert.equal(result.inScope, expected);
              assert.equal(result.reason === undefined, expected, result.reason);
              if (denied) assert.match(result.reason ?? '', /restricted/);
              else if (!allowed) assert.match(result.reason ?? '', /allow-list/);
              else if (filterName === 'broken')
                assert.match(result.reason ?? '', /does not parse: .* at position 27/);
              else if (filterName === 'false') assert.match(result.reason ?? '', /is false for account/);
            });
          }
        }
      }
    }
  });
});
