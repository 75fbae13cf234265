import assert from 'node:assert/strict';
import { mapAccount } from '../failures/helpers';
import { ACME_ACCOUNT, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';

type Entity = { id: string; name: string; active: boolean; email?: string; type?: string };
type ErrorBody = { error: { code: string; details?: { issues?: Array<{ field: string }> } } };

/**
 * The QuickBooks search the console's mapping pickers use (read live from the integration's company, the
 * emulator here), and bulk replay's dry run that counts before replaying.
 */
describe('API: QuickBooks customer / item search and bulk replay dry run', function () {
  this.timeout(90_000);
  let h: SyncHarness;
  before(async () => {
    h = await startSyncHarness({ workers: 1 });
  });
  after(async () => {
    await h?.stop();
  });

  function idOf(realmId: string, table: 'Customer' | 'Item', name: string): string {
    const docs = h.emulator.control.documents(realmId)[table] as Array<Record<string, unknown>>;
    const found = docs.find((d) => (table === 'Customer' ? d.DisplayName : d.Name) === name);
    assert.ok(found, `${table} ${name}`);
    return String(found.Id);
  }

  it("finds the company's customers and items by part of the name, any case, ordered by name", async () => {
    const { id, realmId } = await h.createIntegration({ name: 'Search books' });
    const cars = await h.api.request<{ data: Entity[] }>(
      'GET',
      `/integrations/${id}/quickbooks/Customer?search=${encodeURIComponent('COOL c')}`,
    );
    assert.equal(cars.status, 200, cars.text);
    assert.deepEqual(cars.body.data, [
      {
        id: idOf(realmId, 'Customer', 'Cool Cars'),
        name: 'Cool Cars',
        active: true,
        email: 'cool_cars@intuit.com',
        currency: 'USD',
      },
    ]);
    const bs = await h.api.request<{ data: Entity[] }>(
      'GET',
      `/integrations/${id}/quickbooks/Customer?search=b`,
    );
    assert.deepEqual(
      bs.body.data.map((c) => c.name),
      ["Amy's Bird Sanctuary", "Bill's Windsurf Shop", 'Dukes Basketball Camp'],
    );
    const quote = await h.api.request<{ data: Entity[] }>(
      'GET',
      `/integrations/${id}/quickbooks/Customer?search=${encodeURIComponent("bill's")}`,
    );
    assert.deepEqual(
      quote.body.data.map((c) => c.name),
      ["Bill's Windsurf Shop"],
    );
    const items = await h.api.request<{ data: Entity[] }>(
      'GET',
      `/integrations/${id}/quickbooks/Item?search=s`,
    );
    assert.deepEqual(items.body.data, [
      { id: idOf(realmId, 'Item', 'Hours'), name: 'Hours', active: true, type: 'Service' },
      { id: idOf(realmId, 'Item', 'Services'), name: 'Services', active: true, type: 'Service' },
      { id: idOf(realmId, 'Item', 'Subscription'), name: 'Subscription', active: true, type: 'Service' },
      { id: idOf(realmId, 'Item', 'Usage'), name: 'Usage', active: true, type: 'Service' },
    ]);
    const two = await h.api.request<{ data: Entity[] }>('GET', `/integrations/${id}/quickbooks/Item?limit=2`);
    assert.deepEqual(
      two.body.data.map((i) => i.name),
      ['Credit', 'Hours'],
    );
    const none = await h.api.request<{ data: Entity[] }>(
      'GET',
      `/integrations/${id}/quickbooks/Item?search=zzz`,
    );
    assert.deepEqual(none.body, { data: [] });
  });

  it('names the field of a bad request; 404 for an unknown integration; 409 when not connected', async () => {
    const { id } = await h.createIntegration({ name: 'Search errors' });
    const table = await h.api.request<ErrorBody>('GET', `/integrations/${id}/quickbooks/Invoice?search=x`);
    assert.equal(table.status, 400, table.text);
    assert.deepEqual(
      table.body.error.details?.issues?.map((i) => i.field),
      ['params.table'],
    );
    const limit = await h.api.request<ErrorBody>('GET', `/integrations/${id}/quickbooks/Item?limit=0`);
    assert.equal(limit.status, 400, limit.text);
    assert.deepEqual(
      limit.body.error.details?.issues?.map((i) => i.field),
      ['query.limit'],
    );
    const unknown = await h.api.request<ErrorBody>(
      'GET',
      '/integrations/00000000-0000-4000-8000-000000000000/quickbooks/Item',
    );
    assert.equal(unknown.status, 404, unknown.text);
    const unconnected = await h.createIntegration({ name: 'Unconnected' }, { credentialId: null });
    const refused = await h.api.request<ErrorBody>(
      'GET',
      `/integrations/${unconnected.id}/quickbooks/Customer`,
    );
    assert.equal(refused.status, 409, refused.text);
    assert.equal(refused.body.error.code, 'INVALID_STATE');
  });

  it('bulk replay with dryRun counts the runs it would replay and replays none; without it, replays that many', async () => {
    const account = { ...ACME_ACCOUNT, id: 'acct-dry-run', name: 'Dry Run Ltd' };
    await h.putAccount(account);
    const { id, realmId } = await h.createIntegration({
      name: 'Dry run books',
      accountIds: [account.id],
      useExternalMappingAccountCode: true,
    });
    const bills = [1, 2].map((n) => sampleBill({ id: `bill-dry-${n}`, accountId: account.id }));
    for (const bill of bills) {
      assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
      await h.waitForSync(id, bill.id);
    }
    const failed = await Promise.all(
      bills.map(async (b) => (await h.runs({ integrationId: id, billId: b.id }))[0]),
    );
    assert.deepEqual(
      failed.map((r) => r?.status),
      ['ERROR', 'ERROR'],
    );
    const dry = await h.api.request('POST', `/integrations/${id}/replay`, { dryRun: true });
    assert.equal(dry.status, 202, dry.text);
    assert.deepEqual(dry.body, { matched: 2, replayed: 0, runs: [] });
    for (const b of bills) assert.equal((await h.runs({ integrationId: id, billId: b.id })).length, 1);
    const none = await h.api.request('POST', `/integrations/${id}/replay`, {
      dryRun: true,
      statuses: ['COMPLETE'],
    });
    assert.deepEqual(none.body, { matched: 0, replayed: 0, runs: [] });

    await mapAccount(h, account.id, idOf(realmId, 'Customer', 'Cool Cars'));
    const real = await h.api.request<{ matched: number; replayed: number; runs: Array<{ billId: string }> }>(
      'POST',
      `/integrations/${id}/replay`,
      {},
    );
    assert.equal(real.status, 202, real.text);
    assert.deepEqual([real.body.matched, real.body.replayed], [2, 2]);
    assert.deepEqual(real.body.runs.map((r) => r.billId).sort(), ['bill-dry-1', 'bill-dry-2']);
    for (const b of bills) assert.equal((await h.waitForSync(id, b.id)).status, 'COMPLETE');
  });
});
