import assert from 'node:assert/strict';
import { M3terApiError, refreshMarginMs } from '../../src/m3ter';
import { clientFor, useM3terEmulator } from './helpers';

describe('m3ter client: client-credentials token', () => {
  const emulator = useM3terEmulator();

  it('sends Basic apiKey:apiSecret with a JSON client_credentials body, then Bearer the token', async () => {
    const em = emulator();
    const { client, authorizations, bodies } = clientFor(em);
    await client.getOrganizationConfig();
    assert.deepEqual(bodies, ['{"grant_type":"client_credentials"}', undefined]);
    const basic = Buffer.from(`${em.credentials.apiKey}:${em.credentials.apiSecret}`).toString('base64');
    assert.equal(authorizations[0], `Basic ${basic}`);
    assert.match(authorizations[1] ?? '', /^Bearer m3emu_/);
    assert.deepEqual(em.control.counters().byRoute, { 'POST oauth/token': 1, 'GET organizationconfig': 1 });
  });

  it('caches the token and refreshes it 5 minutes before expiry (movable clock)', async () => {
    const em = emulator();
    const { client } = clientFor(em);
    await client.getOrganizationConfig();
    await client.getOrganizationConfig();
    assert.equal(em.control.counters().tokenGrants, 1);
    em.control.clock.advance(18_000_000 - 300_000 - 1_000);
    await client.getOrganizationConfig();
    assert.equal(em.control.counters().tokenGrants, 1, 'still fresh 5 min + 1 s before expiry');
    em.control.clock.advance(1_000);
    await client.getOrganizationConfig();
    assert.equal(em.control.counters().tokenGrants, 2, 'refreshed 5 min before expiry');
    assert.equal(em.control.counters().unauthorized, 0);
  });

  it('refreshes at half the lifetime when that is shorter than 5 minutes', async () => {
    const em = emulator();
    assert.equal(refreshMarginMs(18_000_000), 300_000);
    assert.equal(refreshMarginMs(300_000), 150_000);
    em.control.setAuthSettings({ tokenTtlSeconds: 300 });
    const { client } = clientFor(em);
    await client.getOrganizationConfig();
    em.control.clock.advance(149_000);
    await client.getOrganizationConfig();
    assert.equal(em.control.counters().tokenGrants, 1);
    em.control.clock.advance(1_000);
    await client.getOrganizationConfig();
    assert.equal(em.control.counters().tokenGrants, 2);
  });

  it('makes one token request for many concurrent calls, also when they all need a refresh', async () => {
    const em = emulator();
    const { client } = clientFor(em);
    const results = await Promise.all(Array.from({ length: 20 }, () => client.getOrganizationConfig()));
    assert.equal(results.length, 20);
    assert.ok(results.every((r) => r.currency === 'USD'));
    assert.equal(em.control.counters().tokenGrants, 1);
    em.control.clock.advance(18_000_000);
    await Promise.all(Array.from({ length: 10 }, () => client.listBills()));
    const c = em.control.counters();
    assert.equal(c.tokenGrants, 2);
    assert.equal(c.unauthorized, 0);
    assert.equal(c.byRoute['GET bills'], 10);
  });

  it('on a 401 refreshes once and retries the call', async () => {
    const em = emulator();
    const { client } = clientFor(em);
    await client.getOrganizationConfig();
    assert.equal(em.control.expireTokens(), 1);
    const config = await client.getOrganizationConfig();
    assert.equal(config.currency, 'USD');
    const c = em.control.counters();
    assert.equal(c.unauthorized, 1);
    assert.equal(c.tokenGrants, 2);
    assert.deepEqual(c.byRouteStatus, {
      'POST oauth/token 200': 2,
      'GET organizationconfig 200': 2,
      'GET organizationconfig 401': 1,
    });
  });

  it('gives up with a 401 M3terApiError when the calls with three new tokens are refused too', async () => {
    const em = emulator();
    const { client } = clientFor(em);
    em.control.failNext(4, { type: 'status', status: 401, message: 'token rejected' });
    const err = await client.getAccount('a1').catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.equal(err.status, 401);
    assert.equal(err.kind, 'http');
    assert.equal(err.code, 'UNAUTHORIZED');
    assert.equal(err.retryable, false);
    assert.equal(err.path, `/organizations/${em.defaultOrgId}/accounts/a1`);
    assert.equal(
      err.message,
      `m3ter GET /organizations/${em.defaultOrgId}/accounts/a1 failed (HTTP 401 UNAUTHORIZED): token rejected`,
    );
    assert.equal(em.control.counters().tokenGrants, 4);
    assert.equal(em.control.counters().faultsInjected, 4);
  });

  it('reports bad credentials as a 401 from /oauth/token', async () => {
    const em = emulator();
    const { client } = clientFor(em, { apiSecret: 'not-the-secret' });
    const err = await client.listAccounts().catch((e: unknown) => e);
    assert.ok(err instanceof M3terApiError);
    assert.deepEqual(
      [err.kind, err.status, err.code, err.path, err.detail, err.retryable, err.attempts],
      ['http', 401, 'invalid_client', '/oauth/token', 'Bad credentials', false, 1],
    );
    assert.equal(em.control.counters().api, 0);
  });

  it('keeps using a still valid token when an early refresh fails', async () => {
    const em = emulator();
    const { client } = clientFor(em);
    await client.getOrganizationConfig();
    em.control.clock.advance(18_000_000 - 60_000);
    em.control.failNext(
      1,
      { type: 'status', status: 400, message: 'token service hiccup' },
      { resource: 'oauth' },
    );
    const config = await client.getOrganizationConfig();
    assert.equal(config.currency, 'USD');
    assert.equal(em.control.counters().tokenGrants, 1);
    assert.equal(em.control.counters().unauthorized, 0);
    await client.getOrganizationConfig();
    assert.equal(em.control.counters().tokenGrants, 2, 'the next call refreshes');
  });
});
