import assert from 'node:assert/strict';
import { startEmulator } from '../../emulators/quickbooks';
import { EmulatorControlClient, EmulatorControlError } from '../../emulators/quickbooks/control-client';
import { connect, line, networkError, ok, useEmulator } from './helpers';

describe('QBO emulator: HTTP control client', () => {
  const emulator = useEmulator();

  it('drives the same controls over HTTP', async () => {
    const em = emulator();
    const control = new EmulatorControlClient(em.url);
    assert.deepEqual(await control.health(), { ok: true, defaultRealmId: em.defaultRealmId });
    const realm = await control.createRealm('555000111', { companyName: 'Bench Co' });
    assert.equal(realm.realmId, '555000111');
    assert.equal(realm.documentCounts.Item, 5);
    const tokens = await control.mintTokens(realm.realmId);
    assert.equal(tokens.realmId, realm.realmId);
    const qbo = connect(em, realm.realmId, tokens.access_token);
    const info = await ok((cb) => qbo.getCompanyInfo(realm.realmId, cb));
    assert.equal(info.CompanyName, 'Bench Co');

    const inv = await ok((cb) => qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(40)] }, cb));
    const paid = await control.applyPayment(realm.realmId, 'Invoice', String(inv.Id), 15);
    assert.equal(paid.Balance, 25);
    const docs = await control.documents(realm.realmId);
    assert.equal(docs.Invoice.length, 1);
    assert.equal(docs.Invoice[0]?.Balance, 25);

    const settings = await control.setMultiCurrency(realm.realmId, true);
    assert.equal(settings.multiCurrency, true);
    await control.setExchangeRate(realm.realmId, 'EUR', 1.5);

    await control.failNext(1, { type: 'status', status: 500 }, { realmId: realm.realmId });
    assert.equal((await control.faults()).queue.length, 1);
    await control.setFaults({ errorShare: 0.5 }, realm.realmId);
    assert.deepEqual((await control.faults()).realms[realm.realmId], { errorShare: 0.5 });
    await control.clearFaults();
    assert.deepEqual(await control.faults(), { global: {}, realms: {}, queue: [] });

    const limits = await control.setLimits({ enabled: true, maxConcurrent: 3 }, realm.realmId);
    assert.deepEqual(limits, {
      enabled: true,
      requestsPerMinute: 500,
      maxConcurrent: 3,
      batchesPerMinute: 40,
    });

    const before = await control.clock.now();
    const after = await control.clock.advance(3_600_000);
    assert.ok(after.nowMs - before.nowMs >= 3_600_000);
    assert.equal(await control.expireAccessTokens(), 0, 'the hour already expired them');
    const counters = await control.counters();
    assert.equal(counters.byOperation['POST invoice create'], 1);
    await control.resetCounters();
    assert.equal((await control.counters()).total, 0);

    await control.registerClient({ clientId: 'other-app', clientSecret: 's3cret' });
    assert.ok((await control.clients()).some((c) => c.clientId === 'other-app'));
    const oauth = await control.setOAuthSettings({ accessTokenTtlSeconds: 60 });
    assert.equal(oauth.accessTokenTtlSeconds, 60);

    await control.reset();
    assert.deepEqual(
      (await control.realms()).map((r) => r.realmId),
      [em.defaultRealmId],
    );
  });

  it('reports bad control requests as EmulatorControlError with the status', async () => {
    const control = new EmulatorControlClient(emulator().url);
    await assert.rejects(
      control.setFaults({ errorShare: 2 }),
      (e: unknown) => e instanceof EmulatorControlError && e.status === 400,
    );
    await assert.rejects(
      control.setMultiCurrency('bad realm!', true),
      (e: unknown) => e instanceof EmulatorControlError && e.status === 400,
    );
  });

  it('stop() closes open connections', async () => {
    const em = await startEmulator();
    const tokens = em.control.mintTokens(em.defaultRealmId);
    const qbo = connect(em, em.defaultRealmId, tokens.access_token);
    em.control.failNext(1, { type: 'latency', ms: 5_000 });
    const pending = networkError((cb) => qbo.getPreferences(cb));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const t = Date.now();
    await em.stop();
    assert.ok(Date.now() - t < 1000);
    assert.match(await pending, /ECONNRESET|ECONNREFUSED|ERR/);
  });
});
