import assert from 'node:assert/strict';
import { DEFAULT_API_KEY, DEFAULT_API_SECRET, DEFAULT_ORG_ID } from '../../emulators/m3ter';
import { api, basic, http, token, useM3terEmulator } from './helpers';

describe('m3ter emulator: client-credentials auth and token expiry', () => {
  const emulator = useM3terEmulator();

  it('grants a Bearer token for the API key and secret (JSON or form body), valid 18000 s', async () => {
    const em = emulator();
    assert.equal(em.defaultOrgId, DEFAULT_ORG_ID);
    assert.deepEqual(em.credentials, { apiKey: DEFAULT_API_KEY, apiSecret: DEFAULT_API_SECRET });
    const json = await http(em.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basic(DEFAULT_API_KEY, DEFAULT_API_SECRET),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assert.equal(json.status, 200);
    const body = json.json();
    assert.deepEqual(Object.keys(body).sort(), ['access_token', 'expires_in', 'scope', 'token_type']);
    assert.equal(body.token_type, 'Bearer');
    assert.equal(body.expires_in, 18000);
    assert.match(String(body.access_token), /^m3emu_/);

    const form = await http(em.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basic(DEFAULT_API_KEY, DEFAULT_API_SECRET),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'grant_type=client_credentials',
    });
    assert.equal(form.status, 200);
    const config = await api(em, String(form.json().access_token), '/organizationconfig');
    assert.equal(config.status, 200);
    assert.equal(config.json().currency, 'USD');
    assert.equal(em.control.counters().tokenGrants, 2);
  });

  it('refuses a wrong secret, an unknown key and another grant type', async () => {
    const em = emulator();
    const wrong = await http(em.tokenUrl, {
      method: 'POST',
      headers: { authorization: basic(DEFAULT_API_KEY, 'wrong'), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assert.equal(wrong.status, 401);
    assert.deepEqual(wrong.json(), { error: 'invalid_client', message: 'Bad credentials' });
    const unknown = await http(em.tokenUrl, {
      method: 'POST',
      headers: { authorization: basic('nobody', 'x'), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assert.equal(unknown.status, 401);
    const grant = await http(em.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basic(DEFAULT_API_KEY, DEFAULT_API_SECRET),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ grant_type: 'password' }),
    });
    assert.equal(grant.status, 400);
    assert.equal(grant.json().error, 'unsupported_grant_type');
    const c = em.control.counters();
    assert.equal(c.tokenGrants, 0);
    assert.equal(c.tokenRejections, 2);
    assert.deepEqual(c.byRouteStatus, { 'POST oauth/token 401': 2, 'POST oauth/token 400': 1 });
  });

  it('answers 401 JSON for a missing, unknown or expired token; tokens expire on the movable clock', async () => {
    const em = emulator();
    const missing = await http(`${em.url}/organizations/${em.defaultOrgId}/bills`);
    assert.equal(missing.status, 401);
    assert.deepEqual(missing.json(), {
      code: 'UNAUTHORIZED',
      message: 'no bearer token in the Authorization header',
    });
    const unknown = await api(em, 'not-a-token', '/bills');
    assert.equal(unknown.status, 401);
    assert.deepEqual(unknown.json(), { code: 'UNAUTHORIZED', message: 'unknown access token' });

    const t = await token(em);
    em.control.clock.advance(17_999_000);
    assert.equal((await api(em, t, '/bills')).status, 200);
    em.control.clock.advance(1_000);
    const expired = await api(em, t, '/bills');
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.json(), { code: 'UNAUTHORIZED', message: 'access token expired' });
    assert.equal(expired.headers.get('www-authenticate'), 'Bearer error="invalid_token"');
    assert.equal(em.control.counters().unauthorized, 3);
  });

  it('has a configurable lifetime and can expire every token at once', async () => {
    const em = emulator();
    assert.deepEqual(em.control.setAuthSettings({ tokenTtlSeconds: 60 }), { tokenTtlSeconds: 60 });
    const res = await http(em.tokenUrl, {
      method: 'POST',
      headers: {
        authorization: basic(DEFAULT_API_KEY, DEFAULT_API_SECRET),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    assert.equal(res.json().expires_in, 60);
    const t = String(res.json().access_token);
    const other = await token(em);
    assert.equal(em.control.expireTokens(), 2);
    assert.equal((await api(em, t, '/bills')).status, 401);
    assert.equal((await api(em, other, '/bills')).status, 401);
    assert.equal(em.control.expireTokens(), 0);
  });

  it('keeps organizations apart: credentials per org, a token of one org is forbidden on another', async () => {
    const em = emulator();
    const org = em.control.createOrganization('org-b', { currency: 'GBP' });
    assert.equal(org.config.currency, 'GBP');
    const creds = em.control.createApiCredentials('org-b', { apiKey: 'key-b', apiSecret: 'secret-b' });
    assert.deepEqual(creds, { orgId: 'org-b', apiKey: 'key-b', apiSecret: 'secret-b' });
    const res = await http(em.tokenUrl, {
      method: 'POST',
      headers: { authorization: basic('key-b', 'secret-b'), 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials' }),
    });
    const tokenB = String(res.json().access_token);
    const config = await api(em, tokenB, '/organizationconfig', { orgId: 'org-b' });
    assert.equal(config.json().currency, 'GBP');
    const forbidden = await api(em, tokenB, '/bills');
    assert.equal(forbidden.status, 403);
    assert.deepEqual(forbidden.json(), {
      code: 'FORBIDDEN',
      message: `the token does not give access to organization ${em.defaultOrgId}`,
    });
  });
});
