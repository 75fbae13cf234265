import assert from 'node:assert/strict';
import { createPool, type Db } from '../../src/db/pool';
import {
  findCredential,
  readCredentialTokens,
  storeCredentialTokens,
} from '../../src/db/repositories/credentials';
import { listIntegrationEvents } from '../../src/db/repositories/integration-events.repository';
import {
  QuickBooksAuthError,
  QuickBooksConnector,
  type QuickBooksConnectorOptions,
} from '../../src/quickbooks/connector';
import { sweepExpiryWarnings } from '../../src/quickbooks/expiry-warnings';
import { ACME_ACCOUNT, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { connectThroughIntuit } from './helpers';

const DAY = 86_400_000;

/**
 * The token lifecycle against the emulator's OAuth server: refresh only when needed, rotation stored,
 * one refresh at a time per credential (within and across database sessions), invalid_grant → EXPIRED →
 * AUTH_FAILED runs and events → reconnect and replay, and warnings before the refresh token or the cap ends.
 */
describe('QuickBooks token lifecycle', function () {
  this.timeout(120_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
    await h.putAccount(ACME_ACCOUNT);
  });
  after(async () => h?.stop());
  // Strict rotation: a refresh token is dead the moment a newer one is issued, so any race shows as invalid_grant.
  beforeEach(() =>
    h.emulator.control.setOAuthSettings({
      rotation: 'always',
      previousRefreshTokenGraceSeconds: 0,
      accessTokenTtlSeconds: 3600,
    }),
  );

  const connector = (options: Partial<QuickBooksConnectorOptions> = {}, db: Db = h.database.db) =>
    new QuickBooksConnector({ db, secretBox: h.secretBox, endpoints: h.endpoints, ...options });
  const refreshes = () => h.emulator.control.counters().byOperation['POST oauth refresh_token'] ?? 0;
  const tokenEndpointRefusals = () => {
    const c = h.emulator.control.counters();
    return (c.byOperation['POST oauth refresh_token'] ?? 0) > 0 ? (c.byStatus['400'] ?? 0) : 0;
  };
  const homeCurrency = (c: QuickBooksConnector, credentialId: string) =>
    c.withClient(
      credentialId,
      async (client) => (await client.getPreferences()).CurrencyPrefs?.HomeCurrency?.value,
    );

  /** Marks the stored access token as expired (as our clock sees it), without touching the emulator. */
  async function expireLocally(credentialId: string): Promise<void> {
    await h.database.db.query(
      `UPDATE credentials SET access_token_expires_at = now() - interval '1 second' WHERE id = $1`,
      [credentialId],
    );
  }

  it('uses a valid access token as is, refreshes an expiring one once and stores the rotated refresh token', async () => {
    const { credentialId } = await h.connectCredential();
    // One process over the token's life: its clock reaches the last minute of the access token.
    let nowMs = Date.now();
    const c = connector({ now: () => new Date(nowMs) });
    h.emulator.control.resetCounters();
    assert.ok(await homeCurrency(c, credentialId));
    assert.ok(await homeCurrency(c, credentialId));
    assert.equal(refreshes(), 0, 'no refresh while the access token is good');

    const before = await readCredentialTokens(h.database.db, h.secretBox, credentialId);
    nowMs += 3_550_000;
    assert.ok(await homeCurrency(c, credentialId));
    assert.equal(refreshes(), 1);
    const after = await readCredentialTokens(h.database.db, h.secretBox, credentialId);
    assert.ok(before && after);
    assert.notEqual(after.refreshToken, before.refreshToken, 'the rotated refresh token was stored');
    assert.notEqual(after.accessToken, before.accessToken);
    assert.ok(Date.parse(after.accessTokenExpiresAt) > Date.now() + 3000 * 1000);
    assert.ok(after.refreshTokenHardExpiresAt, 'the hard cap is kept');
  });

  it('refreshes once and retries when QuickBooks answers 401 to a token it had expired early', async () => {
    const { credentialId, realmId } = await h.connectCredential();
    const c = connector();
    h.emulator.control.resetCounters();
    h.emulator.control.expireAccessTokens(realmId);
    assert.ok(await homeCurrency(c, credentialId));
    assert.equal(refreshes(), 1);
    assert.equal(h.emulator.control.counters().byStatus['401'], 1);
  });

  it('serialises refreshes: 40 concurrent calls over two database sessions (two "processes") make exactly one refresh', async () => {
    const { credentialId } = await h.connectCredential();
    const otherPool = createPool(h.database.url, 10);
    try {
      const processA = connector({ refreshSkewMs: 1000 });
      const processB = connector({ refreshSkewMs: 1000 }, otherPool);
      await expireLocally(credentialId);
      h.emulator.control.resetCounters();
      const names = await Promise.all(
        Array.from({ length: 40 }, (_, i) => homeCurrency(i % 2 ? processA : processB, credentialId)),
      );
      assert.equal(names.length, 40);
      assert.equal(refreshes(), 1, 'one refresh for everyone');
      assert.equal(tokenEndpointRefusals(), 0, 'no invalid_grant');
      assert.equal((await findCredential(h.database.db, credentialId))?.status, 'AUTHORIZED');
    } finally {
      await otherPool.end();
    }
  });

  it('marks the credential EXPIRED on invalid_grant and fails with QuickBooksAuthError; the app being refused leaves it alone', async () => {
    const { credentialId } = await h.connectCredential();
    const tokens = await readCredentialTokens(h.database.db, h.secretBox, credentialId);
    assert.ok(tokens);

    // Wrong client secret (invalid_client): a configuration problem, not the credential's.
    await expireLocally(credentialId);
    const misconfigured = connector({ endpoints: { ...h.endpoints, clientSecret: 'wrong' } });
    await assert.rejects(
      homeCurrency(misconfigured, credentialId),
      (err: unknown) => err instanceof QuickBooksAuthError && err.reason === 'app-rejected',
    );
    assert.equal((await findCredential(h.database.db, credentialId))?.status, 'AUTHORIZED');

    h.emulator.control.revokeToken(tokens.refreshToken);
    await assert.rejects(homeCurrency(connector(), credentialId), (err: unknown) => {
      assert.ok(err instanceof QuickBooksAuthError);
      assert.equal(err.reason, 'invalid-grant');
      assert.ok(!err.message.includes(tokens.refreshToken) && !err.message.includes(tokens.accessToken));
      return true;
    });
    assert.equal((await findCredential(h.database.db, credentialId))?.status, 'EXPIRED');
    await assert.rejects(
      homeCurrency(connector(), credentialId),
      (err: unknown) => err instanceof QuickBooksAuthError && err.reason === 'not-connected',
    );
  });

  it('a revoked connection ends runs in AUTH_FAILED with an authentication event; after reconnecting, replay completes them once each', async () => {
    const { id: integrationId, realmId, credentialId } = await h.createIntegration();
    assert.ok(credentialId);
    const tokens = await readCredentialTokens(h.database.db, h.secretBox, credentialId);
    assert.ok(tokens);
    // The company's admin disconnects the app in QuickBooks.
    h.emulator.control.revokeToken(tokens.refreshToken);
    h.emulator.control.resetCounters();

    const bills = [sampleBill(), sampleBill(), sampleBill()];
    for (const bill of bills) assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
    for (const bill of bills)
      assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'AUTH_FAILED');
    assert.equal(h.emulator.control.documents(realmId).Invoice.length, 0);
    assert.equal(refreshes(), 1, 'one refresh found out; the others saw the credential EXPIRED');
    const credential = await h.api.request<{ status: string; hasTokens: boolean }>(
      'GET',
      `/credentials/${credentialId}`,
    );
    assert.equal(credential.body.status, 'EXPIRED');
    const events = await listIntegrationEvents(h.database.db, {
      integrationId,
      eventType: 'integration.authentication.error',
    });
    assert.equal(events.length, 3);
    assert.deepEqual(new Set(events.map((e) => e.billId)), new Set(bills.map((b) => b.id)));
    assert.match(events[0]!.message, /Reconnect the QuickBooks credential/);
    const integration = await h.api.request<{ connectionStatus: string }>(
      'GET',
      `/integrations/${integrationId}`,
    );
    assert.equal(integration.body.connectionStatus, 'NOT_CONNECTED');

    // Reconnect through the connect flow (same company), then replay the failed runs.
    assert.equal((await connectThroughIntuit(h, credentialId, realmId)).response.status, 200);
    assert.equal(
      (await h.api.request<{ status: string }>('GET', `/credentials/${credentialId}`)).body.status,
      'AUTHORIZED',
    );

    const replay = await h.api.request<{ replayed: number }>(
      'POST',
      `/integrations/${integrationId}/replay`,
      { statuses: ['AUTH_FAILED'] },
    );
    assert.equal(replay.status, 202);
    assert.equal(replay.body.replayed, 3);
    for (const bill of bills) assert.equal((await h.waitForSync(integrationId, bill.id)).status, 'COMPLETE');
    const invoices = h.emulator.control.documents(realmId).Invoice as Array<{ PrivateNote?: string }>;
    assert.equal(invoices.length, 3);
    for (const bill of bills)
      assert.equal(
        invoices.filter((i) => i.PrivateNote?.includes(bill.id)).length,
        1,
        `one invoice for ${bill.id}`,
      );
    for (const bill of bills) {
      const runs = await h.runs({ integrationId, billId: bill.id });
      const replayed = runs.find((r) => r.status === 'COMPLETE');
      assert.ok(replayed?.replayedFromRunId, 'the new run points at the failed one');
    }
  });

  it('warns once per threshold before the refresh token or its 5-year cap runs out', async () => {
    const { id: integrationId, credentialId } = await h.createIntegration();
    assert.ok(credentialId);
    const tokens = await readCredentialTokens(h.database.db, h.secretBox, credentialId);
    assert.ok(tokens);
    const hardCap = new Date(Date.now() + 10 * DAY);
    await storeCredentialTokens(h.database.db, h.secretBox, credentialId, {
      ...tokens,
      refreshTokenHardExpiresAt: hardCap.toISOString(),
    });
    const warnings = async () =>
      (
        await listIntegrationEvents(h.database.db, {
          integrationId,
          eventType: 'integration.authentication.error',
        })
      ).filter((e) => e.details.kind);

    // Used by a sync: the 14-day warning, once.
    const c = connector({ expiryWarningDays: [14, 3] });
    await homeCurrency(c, credentialId);
    await homeCurrency(c, credentialId);
    await homeCurrency(connector({ expiryWarningDays: [14, 3] }), credentialId);
    let events = await warnings();
    assert.equal(events.length, 1);
    assert.deepEqual(events[0]!.details, {
      credentialId,
      kind: 'hard_cap',
      expiresAt: hardCap.toISOString(),
      thresholdDays: 14,
    });
    assert.match(events[0]!.message, /5-year limit/);
    assert.match(events[0]!.message, new RegExp(`GET /credentials/${credentialId}/connect`));
    assert.equal(
      await sweepExpiryWarnings({ db: h.database.db, thresholdsDays: [14, 3] }),
      0,
      'the sweep does not repeat it',
    );

    // A week later: inside 3 days → the 3-day warning, once.
    const later = () => new Date(Date.now() + 8 * DAY);
    await homeCurrency(connector({ expiryWarningDays: [14, 3], now: later }), credentialId).catch(
      () => undefined,
    );
    assert.equal(await sweepExpiryWarnings({ db: h.database.db, thresholdsDays: [14, 3], now: later }), 0);
    events = await warnings();
    assert.deepEqual(events.map((e) => e.details.thresholdDays).sort(), [14, 3]);

    // Reconnected (a new 5-year cap): the warnings are forgotten, so the next approach warns again.
    await storeCredentialTokens(h.database.db, h.secretBox, credentialId, {
      ...tokens,
      refreshTokenHardExpiresAt: new Date(Date.now() + 1800 * DAY).toISOString(),
    });
    await sweepExpiryWarnings({ db: h.database.db, thresholdsDays: [14, 3] });
    const { rows } = await h.database.db.query(
      'SELECT 1 FROM credential_expiry_warnings WHERE credential_id = $1',
      [credentialId],
    );
    assert.equal(rows.length, 0);
  });

  it('the periodic sweep warns about an unused credential whose rolling refresh token runs out', async () => {
    const { id: integrationId, credentialId } = await h.createIntegration();
    assert.ok(credentialId);
    await h.database.db.query(
      `UPDATE credentials SET refresh_token_expires_at = now() + interval '5 days' WHERE id = $1`,
      [credentialId],
    );
    assert.ok((await sweepExpiryWarnings({ db: h.database.db, thresholdsDays: [14, 3] })) >= 1);
    await sweepExpiryWarnings({ db: h.database.db, thresholdsDays: [14, 3] });
    const events = (
      await listIntegrationEvents(h.database.db, {
        integrationId,
        eventType: 'integration.authentication.error',
      })
    ).filter((e) => e.details.kind);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.details.kind, 'refresh_token');
    assert.equal(events[0]!.details.thresholdDays, 14);
    assert.match(events[0]!.message, /refresh token expires on/);
  });
});
