import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readCredentialTokens, type Credential } from '../../src/db/repositories/credentials';
import { ACME_ACCOUNT, sampleBill } from '../support/bills';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { authorizeAtIntuit, callback, connectThroughIntuit, startConnect } from './helpers';

/**
 * The OAuth 2.0 connect flow over HTTP, end to end, with the emulator standing in for Intuit: the service's
 * connect endpoint → Intuit's authorize page (auto-approved by the emulator) → the service's callback → tokens
 * stored sealed, AUTHORIZED → a bill syncs with them; disconnect revokes the grant at Intuit.
 */
describe('QuickBooks connect flow (HTTP, emulator as Intuit)', function () {
  this.timeout(120_000);
  let h: SyncHarness;

  before(async () => {
    h = await startSyncHarness();
    await h.putAccount(ACME_ACCOUNT);
  });
  after(async () => h?.stop());

  async function createCredential(name = 'US company'): Promise<Credential> {
    const res = await h.api.request<Credential>('POST', '/credentials', { name, destination: 'QuickBooks' });
    assert.equal(res.status, 201);
    return res.body;
  }

  async function getCredential(id: string): Promise<Credential> {
    return (await h.api.request<Credential>('GET', `/credentials/${id}`)).body;
  }

  const errorCode = (body: Record<string, unknown>) => (body.error as { code?: string } | undefined)?.code;

  it('connects a credential through Intuit, syncs a bill with it, and disconnect revokes the grant', async () => {
    const realmId = h.emulator.control.createRealm().realmId;
    const credential = await createCredential();
    assert.equal(credential.status, 'PENDING_AUTHORIZATION');

    // 1. The service sends the operator to Intuit with the accounting scope and a fresh state.
    const authorize = await startConnect(h, credential.id);
    assert.equal(`${authorize.origin}${authorize.pathname}`, h.emulator.oauth.authorizeUrl);
    assert.equal(authorize.searchParams.get('scope'), 'com.intuit.quickbooks.accounting');
    assert.equal(authorize.searchParams.get('response_type'), 'code');
    assert.equal(authorize.searchParams.get('client_id'), h.emulator.oauth.clientId);
    assert.equal(authorize.searchParams.get('redirect_uri'), `${h.api.baseUrl}/oauth/quickbooks/callback`);
    const state = authorize.searchParams.get('state') ?? '';
    assert.match(state, /^[A-Za-z0-9_-]{43}$/, '256 random bits, base64url');
    // Only a hash of the state is stored.
    const stored = await h.database.db.query<{ state_hash: string; credential_id: string }>(
      'SELECT state_hash, credential_id FROM oauth_states',
    );
    assert.deepEqual(
      stored.rows.map((r) => [r.state_hash, r.credential_id]),
      [[createHash('sha256').update(state).digest('hex'), credential.id]],
    );

    // 2. Intuit sends the browser back to the service's callback with code, state and realmId.
    const back = await authorizeAtIntuit(authorize, realmId);
    assert.equal(`${back.origin}${back.pathname}`, `${h.api.baseUrl}/oauth/quickbooks/callback`);
    assert.equal(back.searchParams.get('state'), state);
    assert.equal(back.searchParams.get('realmId'), realmId);
    assert.ok(back.searchParams.get('code'));

    // 3. The callback exchanges the code and stores the tokens: a small HTML page for the browser.
    const done = await callback(back, 'text/html');
    assert.equal(done.status, 200, done.text);
    assert.match(done.headers.get('content-type') ?? '', /text\/html/);
    assert.equal(done.headers.get('cache-control'), 'no-store');
    assert.equal(done.headers.get('referrer-policy'), 'no-referrer');
    assert.match(done.text, /QuickBooks connected/);
    assert.match(done.text, new RegExp(`company ${realmId}`));
    const connected = await getCredential(credential.id);
    assert.equal(connected.status, 'AUTHORIZED');
    assert.equal(connected.realmId, realmId);
    assert.equal(connected.hasTokens, true);
    assert.ok(connected.accessTokenExpiresAt && Date.parse(connected.accessTokenExpiresAt) > Date.now());
    assert.ok(
      connected.refreshTokenExpiresAt &&
        Date.parse(connected.refreshTokenExpiresAt) > Date.now() + 90 * 86_400_000,
    );
    assert.ok(connected.refreshTokenHardExpiresAt, 'the 5-year cap is asked for and stored');
    const tokens = await readCredentialTokens(h.database.db, h.secretBox, credential.id);
    assert.ok(tokens);
    for (const text of [done.text, JSON.stringify(connected)]) {
      assert.ok(
        !text.includes(tokens.accessToken) && !text.includes(tokens.refreshToken),
        'no token in the page or the API',
      );
    }
    const sealed = await h.database.db.query<{ a: string; r: string }>(
      'SELECT access_token_sealed a, refresh_token_sealed r FROM credentials WHERE id = $1',
      [credential.id],
    );
    assert.ok(
      !sealed.rows[0]!.a.includes(tokens.accessToken) && !sealed.rows[0]!.r.includes(tokens.refreshToken),
      'sealed at rest',
    );

    // The same callback again (a replayed or leaked URL) is refused and changes nothing.
    const replayed = await callback(back);
    assert.equal(replayed.status, 400);
    assert.equal(errorCode(replayed.body), 'INVALID_STATE');
    assert.deepEqual(await readCredentialTokens(h.database.db, h.secretBox, credential.id), tokens);

    // 4. Attached to an integration it is CONNECTED, and a bill syncs with the tokens it got.
    const { id: integrationId } = await h.createIntegration({}, { credentialId: credential.id, realmId });
    const integration = await h.api.request<{ connectionStatus: string }>(
      'GET',
      `/integrations/${integrationId}`,
    );
    assert.equal(integration.body.connectionStatus, 'CONNECTED');
    const bill = sampleBill();
    assert.equal((await h.sendWebhook(h.billEvent(bill))).status, 202);
    const result = await h.waitForSync(integrationId, bill.id);
    assert.equal(result.status, 'COMPLETE');
    const invoices = h.emulator.control.documents(realmId).Invoice;
    assert.equal(invoices.length, 1);
    assert.equal(invoices[0]!.Id, result.externalId);

    // 5. Disconnect revokes at Intuit: the old refresh token is refused from now on.
    const before = await readCredentialTokens(h.database.db, h.secretBox, credential.id);
    assert.ok(before);
    const disconnected = await h.api.request<Credential>('POST', `/credentials/${credential.id}/disconnect`);
    assert.equal(disconnected.status, 200);
    assert.equal(disconnected.body.status, 'REVOKED');
    assert.equal(disconnected.body.hasTokens, false);
    assert.ok(!disconnected.text.includes(before.refreshToken));
    const refresh = await fetch(h.emulator.oauth.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${h.emulator.oauth.clientId}:${h.emulator.oauth.clientSecret}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: before.refreshToken }),
    });
    assert.equal(refresh.status, 400);
    assert.equal(((await refresh.json()) as { error: string }).error, 'invalid_grant');
    const api = await fetch(`${h.emulator.v3BaseUrl}${realmId}/companyinfo/${realmId}`, {
      headers: { authorization: `Bearer ${before.accessToken}`, accept: 'application/json' },
    });
    assert.equal(api.status, 401, 'the access token of the revoked grant is dead too');
    const after = await h.api.request<{ connectionStatus: string }>('GET', `/integrations/${integrationId}`);
    assert.equal(after.body.connectionStatus, 'NOT_CONNECTED');

    // Disconnecting again is harmless.
    const again = await h.api.request<Credential>('POST', `/credentials/${credential.id}/disconnect`);
    assert.equal(again.status, 200);
    assert.equal(again.body.status, 'REVOKED');

    // 6. Reconnecting (same company) works again and syncs.
    const { response: reconnect } = await connectThroughIntuit(h, credential.id, realmId);
    assert.equal(reconnect.status, 200);
    assert.equal((reconnect.body.credential as Credential).status, 'AUTHORIZED');
    const second = sampleBill();
    await h.sendWebhook(h.billEvent(second));
    assert.equal((await h.waitForSync(integrationId, second.id)).status, 'COMPLETE');
    assert.equal(h.emulator.control.documents(realmId).Invoice.length, 2);
  });

  it('answers JSON with the authorize URL when asked, and needs the API key', async () => {
    const credential = await createCredential();
    const res = await h.api.request<{ authorizeUrl: string; expiresAt: string }>(
      'GET',
      `/credentials/${credential.id}/connect`,
      undefined,
      { accept: 'application/json' },
    );
    assert.equal(res.status, 200);
    assert.ok(res.body.authorizeUrl.startsWith(h.emulator.oauth.authorizeUrl));
    const ttl = Date.parse(res.body.expiresAt) - Date.now();
    assert.ok(ttl > 9 * 60_000 && ttl <= 10 * 60_000, `state lives 10 minutes (${ttl})`);

    const anonymous = await fetch(`${h.api.baseUrl}/credentials/${credential.id}/connect`, {
      redirect: 'manual',
    });
    assert.equal(anonymous.status, 401);
    const unknown = await h.api.request(
      'GET',
      '/credentials/00000000-0000-4000-8000-000000000000/connect',
      undefined,
      { accept: 'application/json' },
    );
    assert.equal(unknown.status, 404);
    const openapi = (await (await fetch(`${h.api.baseUrl}/openapi.json`)).json()) as {
      paths: Record<string, object>;
    };
    for (const route of [
      '/credentials/{id}/connect',
      '/credentials/{id}/disconnect',
      '/oauth/quickbooks/callback',
    ]) {
      assert.ok(openapi.paths[route], `${route} is documented`);
    }
    const anonymousDisconnect = await fetch(`${h.api.baseUrl}/credentials/${credential.id}/disconnect`, {
      method: 'POST',
    });
    assert.equal(anonymousDisconnect.status, 401);
  });

  it('refuses a missing, forged, expired or replayed state and a declined authorization, storing nothing', async () => {
    const realmId = h.emulator.control.createRealm().realmId;
    const credential = await createCredential();
    const unchanged = async () => {
      const c = await getCredential(credential.id);
      assert.equal(c.status, 'PENDING_AUTHORIZATION');
      assert.equal(c.hasTokens, false);
      assert.equal(c.realmId, null);
    };
    const base = `${h.api.baseUrl}/oauth/quickbooks/callback`;

    // No state, a forged one.
    const back = await authorizeAtIntuit(await startConnect(h, credential.id), realmId);
    const noState = new URL(back);
    noState.searchParams.delete('state');
    assert.equal(errorCode((await callback(noState)).body), 'INVALID_STATE');
    const forged = new URL(back);
    forged.searchParams.set('state', 'A'.repeat(43));
    const forgedRes = await callback(forged, 'text/html');
    assert.equal(forgedRes.status, 400);
    assert.match(forgedRes.text, /QuickBooks was not connected/);
    await unchanged();

    // Expired: the authorization took longer than the state lives. The state is used up all the same.
    await h.database.db.query(
      `UPDATE oauth_states SET expires_at = now() - interval '1 second' WHERE credential_id = $1`,
      [credential.id],
    );
    const expired = await callback(back);
    assert.equal(expired.status, 400);
    assert.equal(errorCode(expired.body), 'EXPIRED_STATE');
    assert.equal(errorCode((await callback(back)).body), 'INVALID_STATE');
    await unchanged();

    // Declined at Intuit (error=access_denied).
    const denied = await authorizeAtIntuit(await startConnect(h, credential.id), realmId, 'deny');
    assert.equal(denied.searchParams.get('error'), 'access_denied');
    const deniedRes = await callback(denied);
    assert.equal(deniedRes.status, 400);
    assert.equal(errorCode(deniedRes.body), 'ACCESS_DENIED');
    await unchanged();

    // A code Intuit refuses (tampered): 400, state used up, nothing stored.
    const good = await authorizeAtIntuit(await startConnect(h, credential.id), realmId);
    const tampered = new URL(good);
    tampered.searchParams.set('code', 'AB11-not-a-code');
    const refused = await callback(tampered);
    assert.equal(refused.status, 400);
    assert.equal(errorCode(refused.body), 'CODE_REJECTED');
    await unchanged();

    // Malformed parameters.
    assert.equal((await callback(`${base}?state=${'x'.repeat(500)}`)).status, 400);
    const { rows } = await h.database.db.query('SELECT 1 FROM oauth_states WHERE credential_id = $1', [
      credential.id,
    ]);
    assert.equal(rows.length, 0, 'every state was used up');
  });

  it('keeps a credential on its company: a callback for another realm is refused', async () => {
    const realmA = h.emulator.control.createRealm().realmId;
    const realmB = h.emulator.control.createRealm().realmId;
    const credential = await createCredential();
    assert.equal((await connectThroughIntuit(h, credential.id, realmA)).response.status, 200);
    const before = await readCredentialTokens(h.database.db, h.secretBox, credential.id);
    const { response: other } = await connectThroughIntuit(h, credential.id, realmB);
    assert.equal(other.status, 409);
    assert.equal(errorCode(other.body), 'REALM_MISMATCH');
    assert.deepEqual(await readCredentialTokens(h.database.db, h.secretBox, credential.id), before);
    assert.equal((await getCredential(credential.id)).realmId, realmA);
  });

  it('leaves everything as it was when Intuit cannot revoke (502)', async () => {
    const realmId = h.emulator.control.createRealm().realmId;
    const credential = await createCredential();
    assert.equal((await connectThroughIntuit(h, credential.id, realmId)).response.status, 200);
    const before = await readCredentialTokens(h.database.db, h.secretBox, credential.id);
    h.emulator.control.enqueueFaults([
      { action: { type: 'status', status: 401 }, match: { target: 'oauth', entity: 'revoke' } },
    ]);
    const res = await h.api.request<{ error: { code: string; message: string } }>(
      'POST',
      `/credentials/${credential.id}/disconnect`,
    );
    assert.equal(res.status, 502);
    assert.equal(res.body.error.code, 'QUICKBOOKS_UNAVAILABLE');
    assert.ok(before && !res.text.includes(before.refreshToken));
    assert.equal((await getCredential(credential.id)).status, 'AUTHORIZED');
    assert.deepEqual(await readCredentialTokens(h.database.db, h.secretBox, credential.id), before);
  });
});
