import assert from 'node:assert/strict';
import {
  M3terEmulatorControlClient,
  M3terEmulatorControlError,
  type M3terEvent,
} from '../../emulators/m3ter';
import { api, token, useM3terEmulator } from './helpers';

function data(event: M3terEvent): { newDto?: Record<string, unknown>; oldDto?: Record<string, unknown> } {
  return event.m3terEvent.eventData;
}

describe('m3ter emulator: control over HTTP (M3terEmulatorControlClient) and the events of each change', () => {
  const emulator = useM3terEmulator();
  const client = () => new M3terEmulatorControlClient(emulator().url);

  it('creates organizations with their config and API credentials', async () => {
    const c = client();
    assert.deepEqual(await c.health(), { ok: true, defaultOrgId: emulator().defaultOrgId });
    const org = await c.createOrganization('org-eu', {
      currency: 'EUR',
      daysBeforeBillDue: 10,
      billPrefix: 'EU-',
    });
    assert.equal(org.orgId, 'org-eu');
    assert.equal(org.config.currency, 'EUR');
    assert.equal(org.config.daysBeforeBillDue, 10);
    assert.equal(org.config.billPrefix, 'EU-');
    assert.equal(org.config.version, 1);
    const updated = await c.updateOrganizationConfig('org-eu', { currency: 'CHF' });
    assert.equal(updated.currency, 'CHF');
    assert.equal(updated.version, 2);
    const generated = await c.createOrganization();
    assert.match(generated.orgId, /^[0-9a-f-]{36}$/);
    assert.deepEqual(
      (await c.organizations()).map((o) => o.orgId),
      [emulator().defaultOrgId, 'org-eu', generated.orgId],
    );
    const creds = await c.createApiCredentials('org-eu');
    assert.match(creds.apiKey, /^m3emu-key-[0-9a-f]{16}$/);
    assert.deepEqual(await c.apiCredentials('org-eu'), [creds]);
    const duplicate = await c.createOrganization('org-eu').catch((e: unknown) => e);
    assert.ok(duplicate instanceof M3terEmulatorControlError);
    assert.equal(duplicate.status, 409);
    const unknown = await c.createAccount('no-such-org', { code: 'a', name: 'A' }).catch((e: unknown) => e);
    assert.ok(unknown instanceof M3terEmulatorControlError);
    assert.equal(unknown.status, 404);
    assert.equal(
      unknown.message,
      'POST /organizations/no-such-org/accounts: 404 unknown organization no-such-org',
    );
  });

  it('creates, updates and deletes accounts, products, aggregations and compound aggregations, each with its event', async () => {
    const c = client();
    const org = emulator().defaultOrgId;
    const account = await c.createAccount(org, { code: 'acme', name: 'Acme' });
    const renamed = await c.updateAccount(org, account.id, { name: 'Acme Inc' });
    assert.equal(renamed.version, 2);
    assert.equal(renamed.name, 'Acme Inc');
    await c.deleteAccount(org, account.id);
    const product = await c.createProduct(org, { code: 'p', name: 'P' });
    await c.updateProduct(org, product.id, { name: 'P2' });
    await c.deleteProduct(org, product.id);
    const aggregation = await c.createAggregation(org, { code: 'g', name: 'G' });
    await c.updateAggregation(org, aggregation.id, { unit: 'GB' });
    await c.deleteAggregation(org, aggregation.id);
    const compound = await c.createCompoundAggregation(org, { code: 'cg', name: 'CG' });
    await c.updateCompoundAggregation(org, compound.id, { name: 'CG2' });
    await c.deleteCompoundAggregation(org, compound.id);

    const events = (await c.events(org)).reverse();
    assert.deepEqual(
      events.map((e) => e.eventName),
      ['account', 'product', 'aggregation', 'compoundaggregation'].flatMap((e) =>
        ['created', 'updated', 'deleted'].map((v) => `configuration.${e}.${v}`),
      ),
    );
    const [created, updated, deleted] = events;
    assert.ok(created && updated && deleted);
    assert.equal(data(created).newDto?.name, 'Acme');
    assert.equal('oldDto' in data(created), false);
    assert.equal(data(updated).oldDto?.name, 'Acme');
    assert.equal(data(updated).newDto?.name, 'Acme Inc');
    assert.equal(data(updated).newDto?.version, 2);
    assert.equal('newDto' in data(deleted), false);
    assert.equal(data(deleted).oldDto?.name, 'Acme Inc');
    for (const e of events) {
      assert.equal(e.m3terEvent.orgId, org);
      assert.equal(e.dtActioned, null);
      assert.match(e.eventTime, /^\d{4}-\d{2}-\d{2}T/);
    }
    assert.deepEqual(await c.accounts(org), []);
    const counters = await c.counters();
    assert.equal(counters.events, 12);
    assert.equal(counters.eventsByName['configuration.product.updated'], 1);
  });

  it('runs a bill through generate → approve → recalculate → approve → delete with billing.bill.* events', async () => {
    const c = client();
    const org = emulator().defaultOrgId;
    const acct = await c.createAccount(org, { code: 'acme', name: 'Acme' });
    const bill = await c.generateBill(org, {
      accountId: acct.id,
      billDate: '2026-05-01',
      lineItems: [
        { lineItemType: 'STANDING_CHARGE', subtotal: 100 },
        { lineItemType: 'USAGE', subtotal: 20, quantity: 10 },
      ],
    });
    assert.deepEqual([bill.status, bill.version, bill.billTotal], ['PENDING', 1, 120]);
    const approved = await c.approveBill(org, bill.id);
    assert.deepEqual([approved.status, approved.version], ['APPROVED', 2]);
    const again = await c.approveBill(org, bill.id).catch((e: unknown) => e);
    assert.ok(again instanceof M3terEmulatorControlError);
    assert.equal(again.status, 409);

    const usageId = bill.lineItems[1]?.id ?? '';
    const recalculated = await c.recalculateBill(org, bill.id, { subtotals: { [usageId]: 35 } });
    assert.deepEqual(
      [recalculated.status, recalculated.version, recalculated.billTotal],
      ['PENDING', 3, 135],
    );
    assert.equal(recalculated.lineItems[1]?.id, usageId);
    assert.equal(recalculated.lineItems[1]?.averageUnitPrice, 3.5);
    assert.equal('dtApproved' in recalculated, false);
    const replaced = await c.recalculateBill(org, bill.id, {
      lineItems: [{ lineItemType: 'MINIMUM_SPEND', subtotal: 150 }],
    });
    assert.equal(replaced.version, 4);
    assert.equal(replaced.lineItems.length, 1);
    assert.notEqual(replaced.lineItems[0]?.id, usageId);
    assert.equal(replaced.billTotal, 150);
    assert.equal((await c.approveBill(org, bill.id)).version, 5);
    await c.deleteBill(org, bill.id);
    assert.deepEqual(await c.bills(org), []);

    const events = (await c.events(org)).filter((e) => e.eventName.startsWith('billing.')).reverse();
    assert.deepEqual(
      events.map((e) => [e.eventName, data(e).newDto?.status ?? null, data(e).newDto?.version ?? null]),
      [
        ['billing.bill.created', 'PENDING', 1],
        ['billing.bill.updated', 'APPROVED', 2],
        ['billing.bill.updated', 'PENDING', 3],
        ['billing.bill.updated', 'PENDING', 4],
        ['billing.bill.updated', 'APPROVED', 5],
        ['billing.bill.deleted', null, null],
      ],
    );
    // By default an event's bill is the header only: the product fetches the bill from the API.
    for (const e of events) {
      assert.equal('lineItems' in (data(e).newDto ?? {}), false);
      assert.equal('lineItems' in (data(e).oldDto ?? {}), false);
    }
    const [, firstApproval, , , , deletion] = events;
    assert.ok(firstApproval && deletion);
    assert.equal(data(firstApproval).oldDto?.status, 'PENDING');
    assert.equal(data(deletion).oldDto?.version, 5);

    const em = emulator();
    const t = await token(em);
    const viaApi = (await api(em, t, `/events/${firstApproval.id}`)).json();
    assert.deepEqual(viaApi, JSON.parse(JSON.stringify(firstApproval)));
  });

  it('carries line items in bill events when includeBillLineItems is set', async () => {
    const c = client();
    const org = emulator().defaultOrgId;
    assert.equal((await c.deliverySettings()).includeBillLineItems, false);
    await c.setDeliverySettings({ includeBillLineItems: true });
    const acct = await c.createAccount(org, { code: 'a', name: 'A' });
    await c.createBill(org, {
      accountId: acct.id,
      status: 'APPROVED',
      version: 7,
      lineItems: [{ lineItemType: 'NEW_KIND_OF_LINE', subtotal: 9 }],
    });
    const [event] = await c.events(org, 'billing.bill.created');
    const newDto = event ? data(event).newDto : undefined;
    assert.equal(newDto?.status, 'APPROVED');
    assert.equal(newDto?.version, 7);
    assert.deepEqual(
      (newDto?.lineItems as Array<Record<string, unknown>>).map((l) => [l.lineItemType, l.subtotal]),
      [['NEW_KIND_OF_LINE', 9]],
    );
  });

  it('moves the clock, resets, reads counters and rejects malformed control bodies', async () => {
    const c = client();
    const before = await c.clock.now();
    const after = await c.clock.advance(3_600_000);
    assert.ok(after.nowMs - before.nowMs >= 3_600_000);
    const set = await c.clock.set('2030-01-01T00:00:00.000Z');
    assert.equal(set.iso.slice(0, 16), '2030-01-01T00:00');
    await c.createUser(emulator().defaultOrgId, { email: 'u@example.test' });
    const badEmail = await c.createUser(emulator().defaultOrgId, { email: 'nope' }).catch((e: unknown) => e);
    assert.ok(badEmail instanceof M3terEmulatorControlError);
    assert.equal(badEmail.status, 400);
    const badFault = await c.setFaults({ errorShare: 2 }).catch((e: unknown) => e);
    assert.ok(badFault instanceof M3terEmulatorControlError);
    assert.equal(badFault.status, 400);
    await c.reset();
    assert.deepEqual(await c.users(emulator().defaultOrgId), []);
    assert.ok(Math.abs((await c.clock.now()).nowMs - Date.now()) < 5_000);
    assert.equal((await c.counters()).total, 0);
  });
});
