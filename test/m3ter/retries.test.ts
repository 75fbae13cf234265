import assert from 'node:assert/strict';
import { M3terApiError } from '../../src/m3ter';
import { clientFor, useM3terEmulator } from './helpers';

describe('m3ter client: retries, backoff, Retry-After and timeouts', () => {
  const emulator = useM3terEmulator();

  it('waits Retry-After seconds on a 429, then succeeds', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em);
    em.control.failNext(1, { type: 'status', status: 429, retryAfter: 2 }, { resource: 'bills' });
    const page = await client.listBills();
    assert.deepEqual(page, { data: [], nextToken: undefined });
    assert.deepEqual(sleeps, [2000]);
    assert.deepEqual(em.control.counters().byRouteStatus, {
      'POST oauth/token 200': 1,
      'GET bills 429': 1,
      'GET bills 200': 1,
    });
  });

  it('reads a Retry-After HTTP date against its clock', async () => {
    const em = emulator();
    em.control.clock.set(Date.parse('2026-06-01T12:00:00.000Z'));
    const { client, sleeps } = clientFor(em);
    const retryAt = new Date(Date.parse('2026-06-01T12:00:03.000Z')).toUTCString();
    em.control.failNext(1, { type: 'status', status: 429, retryAfter: retryAt });
    await client.listAccounts();
    assert.equal(sleeps.length, 1);
    const [wait] = sleeps;
    assert.ok(wait !== undefined && wait > 2_500 && wait <= 3_000, `waited ${wait}`);
  });

  it('honours Retry-After in real time with the default sleep', async () => {
    const em = emulator();
    const { client } = clientFor(em, { sleep: undefined });
    await client.listProducts();
    em.control.failNext(1, { type: 'status', status: 429, retryAfter: 1 });
    const started = Date.now();
    await client.listProducts();
    assert.ok(Date.now() - started >= 990, `took ${Date.now() - started} ms`);
  });

  it('retries 5xx with exponential backoff and jitter, then succeeds', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em);
    const acct = em.control.createAccount(em.defaultOrgId, { code: 'acme', name: 'Acme' });
    em.control.failNext(2, { type: 'status', status: 500 }, { resource: 'accounts' });
    const got = await client.getAccount(acct.id);
    assert.equal(got.name, 'Acme');
    assert.deepEqual(sleeps, [75, 150]);
  });

  it('throws a retryable M3terApiError once the retries are used up', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em);
    em.control.failNext(4, { type: 'status', status: 503, message: 'm3ter is down' }, { resource: 'bills' });
    const err = await client.getBill('b1').catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.deepEqual(
      [err.kind, err.status, err.code, err.detail, err.retryable, err.attempts],
      ['http', 503, 'INTERNAL_SERVER_ERROR', 'm3ter is down', true, 4],
    );
    assert.deepEqual(sleeps, [75, 150, 300]);
    assert.equal(em.control.counters().byRouteStatus['GET bills/:id 503'], 4);
  });

  it('retries a dropped connection (network error), and reports one that keeps failing', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em, { maxRetries: 2 });
    em.control.failNext(1, { type: 'drop' });
    assert.equal((await client.listAccounts()).data.length, 0);
    assert.deepEqual(sleeps, [75]);
    em.control.failNext(3, { type: 'drop' });
    const err = await client.listAccounts().catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.deepEqual([err.kind, err.status, err.retryable, err.attempts], ['network', undefined, true, 3]);
    assert.match(
      err.message,
      new RegExp(`^m3ter GET /organizations/${em.defaultOrgId}/accounts failed \\(network\\): `),
    );
  });

  it('times out a slow attempt (AbortSignal) and retries it', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em, { timeoutMs: 150, maxRetries: 1 });
    await client.listAccounts();
    em.control.failNext(1, { type: 'latency', ms: 600 });
    assert.equal((await client.listAccounts()).data.length, 0);
    assert.deepEqual(sleeps, [75]);
    em.control.failNext(2, { type: 'latency', ms: 600 });
    const started = Date.now();
    const err = await client.listAccounts().catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.deepEqual(
      [err.kind, err.retryable, err.attempts, err.detail],
      ['timeout', true, 2, 'no response within 150 ms'],
    );
    assert.ok(Date.now() - started < 600, 'did not wait for the slow responses');
  });

  it('repeats a POST only when m3ter did not process it (429, 503), not after a 500', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em);
    const request = {
      name: 'sync',
      url: 'http://127.0.0.1:3000/webhooks/m3ter',
      credentials: { type: 'M3TER_SIGNED_REQUEST' as const, apiKey: 'k', secret: 's' },
    };
    em.control.failNext(1, { type: 'status', status: 500 }, { method: 'POST' });
    const err = await client.createWebhookDestination(request).catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.deepEqual([err.status, err.attempts, err.retryable], [500, 1, true]);
    assert.deepEqual(sleeps, []);
    em.control.failNext(1, { type: 'status', status: 503 }, { method: 'POST' });
    const created = await client.createWebhookDestination(request);
    assert.equal(created.url, request.url);
    assert.deepEqual(sleeps, [75]);
    assert.equal(em.control.webhookDestinations(em.defaultOrgId).length, 1);
  });

  it('does not wait for a Retry-After beyond maxRetryAfterMs; maxRetries 0 means one attempt', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em, { maxRetryAfterMs: 10_000 });
    em.control.failNext(1, { type: 'status', status: 429, retryAfter: 120 });
    const err = await client.listAccounts().catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.deepEqual([err.status, err.retryAfterMs, err.attempts, err.retryable], [429, 120_000, 1, true]);
    assert.deepEqual(sleeps, []);
    const once = clientFor(em, { maxRetries: 0 });
    em.control.failNext(1, { type: 'status', status: 500 });
    const single = await once.client.listAccounts().catch((e: unknown) => e);
    assert.ok(single instanceof M3terApiError);
    assert.equal(single.attempts, 1);
    assert.deepEqual(once.sleeps, []);
  });

  it('retries a failing token request too', async () => {
    const em = emulator();
    const { client, sleeps } = clientFor(em);
    em.control.failNext(1, { type: 'status', status: 503 }, { resource: 'oauth' });
    em.control.failNext(1, { type: 'drop' }, { resource: 'oauth' });
    assert.equal((await client.getOrganizationConfig()).currency, 'USD');
    assert.deepEqual(sleeps, [75, 150]);
    assert.equal(em.control.counters().tokenGrants, 1);
  });
});
