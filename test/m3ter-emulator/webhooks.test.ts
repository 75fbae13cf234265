import assert from 'node:assert/strict';
import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:net';
import type { RunningM3terEmulator } from '../../emulators/m3ter';
import {
  api,
  expectedSignature,
  ids,
  parseBody,
  startReceiver,
  token,
  useM3terEmulator,
  type WebhookReceiver,
} from './helpers';

const API_KEY = 'destination-key';
const SECRET = 'destination-secret-0123456789';

/** Sets up a destination, a rule and the integration config linking them through m3ter's API. */
async function subscribeViaApi(
  em: RunningM3terEmulator,
  bearer: string,
  url: string,
  rule: { eventName: string; alwaysFireEvent?: boolean; calculation?: string; code?: string },
): Promise<{ webhookId: string; ruleId: string; configId: string }> {
  const webhook = await api(em, bearer, '/integrationdestinations/webhooks', {
    method: 'POST',
    body: {
      name: 'Sync service',
      url,
      credentials: { type: 'M3TER_SIGNED_REQUEST', apiKey: API_KEY, secret: SECRET },
    },
  });
  assert.equal(webhook.status, 200, webhook.text);
  const notification = await api(em, bearer, '/notifications/configurations', {
    method: 'POST',
    body: { code: rule.code ?? 'bills', name: 'Bills', description: 'bill events', active: true, ...rule },
  });
  assert.equal(notification.status, 200, notification.text);
  const config = await api(em, bearer, '/integrationconfigs', {
    method: 'POST',
    body: {
      entityType: 'Notification',
      entityId: notification.json().id,
      destination: 'Webhook',
      destinationId: webhook.json().id,
      name: 'bills to the sync service',
    },
  });
  assert.equal(config.status, 200, config.text);
  return {
    webhookId: String(webhook.json().id),
    ruleId: String(notification.json().id),
    configId: String(config.json().id),
  };
}

