import assert from 'node:assert/strict';
import type { RunningM3terEmulator } from '../../emulators/m3ter';
import { api, ids, token, useM3terEmulator } from './helpers';

function seedBills(em: RunningM3terEmulator) {
  const c = em.control;
  const org = em.defaultOrgId;
  const acme = c.createAccount(org, { code: 'acme', name: 'Acme', currency: 'EUR' });
  const globex = c.createAccount(org, { code: 'globex', name: 'Globex' });
  const b1 = c.generateBill(org, { accountId: acme.id, billDate: '2026-01-01', lineItems: [] });
  const b2 = c.generateBill(org, { accountId: acme.id, billDate: '2026-02-01', lineItems: [] });
  const b3 = c.generateBill(org, { accountId: globex.id, billDate: '2026-02-01', lineItems: [] });
  const b4 = c.generateBill(org, { accountId: acme.id, billDate: '2026-03-01', lineItems: [] });
  c.approveBill(org, b2.id);
  return { acme, globex, b1, b2, b3, b4 };
}

describe('m3ter emulator: resources, paging and filters', () => {
  const emulator = useM3terEmulator();

  it('pages newest first with pageSize and nextToken; pages stay stable when items are added', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    const created = Array.from({ length: 5 }, (_, i) =>
      em.control.createProduct(org, { code: `p${i}`, name: `Product ${i}` }),
    );
    const t = await token(em);
    const first = (await api(em, t, '/products?pageSize=2')).json();
    assert.deepEqual(ids(first), [created[4]?.id, created[3]?.id]);
    assert.equal(typeof first.nextToken, 'string');
    em.control.createProduct(org, { code: 'late', name: 'Created between pages' });
    const second = (await api(em, t, `/products?pageSize=2&nextToken=${String(first.nextToken)}`)).json();
    assert.deepEqual(ids(second), [created[2]?.id, created[1]?.id]);
    const third = (await api(em, t, `/products?pageSize=2&nextToken=${String(second.nextToken)}`)).json();
    assert.deepEqual(ids(third), [created[0]?.id]);
    assert.equal('nextToken' in third, false);

    const all = (await api(em, t, '/products')).json();
    assert.equal(ids(all).length, 6);
    assert.equal('nextToken' in all, false);
  });

  it('rejects a bad pageSize or nextToken with 400', async () => {
    const em = emulator();
    const t = await token(em);
    const big = await api(em, t, '/accounts?pageSize=101');
    assert.equal(big.status, 400);
    assert.deepEqual(big.json(), {
      code: 'BAD_REQUEST',
      message: 'pageSize must be an integer between 1 and 100, got 101',
    });
    assert.equal((await api(em, t, '/accounts?pageSize=0')).status, 400);
    const token400 = await api(em, t, '/accounts?nextToken=garbage');
    assert.equal(token400.status, 400);
    assert.equal(token400.json().message, 'invalid nextToken garbage');
  });

  it('filters bills by accountId, billDateStart (≥), billDateEnd (<), status and ids (comma, repeated, ids[])', async () => {
    const em = emulator();
    const { acme, b1, b2, b3, b4 } = seedBills(em);
    const t = await token(em);
    const list = async (query: string) => ids((await api(em, t, `/bills?${query}`)).json());
    assert.deepEqual(await list(''), [b4.id, b3.id, b2.id, b1.id]);
    assert.deepEqual(await list(`accountId=${acme.id}`), [b4.id, b2.id, b1.id]);
    assert.deepEqual(await list('billDateStart=2026-02-01'), [b4.id, b3.id, b2.id]);
    assert.deepEqual(await list('billDateEnd=2026-02-01'), [b1.id]);
    assert.deepEqual(await list('billDateStart=2026-02-01&billDateEnd=2026-03-01'), [b3.id, b2.id]);
    assert.deepEqual(await list('status=APPROVED'), [b2.id]);
    assert.deepEqual(await list('status=PENDING'), [b4.id, b3.id, b1.id]);
    assert.deepEqual(await list(`ids=${b1.id},${b3.id}`), [b3.id, b1.id]);
    assert.deepEqual(await list(`ids=${b1.id}&ids=${b4.id}`), [b4.id, b1.id]);
    assert.deepEqual(await list(`ids[]=${b2.id}`), [b2.id]);
    assert.deepEqual(await list(`accountId=${acme.id}&status=PENDING&billDateStart=2026-02-01`), [b4.id]);
    const bad = await api(em, t, '/bills?status=DRAFT');
    assert.equal(bad.status, 400);
  });

  it('serves line items unless excludeLineItems=true, billTotal in lists only with includeBillTotal=true', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    const acct = em.control.createAccount(org, { code: 'a', name: 'A' });
    const bill = em.control.generateBill(org, {
      accountId: acct.id,
      billDate: '2026-04-01',
      lineItems: [
        { lineItemType: 'STANDING_CHARGE', subtotal: 100 },
        { lineItemType: 'USAGE', subtotal: 12.5, quantity: 5 },
      ],
    });
    const t = await token(em);
    const listed = (await api(em, t, '/bills')).json().data as Array<Record<string, unknown>>;
    assert.equal((listed[0]?.lineItems as unknown[]).length, 2);
    assert.equal('billTotal' in (listed[0] ?? {}), false);
    const headers = (await api(em, t, '/bills?excludeLineItems=true&includeBillTotal=true')).json()
      .data as Array<Record<string, unknown>>;
    assert.equal('lineItems' in (headers[0] ?? {}), false);
    assert.equal(headers[0]?.billTotal, 112.5);
    const one = (await api(em, t, `/bills/${bill.id}`)).json();
    assert.equal(one.billTotal, 112.5);
    assert.deepEqual(one, JSON.parse(JSON.stringify(bill)));
  });

  it('serves a bill in m3ter shape with derived dates, currency, numbering and line defaults', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    em.control.updateOrganizationConfig(org, { billPrefix: 'INV-', sequenceStartNumber: 1000 });
    const product = em.control.createProduct(org, { code: 'api', name: 'API' });
    const aggregation = em.control.createAggregation(org, { code: 'calls', name: 'API calls', unit: 'call' });
    const acct = em.control.createAccount(org, {
      code: 'acme',
      name: 'Acme',
      currency: 'EUR',
      daysBeforeBillDue: 14,
    });
    const bill = em.control.generateBill(org, {
      accountId: acct.id,
      billDate: '2026-03-01',
      lineItems: [
        {
          lineItemType: 'USAGE',
          subtotal: 30,
          quantity: 1200,
          units: 12,
          productId: product.id,
          aggregationId: aggregation.id,
          conversionRate: 1.5,
          usagePerPricingBand: [{ lowerLimit: 0, bandUnits: 12, unitPrice: 2.5, bandSubtotal: 30 }],
        },
      ],
    });
    const second = em.control.generateBill(org, { accountId: acct.id, billDate: '2026-04-01' });
    const t = await token(em);
    const got = (await api(em, t, `/bills/${bill.id}`)).json();
    assert.equal(got.accountCode, 'acme');
    assert.equal(got.currency, 'EUR');
    assert.equal(got.status, 'PENDING');
    assert.equal(got.version, 1);
    assert.equal(got.startDate, '2026-02-01');
    assert.equal(got.endDate, '2026-03-01');
    assert.equal(got.dueDate, '2026-03-15');
    assert.equal(got.externalInvoiceDate, '2026-03-01');
    assert.equal(got.sequentialInvoiceNumber, 'INV-1000');
    assert.equal(second.sequentialInvoiceNumber, 'INV-1001');
    const [line] = got.lineItems as Array<Record<string, unknown>>;
    assert.deepEqual(
      {
        description: line?.description,
        unit: line?.unit,
        productName: line?.productName,
        productCode: line?.productCode,
        convertedSubtotal: line?.convertedSubtotal,
        averageUnitPrice: line?.averageUnitPrice,
        currency: line?.currency,
        servicePeriodStartDate: line?.servicePeriodStartDate,
        servicePeriodEndDate: line?.servicePeriodEndDate,
      },
      {
        description: 'API calls',
        unit: 'call',
        productName: 'API',
        productCode: 'api',
        convertedSubtotal: 45,
        averageUnitPrice: 2.5,
        currency: 'EUR',
        servicePeriodStartDate: '2026-02-01T00:00:00Z',
        servicePeriodEndDate: '2026-03-01T00:00:00Z',
      },
    );
  });

  it('serves the standalone line items with bandUsage, billId and version, paged in bill order', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    const acct = em.control.createAccount(org, { code: 'a', name: 'A' });
    const band = {
      pricingBandId: 'band-1',
      lowerLimit: 0,
      bandQuantity: 10,
      unitPrice: 1.5,
      bandSubtotal: 15,
    };
    const bill = em.control.generateBill(org, {
      accountId: acct.id,
      lineItems: [
        { lineItemType: 'USAGE', subtotal: 15, quantity: 10, usagePerPricingBand: [band] },
        { lineItemType: 'STANDING_CHARGE', subtotal: 5 },
        { lineItemType: 'AD_HOC', subtotal: 1 },
      ],
    });
    const t = await token(em);
    const page = (await api(em, t, `/bills/${bill.id}/lineitems?pageSize=2`)).json();
    const data = page.data as Array<Record<string, unknown>>;
    assert.deepEqual(
      data.map((d) => d.lineItemType),
      ['USAGE', 'STANDING_CHARGE'],
    );
    assert.deepEqual(data[0]?.bandUsage, [band]);
    assert.equal('usagePerPricingBand' in (data[0] ?? {}), false);
    assert.equal(data[0]?.billId, bill.id);
    assert.equal(data[0]?.version, 1);
    const rest = (await api(em, t, `/bills/${bill.id}/lineitems?nextToken=${String(page.nextToken)}`)).json();
    assert.deepEqual(
      (rest.data as Array<Record<string, unknown>>).map((d) => d.lineItemType),
      ['AD_HOC'],
    );
    const one = (await api(em, t, `/bills/${bill.id}/lineitems/${bill.lineItems[1]?.id}`)).json();
    assert.equal(one.description, 'Standing Charge');
    assert.equal((await api(em, t, `/bills/nope/lineitems`)).status, 404);
  });

  it('serves accounts, products, aggregations, compound aggregations, users, org config and events by id and in lists', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    const c = em.control;
    const account = c.createAccount(org, {
      code: 'acme',
      name: 'Acme',
      emailAddress: 'ap@acme.test',
      address: { country: 'US' },
      customFields: { tier: 'gold' },
      extraField: { kept: true },
    });
    const product = c.createProduct(org, { code: 'p', name: 'P' });
    const aggregation = c.createAggregation(org, {
      code: 'agg',
      name: 'Agg',
      accountingProductId: product.id,
    });
    const compound = c.createCompoundAggregation(org, {
      code: 'cagg',
      name: 'CAgg',
      calculation: 'aggregation.agg * 2',
      productId: product.id,
    });
    const user = c.createUser(org, { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.test' });
    const t = await token(em);
    const get = async (path: string) => (await api(em, t, path)).json();
    assert.deepEqual(await get(`/accounts/${account.id}`), JSON.parse(JSON.stringify(account)));
    assert.deepEqual((await get(`/accounts/${account.id}`)).extraField, { kept: true });
    assert.deepEqual(ids(await get('/accounts?codes=acme')), [account.id]);
    assert.deepEqual(ids(await get('/accounts?codes=other')), []);
    assert.equal((await get(`/products/${product.id}`)).name, 'P');
    assert.equal((await get(`/aggregations/${aggregation.id}`)).accountingProductId, product.id);
    assert.equal((await get(`/compoundaggregations/${compound.id}`)).calculation, 'aggregation.agg * 2');
    assert.deepEqual(ids(await get(`/compoundaggregations?productId=${product.id}`)), [compound.id]);
    const gotUser = await get(`/users/${user.id}`);
    assert.deepEqual(
      [gotUser.firstName, gotUser.lastName, gotUser.email],
      ['Ada', 'Lovelace', 'ada@example.test'],
    );
    assert.deepEqual(ids(await get('/users')), [user.id]);
    assert.equal((await get('/organizationconfig')).currency, 'USD');
    const events = await get('/events?eventName=configuration.account.created');
    assert.equal(ids(events).length, 1);
    const eventId = ids(events)[0] ?? '';
    const event = await get(`/events/${eventId}`);
    assert.equal(event.eventName, 'configuration.account.created');
    const notFound = await api(em, t, '/accounts/missing');
    assert.equal(notFound.status, 404);
    assert.deepEqual(notFound.json(), { code: 'NOT_FOUND', message: 'Account with id missing not found' });
    const unknownRoute = await api(em, t, '/nothing/here');
    assert.equal(unknownRoute.status, 404);
    assert.equal(em.control.counters().byRoute['GET unknown'], 1);
  });
});
