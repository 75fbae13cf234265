import assert from 'node:assert/strict';
import { M3terEmulatorControlClient } from '../../emulators/m3ter';
import { api, http, token, useM3terEmulator } from './helpers';

describe('m3ter emulator: fault injection and counters', () => {
  const emulator = useM3terEmulator({ seed: 7 });

  it('answers the next matching request with 429 and Retry-After (seconds or a date), then normally', async () => {
    const em = emulator();
    const t = await token(em);
    em.control.failNext(1, { type: 'status', status: 429, retryAfter: 2 }, { resource: 'bills' });
    em.control.failNext(1, { type: 'status', status: 429, retryAfter: 'Wed, 21 Oct 2026 07:28:00 GMT' });
    const accounts = await api(em, t, '/accounts');
    assert.equal(accounts.status, 429, 'the unmatched first fault waits for a bills request');
    assert.equal(accounts.headers.get('retry-after'), 'Wed, 21 Oct 2026 07:28:00 GMT');
    const throttled = await api(em, t, '/bills');
    assert.equal(throttled.status, 429);
    assert.equal(throttled.headers.get('retry-after'), '2');
    assert.deepEqual(throttled.json(), {
      code: 'TOO_MANY_REQUESTS',
      message: 'injected by the emulator (HTTP 429)',
    });
    assert.equal((await api(em, t, '/bills')).status, 200);
    assert.deepEqual(em.control.faults().queue, []);
    const c = em.control.counters();
    assert.equal(c.throttled, 2);
    assert.equal(c.faultsInjected, 2);
    assert.deepEqual(c.byRouteStatus, {
      'POST oauth/token 200': 1,
      'GET accounts 429': 1,
      'GET bills 429': 1,
      'GET bills 200': 1,
    });
  });

  it('matches by method, path and org; a count; 5xx; faults on the token endpoint only when aimed at it', async () => {
    const em = emulator();
    const acct = em.control.createAccount(em.defaultOrgId, { code: 'a', name: 'A' });
    em.control.failNext(1, { type: 'status', status: 500 }, { resource: 'oauth' });
    const tokenFailure = await http(em.tokenUrl, { method: 'POST' });
    assert.equal(tokenFailure.status, 500);
    const t = await token(em);
    const path = `/organizations/${em.defaultOrgId}/accounts/${acct.id}`;
    em.control.failNext(2, { type: 'status', status: 502, message: 'bad gateway' }, { method: 'GET', path });
    assert.equal((await api(em, t, '/accounts')).status, 200);
    const first = await api(em, t, `/accounts/${acct.id}`);
    assert.equal(first.status, 502);
    assert.deepEqual(first.json(), { code: 'INTERNAL_SERVER_ERROR', message: 'bad gateway' });
    assert.equal((await api(em, t, `/accounts/${acct.id}`)).status, 502);
    assert.equal((await api(em, t, `/accounts/${acct.id}`)).status, 200);
    em.control.failNext(1, { type: 'status', status: 503 }, { orgId: 'other-org' });
    assert.equal((await api(em, t, '/accounts')).status, 200);
    assert.equal(em.control.faults().queue.length, 1);
  });

  it('drops the connection without a response, and adds latency', async () => {
    const em = emulator();
    const t = await token(em);
    em.control.failNext(1, { type: 'drop' });
    const dropped = await api(em, t, '/bills').catch((e: unknown) => e);
    assert.ok(dropped instanceof TypeError, String(dropped));
    em.control.failNext(1, { type: 'latency', ms: 300 });
    const started = Date.now();
    assert.equal((await api(em, t, '/bills')).status, 200);
    assert.ok(Date.now() - started >= 290);
    const c = em.control.counters();
    assert.equal(c.dropped, 1);
    assert.equal(c.byStatus.dropped, 1);
    assert.equal(c.faultsInjected, 2);
  });

  it('draws share-based faults from the seed: the same seed gives the same sequence', async () => {
    const em = emulator();
    const t = await token(em);
    const run = async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 20; i += 1) statuses.push((await api(em, t, '/products')).status);
      return statuses;
    };
    em.control.setFaults({ errorShare: 0.3, errorStatuses: [500, 503], throttleShare: 0.2 });
    const first = await run();
    em.control.clearFaults();
    em.control.setFaults({ errorShare: 0.3, errorStatuses: [500, 503], throttleShare: 0.2 });
    const second = await run();
    assert.deepEqual(second, first);
    assert.ok(first.some((s) => s !== 200) && first.some((s) => s === 200), first.join(','));
    assert.ok(first.every((s) => [200, 429, 500, 503].includes(s)));
    em.control.clearFaults();
    assert.deepEqual(em.control.faults(), { settings: {}, queue: [] });
  });

  it('takes faults over HTTP too (the control client)', async () => {
    const em = emulator();
    const control = new M3terEmulatorControlClient(em.url);
    await control.failNext(
      1,
      { type: 'status', status: 429, retryAfter: 1 },
      { resource: 'bills', method: 'GET' },
    );
    assert.deepEqual((await control.faults()).queue, [
      {
        action: { type: 'status', status: 429, retryAfter: 1 },
        match: { resource: 'bills', method: 'GET' },
        remaining: 1,
      },
    ]);
    const t = await token(em);
    assert.equal((await api(em, t, '/bills')).status, 429);
    await control.resetCounters();
    assert.equal((await control.counters()).total, 0);
  });
});
