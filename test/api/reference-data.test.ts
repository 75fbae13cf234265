import assert from 'node:assert/strict';
import {
  ACCOUNTS,
  deleteReferenceObject,
  getOrganizationCurrency,
  getReferenceObject,
  ORG_USERS,
  PRODUCTS,
  upsertReferenceObject,
} from '../../src/settings/reference-data';
import { useApi } from '../support/api-harness';
import { assertFieldRejected, snapshot } from './helpers';

type Upsert = {
  applied: boolean;
  reason?: string;
  created?: boolean;
  storedVersion: number | null;
  object: Record<string, unknown> | null;
};
type Page = { data: Array<Record<string, unknown>>; total: number };

/** An Account as m3ter sends it, including fields we do not model. */
const ACCOUNT = {
  id: 'f1a4-acc',
  code: 'acme',
  name: 'Acme Ltd',
  emailAddress: 'billing@acme.example',
  currency: 'GBP',
  address: { addressLine1: '1 High St', locality: 'London', postCode: 'N1 1AA', country: 'UK' },
  customFields: { country: 'UK', tier: 2 },
  daysBeforeBillDue: 30,
  parentAccountId: null,
  creditApplicationOrder: ['PREPAYMENT', 'BALANCE'],
  autoGenerateStatementMode: 'NONE',
  dtCreated: '2024-01-01T00:00:00Z',
  createdBy: 'svc-user',
  version: 3,
};