/** A port nothing listens on (bound, then released). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

function verify(request: WebhookReceiver['requests'][number]): boolean {
  const got = Buffer.from(String(request.headers['x-m3ter-signature']), 'hex');
  const want = Buffer.from(expectedSignature(SECRET, request), 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}

describe('m3ter emulator: webhook destinations, notification rules, integration configs and signed delivery', () => {
  const emulator = useM3terEmulator({ delivery: { initialBackoffMs: 50 } });
  let receiver: WebhookReceiver;
  beforeEach(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await receiver.stop();
  });

  it('creates, reads, lists, updates (with version) and deletes the three set-up objects through the API', async () => {
    const em = emulator();
    const t = await token(em);
    const { webhookId, ruleId, configId } = await subscribeViaApi(em, t, receiver.url, {
      eventName: 'billing.bill.updated',
      alwaysFireEvent: true,
    });
    const webhook = (await api(em, t, `/integrationdestinations/webhooks/${webhookId}`)).json();
    assert.deepEqual(
      [webhook.name, webhook.code, webhook.url, webhook.active, webhook.version],
      ['Sync service', 'sync_service', receiver.url, true, 1],
    );
    assert.deepEqual(webhook.credentials, {
      type: 'M3TER_SIGNED_REQUEST',
      apiKey: API_KEY,
      secret: SECRET,
      destination: 'WEBHOOK',
      empty: false,
      version: 1,
    });
    assert.deepEqual(ids((await api(em, t, '/integrationdestinations/webhooks')).json()), [webhookId]);
    const rule = (await api(em, t, `/notifications/configurations/${ruleId}`)).json();
    assert.deepEqual(
      [rule.code, rule.eventName, rule.alwaysFireEvent, rule.calculation, rule.active],
      ['bills', 'billing.bill.updated', true, '', true],
    );
    assert.deepEqual(
      ids((await api(em, t, '/notifications/configurations?eventName=billing.bill.updated')).json()),
      [ruleId],
    );
    const config = (await api(em, t, `/integrationconfigs/${configId}`)).json();
    assert.deepEqual(
      [config.entityType, config.entityId, config.destination, config.destinationId, config.enabled],
      ['Notification', ruleId, 'Webhook', webhookId, true],
    );
    assert.deepEqual(ids((await api(em, t, `/integrationconfigs?destinationId=${webhookId}`)).json()), [
      configId,
    ]);

    const noVersion = await api(em, t, `/integrationdestinations/webhooks/${webhookId}`, {
      method: 'PUT',
      body: { active: false },
    });
    assert.equal(noVersion.status, 400);
    const stale = await api(em, t, `/integrationdestinations/webhooks/${webhookId}`, {
      method: 'PUT',
      body: { active: false, version: 3 },
    });
    assert.equal(stale.status, 409);
    const put = await api(em, t, `/integrationdestinations/webhooks/${webhookId}`, {
      method: 'PUT',
      body: { active: false, version: 1 },
    });
    assert.equal(put.status, 200);
    assert.deepEqual([put.json().active, put.json().version], [false, 2]);

    const ruleUpdate = await api(em, t, `/notifications/configurations/${ruleId}`, {
      method: 'PUT',
      body: { active: false, version: 1 },
    });
    assert.equal(ruleUpdate.json().active, false);
    assert.equal(
      (await api(em, t, `/integrationconfigs/${configId}`, { method: 'DELETE' })).json().id,
      configId,
    );
    assert.equal((await api(em, t, `/integrationconfigs/${configId}`)).status, 404);
    assert.equal(
      (await api(em, t, `/notifications/configurations/${ruleId}`, { method: 'DELETE' })).status,
      200,
    );
    assert.equal(
      (await api(em, t, `/integrationdestinations/webhooks/${webhookId}`, { method: 'DELETE' })).status,
      200,
    );
    assert.deepEqual(ids((await api(em, t, '/integrationdestinations/webhooks')).json()), []);
  });

  it('refuses non-loopback URLs, bad credentials, rules without calculation and links to unknown objects', async () => {
    const em = emulator();
    const t = await token(em);
    const remote = await api(em, t, '/integrationdestinations/webhooks', {
      method: 'POST',
      body: {
        name: 'x',
        url: 'https://hooks.example.com/m3ter',
        credentials: { type: 'M3TER_SIGNED_REQUEST', apiKey: 'k', secret: 's' },
      },
    });
    assert.equal(remote.status, 400);
    assert.equal(
      remote.json().message,
      'url https://hooks.example.com/m3ter is refused: this emulator only delivers to loopback http(s) URLs',
    );
    const basicCreds = await api(em, t, '/integrationdestinations/webhooks', {
      method: 'POST',
      body: { name: 'x', url: receiver.url, credentials: { type: 'HTTP_BASIC', apiKey: 'k', secret: 's' } },
    });
    assert.equal(basicCreds.json().message, 'credentials.type must be M3TER_SIGNED_REQUEST');
    const noCalc = await api(em, t, '/notifications/configurations', {
      method: 'POST',
      body: { code: 'c', name: 'n', description: '', eventName: 'billing.bill.updated' },
    });
    assert.equal(noCalc.status, 400);
    assert.equal(noCalc.json().message, 'calculation is required unless alwaysFireEvent is true');
    const badCalc = await api(em, t, '/notifications/configurations', {
      method: 'POST',
      body: {
        code: 'c',
        name: 'n',
        description: '',
        eventName: 'billing.bill.updated',
        calculation: 'new.status ==',
      },
    });
    assert.equal(badCalc.status, 400);
    const dangling = await api(em, t, '/integrationconfigs', {
      method: 'POST',
      body: { entityType: 'Notification', entityId: 'nope', destination: 'Webhook', destinationId: 'nope' },
    });
    assert.equal(dangling.status, 400);
    assert.equal(
      dangling.json().message,
      'entityId must name a notification configuration of this organization',
    );
    const qbo = await api(em, t, '/integrationconfigs', {
      method: 'POST',
      body: { entityType: 'Bill', destination: 'QuickBooks', configData: { onlySendBillOnApproval: true } },
    });
    assert.equal(qbo.status, 200);
    assert.deepEqual(qbo.json().configData, { onlySendBillOnApproval: true });
  });

  it('POSTs the event as JSON, signed with the destination credentials (verified with node:crypto)', async () => {
    const em = emulator();
    const t = await token(em);
    const { webhookId } = await subscribeViaApi(em, t, receiver.url, {
      eventName: 'billing.bill.created',
      alwaysFireEvent: true,
    });
    const acct = em.control.createAccount(em.defaultOrgId, { code: 'acme', name: 'Acme' });
    const bill = em.control.generateBill(em.defaultOrgId, {
      accountId: acct.id,
      lineItems: [{ lineItemType: 'USAGE', subtotal: 5 }],
    });
    await em.control.waitForDeliveries();
    assert.equal(receiver.requests.length, 1);
    const [request] = receiver.requests;
    assert.ok(request);
    assert.equal(request.method, 'POST');
    assert.equal(request.path, '/webhooks/m3ter?source=emulator');
    assert.equal(request.headers['content-type'], 'application/json');
    assert.equal(request.headers['x-m3ter-apikey'], API_KEY);
    const timestamp = Number(request.headers['x-m3ter-timestamp']);
    assert.ok(Math.abs(timestamp - Date.now() / 1000) < 5, `timestamp ${timestamp}`);
    assert.match(String(request.headers['x-m3ter-signature']), /^[0-9a-f]{64}$/);
    assert.equal(verify(request), true);

    const body = parseBody(request);
    const [event] = em.control.events(em.defaultOrgId, 'billing.bill.created');
    assert.deepEqual(body, JSON.parse(JSON.stringify(event)));
    const newDto = (body.m3terEvent as { eventData: { newDto: Record<string, unknown> } }).eventData.newDto;
    assert.equal(newDto.id, bill.id);
    assert.equal(newDto.accountId, acct.id);
    assert.equal('lineItems' in newDto, false);

    const [delivery] = em.control.deliveries({ eventId: event?.id });
    assert.ok(delivery);
    assert.equal(delivery.status, 'delivered');
    assert.equal(delivery.destinationId, webhookId);
    assert.deepEqual(
      delivery.attempts.map((a) => [a.attempt, a.status, a.signature]),
      [[1, 200, request.headers['x-m3ter-signature']]],
    );
    // configuration.account.created had no rule: nothing was sent for it.
    assert.equal(em.control.counters().deliveries.created, 1);
  });

  it('retries a failing receiver with backoff: 500, 500, then 200 → delivered on the 3rd attempt', async () => {
    const em = emulator();
    em.control.subscribe(em.defaultOrgId, {
      url: receiver.url,
      apiKey: API_KEY,
      secret: SECRET,
      eventNames: ['configuration.product.created'],
    });
    receiver.respondWith(500, 500);
    em.control.createProduct(em.defaultOrgId, { code: 'p', name: 'P' });
    await em.control.waitForDeliveries();
    assert.equal(receiver.requests.length, 3);
    assert.ok(receiver.requests.every(verify));
    assert.equal(new Set(receiver.requests.map((r) => r.body)).size, 1, 'the same body every time');
    const [delivery] = em.control.deliveries();
    assert.ok(delivery);
    assert.equal(delivery.status, 'delivered');
    assert.deepEqual(
      delivery.attempts.map((a) => [a.attempt, a.status, a.error]),
      [
        [1, 500, 'HTTP 500'],
        [2, 500, 'HTTP 500'],
        [3, 200, undefined],
      ],
    );
    const gaps = [1, 2].map(
      (i) => Date.parse(delivery.attempts[i]?.at ?? '') - Date.parse(delivery.attempts[i - 1]?.at ?? ''),
    );
    assert.ok(
      (gaps[0] ?? 0) >= 50 && (gaps[1] ?? 0) >= 100,
      `backoff 50 ms doubling, got ${gaps.join(', ')}`,
    );
    assert.deepEqual(em.control.counters().deliveries, {
      created: 1,
      attempts: 3,
      delivered: 1,
      failed: 0,
      dropped: 0,
    });
  });

  it('gives up after maxAttempts, records connection errors, and redelivers on request', async () => {
    const em = emulator();
    em.control.setDeliverySettings({ maxAttempts: 2, initialBackoffMs: 10 });
    const { destination } = em.control.subscribe(em.defaultOrgId, {
      url: receiver.url,
      apiKey: API_KEY,
      secret: SECRET,
      eventNames: ['configuration.account.created'],
    });
    receiver.respondWith(503, 503);
    em.control.createAccount(em.defaultOrgId, { code: 'a', name: 'A' });
    await em.control.waitForDeliveries();
    const [failed] = em.control.deliveries();
    assert.equal(failed?.status, 'failed');
    assert.deepEqual(
      failed?.attempts.map((a) => a.status),
      [503, 503],
    );
    const redelivered = em.control.redeliver(failed?.eventId ?? '');
    assert.equal(redelivered.length, 1);
    assert.equal(redelivered[0]?.redeliveryOf, failed?.id);
    await em.control.waitForDeliveries();
    assert.equal(em.control.deliveries({ status: 'delivered' }).length, 1);
    assert.equal(receiver.requests.length, 3);

    // A receiver that is gone: connection refused on every attempt.
    const gonePort = await freePort();
    const goneUrl = `http://127.0.0.1:${gonePort}/gone`;
    em.control.updateWebhookDestination(em.defaultOrgId, destination.id, { url: goneUrl });
    em.control.createAccount(em.defaultOrgId, { code: 'b', name: 'B' });
    await em.control.waitForDeliveries();
    const gone = em.control.deliveries({ status: 'failed' }).find((d) => d.url === goneUrl);
    assert.ok(gone);
    assert.equal(gone.attempts.length, 2);
    assert.equal(gone.attempts[0]?.status, undefined);
    assert.match(gone.attempts[0]?.error ?? '', /ECONNREFUSED/);
  });

  it('pauses and resumes deliveries; drops a given event (a lost webhook) or the next ones', async () => {
    const em = emulator();
    const org = em.defaultOrgId;
    em.control.subscribe(org, { url: receiver.url, apiKey: API_KEY, secret: SECRET });
    em.control.pauseDeliveries();
    const kept = em.control.createProduct(org, { code: 'kept', name: 'Kept' });
    const lost = em.control.createProduct(org, { code: 'lost', name: 'Lost' });
    const [lostEvent, keptEvent] = em.control.events(org);
    assert.equal(lostEvent?.m3terEvent.eventData.newDto?.id, lost.id);
    assert.equal(keptEvent?.m3terEvent.eventData.newDto?.id, kept.id);
    await em.control.waitForDeliveries();
    assert.equal(receiver.requests.length, 0);
    assert.deepEqual(
      em.control.deliveries().map((d) => d.status),
      ['paused', 'paused'],
    );
    assert.equal(em.control.dropDelivery(lostEvent?.id ?? ''), 1);
    em.control.resumeDeliveries();
    await em.control.waitForDeliveries();
    assert.deepEqual(
      receiver.requests.map((r) => parseBody(r).id),
      [keptEvent?.id],
    );

    em.control.dropNextDeliveries({ eventName: 'configuration.product.updated' });
    em.control.updateProduct(org, kept.id, { name: 'Dropped update' });
    em.control.updateProduct(org, kept.id, { name: 'Delivered update' });
    await em.control.waitForDeliveries();
    const updates = receiver.requests
      .map(parseBody)
      .filter((b) => b.eventName === 'configuration.product.updated');
    assert.equal(updates.length, 1);
    assert.equal(
      (updates[0]?.m3terEvent as { eventData: { newDto: { name: string } } }).eventData.newDto.name,
      'Delivered update',
    );
    assert.deepEqual(
      em.control.deliveries().map((d) => d.status),
      ['delivered', 'dropped', 'dropped', 'delivered'],
    );
    assert.equal(em.control.counters().deliveries.dropped, 2);

    // The lost event can be sent again.
    em.control.redeliver(lostEvent?.id ?? '');
    await em.control.waitForDeliveries();
    assert.equal(receiver.requests.map((r) => parseBody(r).id).at(-1), lostEvent?.id);
  });

  it('delivers only where an active rule matches, via an enabled config, to an active destination', async () => {
    const em = emulator();
    const t = await token(em);
    const org = em.defaultOrgId;
    // Only approvals: a calculation over the old and new bill.
    const { webhookId } = await subscribeViaApi(em, t, receiver.url, {
      eventName: 'billing.bill.updated',
      calculation: 'new.status == "APPROVED" AND old.status != "APPROVED"',
    });
    const other = await startReceiver('/other');
    try {
      const inactive = em.control.createWebhookDestination(org, {
        name: 'Inactive',
        url: other.url,
        active: false,
        credentials: { type: 'M3TER_SIGNED_REQUEST', apiKey: 'k', secret: 's' },
      });
      const rule = em.control.createNotificationConfiguration(org, {
        code: 'all-updates',
        name: 'All',
        eventName: 'billing.bill.updated',
        alwaysFireEvent: true,
      });
      em.control.createIntegrationConfig(org, {
        entityType: 'Notification',
        entityId: rule.id,
        destination: 'Webhook',
        destinationId: inactive.id,
      });
      const acct = em.control.createAccount(org, { code: 'a', name: 'A' });
      const bill = em.control.generateBill(org, {
        accountId: acct.id,
        lineItems: [{ lineItemType: 'USAGE', subtotal: 1 }],
      });
      em.control.recalculateBill(org, bill.id, { lineItems: [{ lineItemType: 'USAGE', subtotal: 2 }] });
      em.control.approveBill(org, bill.id);
      await em.control.waitForDeliveries();
      assert.equal(other.requests.length, 0);
      assert.equal(receiver.requests.length, 1);
      const body = parseBody(receiver.requests[0] ?? { method: '', path: '', headers: {}, body: '{}' });
      const eventData = (body.m3terEvent as { eventData: Record<string, Record<string, unknown>> }).eventData;
      assert.deepEqual([eventData.oldDto?.status, eventData.newDto?.status], ['PENDING', 'APPROVED']);
      assert.equal(em.control.deliveries()[0]?.destinationId, webhookId);
    } finally {
      await other.stop();
    }
  });
});
