import assert from 'node:assert/strict';
import OAuthClient from 'intuit-oauth';
import QuickBooks from 'node-quickbooks';
import type { RunningEmulator } from '../../emulators/quickbooks';
import { asJson, connect, fails, http, ok, qboCall, useEmulator } from './helpers';

const REDIRECT = 'http://localhost:7777/callback';
const REALM = '4620816365270012345';

function oauthClient(
  em: RunningEmulator,
  overrides: { clientSecret?: string; redirectUri?: string; hard?: boolean } = {},
): OAuthClient {
  const client = new OAuthClient({
    clientId: em.oauth.clientId,
    clientSecret: overrides.clientSecret ?? em.oauth.clientSecret,
    environment: 'sandbox',
    redirectUri: overrides.redirectUri ?? REDIRECT,
    includeRefreshTokenHardExpiresIn: overrides.hard ?? false,
  });
  client.setAuthorizeURLs({
    authorizeEndpoint: em.oauth.authorizeUrl,
    tokenEndpoint: em.oauth.tokenUrl,
    revokeEndpoint: em.oauth.revokeUrl,
    userInfoEndpoint: em.oauth.userInfoUrl,
  });
  return client;
}

/** Follows the (auto-approved) authorize redirect and returns the callback URL. */
async function authorize(client: OAuthClient, extra = `&realmId=${REALM}`): Promise<string> {
  const url =
    client.authorizeUri({
      scope: [OAuthClient.scopes.Accounting, OAuthClient.scopes.OpenId],
      state: 'csrf-123',
    }) + extra;
  const res = await http(url);
  assert.equal(res.status, 302, res.text);
  const location = res.headers.get('location');
  assert.ok(location);
  return location;
}

async function oauthError(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (e) {
    assert.ok(typeof e === 'object' && e !== null && 'error' in e, String(e));
    return String((e as { error: unknown }).error);
  }
  return assert.fail('expected the OAuth call to fail');
}