describe('m3ter reference data API', () => {
  const ctx = useApi();

  it('stores an Account as received and reads it back', async () => {
    const res = await ctx.api.request<Upsert>('PUT', `/reference/accounts/${ACCOUNT.id}`, ACCOUNT);
    assert.equal(res.status, 200, res.text);
    assert.deepEqual(res.body, { applied: true, created: true, storedVersion: 3, object: ACCOUNT });
    const read = await ctx.api.request('GET', `/reference/accounts/${ACCOUNT.id}`);
    assert.deepEqual(read.body, ACCOUNT);
    assert.deepEqual(await getReferenceObject(ctx.t.db, ACCOUNTS, ACCOUNT.id), ACCOUNT);
    const listed = await ctx.api.request<Page>('GET', '/reference/accounts?code=acme');
    assert.deepEqual(listed.body.data, [ACCOUNT]);
    assert.equal(listed.body.total, 1);
  });

  it('ignores an older version than stored and applies newer ones (m3ter delivers out of order)', async () => {
    const id = 'acc-ordering';
    const v = (version: number, name: string) => ({ id, name, version });
    assert.equal(
      (await ctx.api.request<Upsert>('PUT', `/reference/accounts/${id}`, v(5, 'five'))).body.applied,
      true,
    );

    const stale = await ctx.api.request<Upsert>('PUT', `/reference/accounts/${id}`, v(4, 'four'));
    assert.equal(stale.status, 200);
    assert.deepEqual(stale.body, {
      applied: false,
      reason: 'stale version',
      storedVersion: 5,
      object: v(5, 'five'),
    });

    const same = await ctx.api.request<Upsert>('PUT', `/reference/accounts/${id}`, v(5, 'five again'));
    assert.deepEqual(
      [same.body.applied, same.body.created],
      [true, false],
      'a repeated delivery is applied again',
    );

    const newer = await ctx.api.request<Upsert>('PUT', `/reference/accounts/${id}`, v(6, 'six'));
    assert.deepEqual([newer.body.applied, newer.body.storedVersion], [true, 6]);
    assert.equal(
      (await ctx.api.request<{ name: string }>('GET', `/reference/accounts/${id}`)).body.name,
      'six',
    );

    // an object without a version (a hand-made one) always applies
    const unversioned = await ctx.api.request<Upsert>('PUT', `/reference/accounts/${id}`, {
      id,
      name: 'manual',
    });
    assert.deepEqual([unversioned.body.applied, unversioned.body.storedVersion], [true, null]);
  });

  it('deletes (tombstone): a late older update does not bring the object back, a newer one does', async () => {
    const id = 'acc-deleted';
    await ctx.api.request('PUT', `/reference/accounts/${id}`, { id, name: 'gone soon', version: 2 });
    const deleted = await ctx.api.request('DELETE', `/reference/accounts/${id}?version=2`);
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(deleted.body, { applied: true });
    assert.equal((await ctx.api.request('GET', `/reference/accounts/${id}`)).status, 404);
    assert.equal((await ctx.api.request<Page>('GET', `/reference/accounts?code=`)).status, 200);

    const late = await ctx.api.request<Upsert>('PUT', `/reference/accounts/${id}`, {
      id,
      name: 'late',
      version: 2,
    });
    assert.deepEqual([late.body.applied, late.body.reason, late.body.object], [false, 'stale version', null]);
    assert.equal((await ctx.api.request('GET', `/reference/accounts/${id}`)).status, 404);

    const reborn = await ctx.api.request<Upsert>('PUT', `/reference/accounts/${id}`, {
      id,
      name: 'reborn',
      version: 3,
    });
    assert.equal(reborn.body.applied, true);
    assert.equal((await ctx.api.request('GET', `/reference/accounts/${id}`)).status, 200);

    assert.equal((await ctx.api.request('DELETE', '/reference/accounts/never-existed')).status, 404);
    // a delete event for an object we never saw leaves a tombstone: its out-of-order create is ignored
    assert.deepEqual(await deleteReferenceObject(ctx.t.db, ACCOUNTS, 'acc-never-seen', 4), {
      applied: false,
      reason: 'not found',
      storedVersion: null,
    });
    assert.equal(
      (
        await upsertReferenceObject(ctx.t.db, ACCOUNTS, {
          id: 'acc-never-seen',
          name: 'late create',
          version: 4,
        })
      ).applied,
      false,
    );
    assert.equal(
      (await upsertReferenceObject(ctx.t.db, ACCOUNTS, { id: 'acc-never-seen', name: 'newer', version: 5 }))
        .applied,
      true,
    );
  });

  it('keeps Products, Aggregations, Compound Aggregations and users the same way', async () => {
    const objects: Array<[string, Record<string, unknown>]> = [
      ['products', { id: 'prod-1', code: 'platform', name: 'Platform', customFields: {}, version: 1 }],
      [
        'aggregations',
        {
          id: 'agg-1',
          code: 'calls',
          name: 'API calls',
          accountingProductId: 'prod-9',
          unit: 'calls',
          rounding: 'UP',
          version: 2,
        },
      ],
      [
        'compound-aggregations',
        {
          id: 'cagg-1',
          code: 'weighted',
          name: 'Weighted',
          calculation: 'calls * 2',
          productId: 'prod-1',
          version: 1,
        },
      ],
      ['users', { id: 'user-1', firstName: 'Olga', lastName: 'Ops', email: 'ops@example.com', version: 7 }],
    ];
    for (const [kind, object] of objects) {
      const put = await ctx.api.request<Upsert>('PUT', `/reference/${kind}/${String(object.id)}`, object);
      assert.equal(put.status, 200, `${kind}: ${put.text}`);
      assert.equal(put.body.applied, true);
      const read = await ctx.api.request('GET', `/reference/${kind}/${String(object.id)}`);
      assert.deepEqual(read.body, object, kind);
      const list = await ctx.api.request<Page>('GET', `/reference/${kind}`);
      assert.deepEqual(list.body.data, [object], kind);
      const older = await ctx.api.request<Upsert>('PUT', `/reference/${kind}/${String(object.id)}`, {
        ...object,
        version: 0,
      });
      assert.equal(older.body.reason, 'stale version', kind);
      assert.equal((await ctx.api.request('GET', `/reference/${kind}/unknown`)).status, 404, kind);
    }
    assert.equal((await getReferenceObject(ctx.t.db, ORG_USERS, 'user-1'))?.email, 'ops@example.com');
    assert.equal(await getReferenceObject(ctx.t.db, ORG_USERS, 'ghost'), null);
    assert.equal(
      (await upsertReferenceObject(ctx.t.db, PRODUCTS, { id: 'prod-2', name: 'Direct' })).applied,
      true,
    );
  });

  it('rejects invalid objects naming the field, writing nothing', async () => {
    const before = await snapshot(ctx.t.db, 'm3ter_objects');
    const cases: Array<[string, unknown, string]> = [
      ['/reference/accounts/acc-bad', { id: 'acc-bad' }, 'name'],
      ['/reference/accounts/acc-bad', { id: 'acc-bad', name: 'x', currency: 826 }, 'currency'],
      ['/reference/accounts/acc-bad', { id: 'acc-bad', name: 'x', version: 'new' }, 'version'],
      ['/reference/accounts/acc-bad', { id: 'other', name: 'x' }, 'id'],
      ['/reference/accounts/acc-bad', { name: 'x' }, 'id'],
      [
        '/reference/accounts/acc-bad',
        { id: 'acc-bad', name: 'x', customFields: { a: { nested: true } } },
        'customFields.a',
      ],
      ['/reference/products/p-bad', { id: 'p-bad', name: 5 }, 'name'],
      ['/reference/users/u-bad', { id: 'u-bad', email: 'not-an-email' }, 'email'],
      ['/reference/organization', { currency: 'usd' }, 'currency'],
      ['/reference/organization', {}, 'currency'],
    ];
    for (const [path, body, field] of cases) {
      assertFieldRejected(await ctx.api.request('PUT', path, body), field, `${path} ${JSON.stringify(body)}`);
    }
    assert.equal((await ctx.api.request('PUT', '/reference/accounts/acc-bad', '[1,')).status, 400);
    assert.equal(await snapshot(ctx.t.db, 'm3ter_objects'), before);
  });

  it("stores the organization's default currency", async () => {
    assert.equal(await getOrganizationCurrency(ctx.t.db), null);
    assert.equal((await ctx.api.request('GET', '/reference/organization')).status, 404);
    const put = await ctx.api.request<Upsert>('PUT', '/reference/organization', {
      currency: 'USD',
      timezone: 'UTC',
      version: 2,
    });
    assert.equal(put.status, 200, put.text);
    assert.equal(put.body.applied, true);
    const read = await ctx.api.request<{ currency: string }>('GET', '/reference/organization');
    assert.equal(read.body.currency, 'USD');
    assert.equal(await getOrganizationCurrency(ctx.t.db), 'USD');
    const stale = await ctx.api.request<Upsert>('PUT', '/reference/organization', {
      currency: 'EUR',
      version: 1,
    });
    assert.equal(stale.body.applied, false);
    assert.equal(await getOrganizationCurrency(ctx.t.db), 'USD');
  });
});
