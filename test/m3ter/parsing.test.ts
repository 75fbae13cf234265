import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { M3terApiError, M3terClient, type Bill } from '../../src/m3ter';
import { clientFor, useM3terEmulator } from './helpers';

/** A fetch that answers `path` (suffix of the URL path) with `body` and passes everything else to the emulator. */
function answering(path: string, body: unknown): typeof fetch {
  return (input, init) => {
    const url = new URL(String(input));
    if (url.pathname.endsWith(path))
      return Promise.resolve(
        new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } }),
      );
    return fetch(input, init);
  };
}

describe('m3ter client: pagination, lenient parsing and endpoints', () => {
  const emulator = useM3terEmulator();

  it('pages with pageSize/nextToken and iterates over every page', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    const accounts = Array.from({ length: 25 }, (_, i) =>
      em.control.createAccount(org, { code: `acct-${i}`, name: `Account ${i}` }),
    );
    const { client } = clientFor(em);
    const first = await client.listAccounts({ pageSize: 10 });
    assert.equal(first.data.length, 10);
    assert.equal(first.data[0]?.id, accounts[24]?.id);
    assert.equal(typeof first.nextToken, 'string');
    const second = await client.listAccounts({ pageSize: 10, nextToken: first.nextToken });
    assert.equal(second.data[0]?.id, accounts[14]?.id);

    em.control.resetCounters();
    const all: string[] = [];
    for await (const account of client.iterateAccounts({ pageSize: 10 })) all.push(account.id);
    assert.deepEqual(all, accounts.map((a) => a.id).reverse());
    assert.equal(em.control.counters().byRoute['GET accounts'], 3);
  });

  it('sends bill filters as m3ter takes them (ids comma-separated) and iterates filtered pages', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    const acme = em.control.createAccount(org, { code: 'acme', name: 'Acme' });
    const other = em.control.createAccount(org, { code: 'other', name: 'Other' });
    const bills = Array.from({ length: 12 }, (_, i) =>
      em.control.generateBill(org, {
        accountId: acme.id,
        billDate: `2026-${String(i + 1).padStart(2, '0')}-01`,
        lineItems: [{ lineItemType: 'USAGE', subtotal: i }],
      }),
    );
    em.control.generateBill(org, { accountId: other.id, billDate: '2026-05-01' });
    em.control.approveBill(org, bills[3]?.id ?? '');
    const { client, urls } = clientFor(em);
    em.control.resetCounters();
    const iterated: Bill[] = [];
    for await (const bill of client.iterateBills({ accountId: acme.id, pageSize: 5, excludeLineItems: true }))
      iterated.push(bill);
    assert.equal(iterated.length, 12);
    assert.ok(iterated.every((b) => b.lineItems === undefined && b.accountId === acme.id));
    assert.equal(em.control.counters().byRoute['GET bills'], 3);

    const picked = await client.listBills({ ids: [bills[0]?.id ?? '', bills[5]?.id ?? ''] });
    assert.deepEqual(
      picked.data.map((b) => b.id),
      [bills[5]?.id, bills[0]?.id],
    );
    const sent = urls.at(-1);
    assert.equal(sent?.pathname, `/organizations/${org}/bills`);
    assert.equal(sent?.searchParams.get('ids'), `${bills[0]?.id},${bills[5]?.id}`);
    assert.equal(urls[1]?.search, `?accountId=${acme.id}&pageSize=5&excludeLineItems=true`);
    const window = await client.listBills({
      accountId: acme.id,
      billDateStart: '2026-03-01',
      billDateEnd: '2026-06-01',
    });
    assert.deepEqual(
      window.data.map((b) => b.billDate),
      ['2026-05-01', '2026-04-01', '2026-03-01'],
    );
    const approved = await client.listBills({ status: 'APPROVED', includeBillTotal: true });
    assert.deepEqual(
      approved.data.map((b) => [b.id, b.status, b.version, b.billTotal]),
      [[bills[3]?.id, 'APPROVED', 2, 3]],
    );
    const latest = await client.getLatestBill(acme.id);
    assert.equal(latest.billDate, '2026-12-01');
  });

  it('parses a bill with only an id', async () => {
    const em = emulator();
    const { client } = clientFor(em, { fetch: answering('/bills/bare', { id: 'bare' }) });
    const bill = await client.getBill('bare');
    assert.deepEqual(bill, { id: 'bare' });
  });

  it('keeps unknown line types, custom currencies and unknown fields; bandUsage on the line-items endpoint', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    const acct = em.control.createAccount(org, { code: 'acme', name: 'Acme' });
    const band = {
      pricingBandId: 'pb1',
      lowerLimit: 100,
      bandQuantity: 50,
      unitPrice: 0.2,
      bandSubtotal: 10,
    };
    const created = em.control.generateBill(org, {
      accountId: acct.id,
      currency: 'CREDITS',
      futureBillField: { nested: [1, 2] },
      lineItems: [
        {
          lineItemType: 'QUANTUM_SURCHARGE',
          subtotal: 10,
          quantity: 50,
          futureLineField: 'kept',
          usagePerPricingBand: [band],
        },
      ],
    });
    const { client } = clientFor(em);
    const bill = await client.getBill(created.id);
    assert.equal(bill.currency, 'CREDITS');
    assert.deepEqual(bill.futureBillField, { nested: [1, 2] });
    const [line] = bill.lineItems ?? [];
    assert.equal(line?.lineItemType, 'QUANTUM_SURCHARGE');
    assert.equal(line?.futureLineField, 'kept');
    assert.deepEqual(line?.usagePerPricingBand, [band]);

    const items = await client.listBillLineItems(created.id);
    assert.equal(items.data.length, 1);
    const [standalone] = items.data;
    assert.deepEqual(standalone?.bandUsage, [band]);
    assert.equal(standalone?.usagePerPricingBand, undefined);
    assert.equal(standalone?.billId, created.id);
    assert.equal(standalone?.subtotal, 10);
    const iterated = [];
    for await (const li of client.iterateBillLineItems(created.id, { pageSize: 1 })) iterated.push(li.id);
    assert.deepEqual(iterated, [line?.id]);
  });

  it('rejects a 2xx whose body is not the expected shape as invalid_response', async () => {
    const em = emulator();
    const { client } = clientFor(em, { fetch: answering('/accounts', { data: 'not a list' }) });
    const err = await client.listAccounts().catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.deepEqual([err.kind, err.status, err.retryable], ['invalid_response', 200, false]);
    assert.match(err.detail, /^unexpected response body: data: /);
    const loop = clientFor(em, { fetch: answering('/products', { data: [{ id: 'p' }], nextToken: 'same' }) });
    const seen: string[] = [];
    const looped = await (async () => {
      for await (const p of loop.client.iterateProducts()) seen.push(p.id);
    })().catch((e: unknown) => e);
    assert.ok(looped instanceof M3terApiError);
    assert.equal(looped.detail, 'm3ter returned the same nextToken twice');
    assert.deepEqual(seen, ['p', 'p']);
  });

  it('reads reference data, org config, users, events and sets up webhooks through m3ter endpoints', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    em.control.updateOrganizationConfig(org, { currency: 'GBP' });
    const product = em.control.createProduct(org, { code: 'p', name: 'Product' });
    const aggregation = em.control.createAggregation(org, { code: 'a', name: 'Agg', unit: 'GB' });
    const compound = em.control.createCompoundAggregation(org, {
      code: 'c',
      name: 'Compound',
      productId: product.id,
    });
    const user = em.control.createUser(org, {
      firstName: 'Grace',
      lastName: 'Hopper',
      email: 'grace@example.test',
    });
    const { client } = clientFor(em);
    assert.equal(await client.getDefaultCurrency(), 'GBP');
    assert.equal((await client.getProduct(product.id)).name, 'Product');
    assert.equal((await client.listProducts({ codes: ['p'] })).data[0]?.id, product.id);
    assert.equal((await client.getAggregation(aggregation.id)).unit, 'GB');
    assert.equal((await client.listAggregations()).data.length, 1);
    assert.equal((await client.getCompoundAggregation(compound.id)).productId, product.id);
    assert.equal((await client.listCompoundAggregations()).data[0]?.id, compound.id);
    assert.equal((await client.getUser(user.id)).email, 'grace@example.test');
    assert.deepEqual(
      (await client.listUsers()).data.map((u) => u.email),
      ['grace@example.test'],
    );
    const [event] = em.control.events(org, 'configuration.product.created');
    const got = await client.getEvent(event?.id ?? '');
    assert.equal(got.eventName, 'configuration.product.created');
    assert.equal(got.m3terEvent?.eventData?.newDto?.id, product.id);

    const webhook = await client.createWebhookDestination({
      name: 'QuickBooks sync',
      url: 'http://127.0.0.1:3000/webhooks/m3ter',
      credentials: { type: 'M3TER_SIGNED_REQUEST', apiKey: 'key', secret: 'secret' },
    });
    assert.equal((await client.getWebhookDestination(webhook.id)).credentials?.apiKey, 'key');
    const rule = await client.createNotificationConfiguration({
      code: 'bill_updates',
      name: 'Bill updates',
      description: 'every bill update',
      eventName: 'billing.bill.updated',
      alwaysFireEvent: true,
    });
    assert.equal((await client.getNotificationConfiguration(rule.id)).eventName, 'billing.bill.updated');
    assert.deepEqual(
      (await client.listNotificationConfigurations({ eventName: 'billing.bill.updated' })).data.map(
        (r) => r.id,
      ),
      [rule.id],
    );
    const config = await client.createIntegrationConfig({
      entityType: 'Notification',
      entityId: rule.id,
      destination: 'Webhook',
      destinationId: webhook.id,
    });
    assert.equal((await client.getIntegrationConfig(config.id)).destinationId, webhook.id);
    assert.deepEqual(
      (await client.listIntegrationConfigs({ destinationId: webhook.id })).data.map((c) => c.id),
      [config.id],
    );
    const destinations = [];
    for await (const d of client.iterateWebhookDestinations()) destinations.push(d.id);
    assert.deepEqual(destinations, [webhook.id]);
  });

  it('never puts the API secret or an access token into an error, even when m3ter echoes them', async () => {
    const em = emulator();
    const { client, authorizations } = clientFor(em);
    await client.listAccounts();
    const token = (authorizations[1] ?? '').replace(/^Bearer /, '');
    assert.ok(token.length > 10);
    const secret = em.credentials.apiSecret;
    const basic = Buffer.from(`${em.credentials.apiKey}:${secret}`).toString('base64');
    em.control.failNext(1, {
      type: 'status',
      status: 400,
      message: `you sent token ${token} for secret ${secret} as ${basic}`,
    });
    const echoed = await client.listAccounts().catch((e: unknown) => e);
    assert.ok(echoed instanceof M3terApiError);
    assert.equal(echoed.detail, 'you sent token [redacted] for secret [redacted] as [redacted]');

    const errors: unknown[] = [echoed];
    errors.push(
      await clientFor(em, { apiSecret: `${secret}-wrong` })
        .client.listAccounts()
        .catch((e: unknown) => e),
    );
    errors.push(await client.getBill('missing').catch((e: unknown) => e));
    em.control.failNext(4, { type: 'status', status: 500 });
    errors.push(await client.listAccounts().catch((e: unknown) => e));
    errors.push(
      await new M3terClient({
        baseUrl: 'http://127.0.0.1:9',
        orgId: 'o',
        apiKey: 'k',
        apiSecret: secret,
        maxRetries: 0,
      })
        .listAccounts()
        .catch((e: unknown) => e),
    );
    for (const err of errors) {
      assert.ok(err instanceof M3terApiError, String(err));
      const text = [
        err.message,
        err.detail,
        String(err.code),
        inspect(err, { depth: 5 }),
        JSON.stringify(err),
      ].join('\n');
      for (const forbidden of [secret, token, basic]) assert.equal(text.includes(forbidden), false, text);
    }
    assert.equal(inspect(client).includes(secret), false);
    assert.equal(JSON.stringify(client), JSON.stringify({ baseUrl: em.url, orgId: em.defaultOrgId }));
  });

  it('checks its configuration and arguments', () => {
    assert.throws(() => new M3terClient({ orgId: '', apiKey: 'k', apiSecret: 's' }), /orgId is required/);
    assert.throws(() => new M3terClient({ orgId: 'o', apiKey: 'k', apiSecret: '' }), /apiSecret is required/);
    assert.throws(
      () => new M3terClient({ baseUrl: 'ftp://x', orgId: 'o', apiKey: 'k', apiSecret: 's' }),
      /http\(s\)/,
    );
    const client = new M3terClient({ orgId: 'o', apiKey: 'k', apiSecret: 's' });
    assert.equal(client.baseUrl, 'https://api.m3ter.com');
    assert.throws(() => client.getBill(''), RangeError);
  });
});