describe('QBO emulator: OAuth 2.0 through intuit-oauth and node-quickbooks', () => {
  const emulator = useEmulator({ clockStart: '2026-05-01T12:00:00Z' });

  it('authorizes (auto-approved) with code, state and the chosen realm, then exchanges the code once', async () => {
    const em = emulator();
    const client = oauthClient(em);
    const callback = await authorize(client);
    const params = new URL(callback).searchParams;
    assert.equal(`${new URL(callback).origin}${new URL(callback).pathname}`, REDIRECT);
    assert.equal(params.get('state'), 'csrf-123');
    assert.equal(params.get('realmId'), REALM);
    assert.ok(params.get('code'));

    const auth = await client.createToken(callback);
    const json = asJson(auth.getJson());
    assert.equal(json.token_type, 'bearer');
    assert.equal(json.expires_in, 3600);
    assert.equal(json.x_refresh_token_expires_in, 8726400);
    assert.equal(json.x_refresh_token_hard_expires_in, undefined);
    assert.equal(client.getToken().realmId, REALM);

    const qbo = connect(em, REALM, String(json.access_token));
    const info = await ok((cb) => qbo.getCompanyInfo(REALM, cb));
    assert.equal(info.Country, 'US');

    assert.equal(await oauthError(client.createToken(callback)), 'invalid_grant');
  });

  it('uses the default realm when the authorize request names none, and rejects unknown clients', async () => {
    const em = emulator();
    const callback = await authorize(oauthClient(em), '');
    assert.equal(new URL(callback).searchParams.get('realmId'), em.defaultRealmId);
    const unknown = await http(
      `${em.oauth.authorizeUrl}?client_id=nobody&response_type=code&scope=x&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    assert.equal(unknown.status, 400);
    assert.equal(unknown.json().error, 'invalid_client');
    assert.ok(unknown.headers.get('intuit_tid'));
    const denied = await authorize(oauthClient(em), '&emulator_decision=deny');
    assert.equal(new URL(denied).searchParams.get('error'), 'access_denied');
  });

  it('binds the code to its redirect_uri and checks the client secret', async () => {
    const em = emulator();
    const callback = await authorize(oauthClient(em));
    assert.equal(
      await oauthError(oauthClient(em, { redirectUri: 'http://localhost:7777/other' }).createToken(callback)),
      'invalid_grant',
    );
    const again = await authorize(oauthClient(em));
    assert.equal(
      await oauthError(oauthClient(em, { clientSecret: 'wrong' }).createToken(again)),
      'invalid_client',
    );
    const raw = await http(em.oauth.tokenUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('x:y').toString('base64')}`,
      },
      body: 'grant_type=refresh_token&refresh_token=abc',
    });
    assert.equal(raw.status, 401);
    assert.equal(raw.json().error, 'invalid_client');
    assert.ok(raw.headers.get('intuit_tid'));
  });

  it('reports the hard expiry when asked with x-include-refresh-token-hard-expires-in', async () => {
    const em = emulator();
    const client = oauthClient(em, { hard: true });
    const auth = await client.createToken(await authorize(client));
    assert.equal(asJson(auth.getJson()).x_refresh_token_hard_expires_in, 5 * 365 * 24 * 3600);
    em.control.clock.advance(1000 * 1000);
    const refreshed = await client.refreshUsingToken(client.getToken().refresh_token);
    assert.equal(asJson(refreshed.getJson()).x_refresh_token_hard_expires_in, 5 * 365 * 24 * 3600 - 1000);
  });

  it('rotates refresh tokens; the previous one keeps working for 24 h, then invalid_grant', async () => {
    const em = emulator();
    const client = oauthClient(em);
    await client.createToken(await authorize(client));
    const rt1 = client.getToken().refresh_token;
    const r2 = await client.refreshUsingToken(rt1);
    const rt2 = String(asJson(r2.getJson()).refresh_token);
    assert.notEqual(rt2, rt1);
    em.control.clock.advance(23 * 3600 * 1000);
    const r3 = await client.refreshUsingToken(rt1);
    const rt3 = String(asJson(r3.getJson()).refresh_token);
    assert.notEqual(rt3, rt2);
    em.control.clock.advance(3600 * 1000 + 1);
    // rt1 was replaced 24 h ago; rt2 only 1 h ago (by rt3), so it has 23 h left.
    assert.equal(await oauthError(client.refreshUsingToken(rt1)), 'invalid_grant');
    const r4 = await client.refreshUsingToken(rt3);
    assert.equal(asJson(r4.getJson()).expires_in, 3600);
    em.control.clock.advance(23 * 3600 * 1000);
    assert.equal(await oauthError(client.refreshUsingToken(rt2)), 'invalid_grant');
    await client.refreshUsingToken(String(asJson(r4.getJson()).refresh_token));
  });

  it('can keep the refresh token (rotation "never") or rotate it daily', async () => {
    const em = emulator();
    em.control.setOAuthSettings({ rotation: 'never' });
    const client = oauthClient(em);
    await client.createToken(await authorize(client));
    const rt = client.getToken().refresh_token;
    em.control.clock.advance(10_000);
    const same = asJson((await client.refreshUsingToken(rt)).getJson());
    assert.equal(same.refresh_token, rt);
    assert.equal(same.x_refresh_token_expires_in, 8726400 - 10);
    em.control.setOAuthSettings({ rotation: 'daily' });
    assert.equal(asJson((await client.refreshUsingToken(rt)).getJson()).refresh_token, rt);
    em.control.clock.advance(24 * 3600 * 1000);
    assert.notEqual(asJson((await client.refreshUsingToken(rt)).getJson()).refresh_token, rt);
  });

  it('expires access tokens after 3600 s on the emulator clock; a refresh fixes it (node-quickbooks refreshAccessToken)', async () => {
    const em = emulator();
    const tokens = em.control.mintTokens(REALM);
    const qbo = connect(em, REALM, tokens.access_token, tokens.refresh_token);
    await ok((cb) => qbo.getPreferences(cb));
    em.control.clock.advance(3599 * 1000);
    await ok((cb) => qbo.getPreferences(cb));
    em.control.clock.advance(1000);
    const expired = await fails((cb) => qbo.getPreferences(cb));
    assert.equal(expired.status, 401);
    assert.equal(asJson((asJson(expired.data.fault).error as unknown[])[0]).code, '3200');
    assert.match(JSON.stringify(expired.data), /Token expired/);

    const saved = QuickBooks.TOKEN_URL;
    QuickBooks.TOKEN_URL = em.oauth.tokenUrl;
    try {
      const refreshed = await qboCall((cb) => qbo.refreshAccessToken(cb));
      assert.equal(refreshed.err, null);
      assert.notEqual(qbo.refreshToken, tokens.refresh_token);
      await ok((cb) => qbo.getPreferences(cb));
    } finally {
      QuickBooks.TOKEN_URL = saved;
    }
  });

  it('expires every access token at once through the control API', async () => {
    const em = emulator();
    const tokens = em.control.mintTokens(REALM);
    const qbo = connect(em, REALM, tokens.access_token);
    assert.equal(em.control.expireAccessTokens(), 1);
    assert.equal((await fails((cb) => qbo.getPreferences(cb))).status, 401);
  });

  it('revokes with a JSON body (intuit-oauth): refresh token and its access tokens stop working', async () => {
    const em = emulator();
    const client = oauthClient(em);
    await client.createToken(await authorize(client));
    const { access_token: at, refresh_token: rt } = client.getToken();
    const qbo = connect(em, REALM, at);
    await ok((cb) => qbo.getPreferences(cb));
    await client.revoke({ refresh_token: rt });
    assert.equal(await oauthError(oauthClient(em).refreshUsingToken(rt)), 'invalid_grant');
    const failure = await fails((cb) => qbo.getPreferences(cb));
    assert.equal(failure.status, 401);
    assert.match(JSON.stringify(failure.data), /Token revoked/);
  });

  it('revokes with a form body (node-quickbooks revokeAccess)', async () => {
    const em = emulator();
    const tokens = em.control.mintTokens(REALM);
    const qbo = connect(em, REALM, tokens.access_token, tokens.refresh_token);
    const saved = QuickBooks.REVOKE_URL;
    QuickBooks.REVOKE_URL = em.oauth.revokeUrl;
    try {
      const result = await qboCall((cb) => qbo.revokeAccess(true, cb));
      assert.equal(result.err, null);
    } finally {
      QuickBooks.REVOKE_URL = saved;
    }
    const again = connect(em, REALM, tokens.access_token);
    assert.equal((await fails((cb) => again.getPreferences(cb))).status, 401);
  });

  it('accepts a token only for its own realm (403 3100 elsewhere) and serves userinfo', async () => {
    const em = emulator();
    const tokens = em.control.mintTokens(REALM);
    const other = connect(em, em.defaultRealmId, tokens.access_token);
    const failure = await fails((cb) => other.getPreferences(cb));
    assert.equal(failure.status, 403);
    // The lower-case Java-bean shape of QBO's 401 body, with type SERVICE.
    const fault = asJson(failure.data.fault);
    assert.equal(fault.type, 'SERVICE');
    assert.deepEqual(fault.error, [
      {
        message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
        detail: `The access token is for company ${REALM}, not ${em.defaultRealmId}`,
        code: '3100',
        element: null,
      },
    ]);
    const time = Number(failure.data.time);
    assert.ok(Math.abs(time - em.control.clock.now()) < 5_000, 'time is epoch ms on the emulator clock');
    const client = oauthClient(em);
    client.setToken({
      access_token: tokens.access_token,
      refresh_token: tokens.refresh_token,
      realmId: REALM,
    });
    const info = await client.getUserInfo();
    assert.equal(asJson(info.json).realmId, REALM);
  });
});
