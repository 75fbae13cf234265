import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { useApi, withFreshApi, type ApiResponse } from '../support/api-harness';

/** Console sign-in over HTTP: the cookie, CSRF on changes, expiry, sign-out, and the audit of settings changes. */

const COOKIE = 'm3ter_qbo_console';

function sessionCookie(res: ApiResponse): string {
  const set = res.headers.getSetCookie().find((c) => c.startsWith(`${COOKIE}=`));
  assert.ok(set, `no session cookie in ${JSON.stringify(res.headers.getSetCookie())}`);
  return set;
}
const cookieHeader = (setCookie: string) => setCookie.split(';')[0] as string;

interface Session {
  actor: string;
  csrfToken: string;
  expiresAt: string;
  idleExpiresAt: string;
  createdAt: string;
}

describe('console: sessions and CSRF (HTTP)', () => {
  const ctx = useApi();
  const noKey = { authorization: '' };

  async function signIn(): Promise<{ cookie: string; session: Session }> {
    const res = await ctx.api.request<Session>('POST', '/auth/session', { apiKey: ctx.api.apiKey }, noKey);
    assert.equal(res.status, 201, res.text);
    return { cookie: cookieHeader(sessionCookie(res)), session: res.body };
  }

  it('exchanges the API key for an httpOnly, SameSite=Strict, Path=/ cookie whose id is stored only hashed', async () => {
    const res = await ctx.api.request<Session>('POST', '/auth/session', { apiKey: ctx.api.apiKey }, noKey);
    assert.equal(res.status, 201, res.text);
    const set = sessionCookie(res);
    const attributes = set.split(';').map((p) => p.trim());
    assert.ok(attributes.includes('HttpOnly'), set);
    assert.ok(attributes.includes('SameSite=Strict'), set);
    assert.ok(attributes.includes('Path=/'), set);
    assert.ok(attributes.includes('Max-Age=43200'), set);
    assert.equal(res.headers.get('cache-control'), 'no-store');
    const id = cookieHeader(set).slice(COOKIE.length + 1);
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    const hash = createHash('sha256').update(id).digest('hex');
    const { rows } = await ctx.t.db.query<Record<string, unknown>>('SELECT * FROM console_sessions');
    const row = rows.find((r) => r.id_hash === hash);
    assert.ok(row, 'the session row is keyed by the hash of the cookie value');
    assert.equal(row.short_id, hash.slice(0, 8));
    assert.ok(!JSON.stringify(rows).includes(id), 'the cookie value itself is stored nowhere');
    assert.ok(!res.text.includes(ctx.api.apiKey) && !res.text.includes(id));
    assert.equal(res.body.actor, `console-session:${hash.slice(0, 8)}`);
    assert.equal(typeof res.body.csrfToken, 'string');
  });

  it('refuses a wrong key with 401 and sets no cookie', async () => {
    const before = await ctx.t.db.query('SELECT count(*)::int AS n FROM console_sessions');
    const res = await ctx.api.request('POST', '/auth/session', { apiKey: 'not-the-key-at-all' }, noKey);
    assert.equal(res.status, 401);
    assert.equal((res.body as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    assert.deepEqual(res.headers.getSetCookie(), []);
    const after = await ctx.t.db.query('SELECT count(*)::int AS n FROM console_sessions');
    assert.deepEqual(after.rows, before.rows);
    const missing = await ctx.api.request('POST', '/auth/session', {}, noKey);
    assert.equal(missing.status, 400);
    assert.equal(
      (missing.body as { error: { details: { issues: Array<{ field: string }> } } }).error.details.issues[0]
        ?.field,
      'apiKey',
    );
  });

  it('after too many wrong keys from one address, sign-in answers 429 for the rest of the minute', async () => {
    await withFreshApi(
      async ({ api }) => {
        const attempt = (apiKey: string) => api.request('POST', '/auth/session', { apiKey }, noKey);
        assert.equal((await attempt(api.apiKey)).status, 201, 'a right key does not count');
        for (let n = 0; n < 3; n++) assert.equal((await attempt(`wrong-key-${n}`)).status, 401);
        const limited = await attempt('wrong-key-again');
        assert.equal(limited.status, 429);
        assert.equal((limited.body as { error: { code: string } }).error.code, 'RATE_LIMITED');
        assert.equal(
          (await attempt(api.apiKey)).status,
          429,
          'not even the right key, until the minute is over',
        );
      },
      { consoleSignInFailuresPerMinute: 3 },
    );
  });

  it('GET /auth/session says who is signed in and gives the CSRF token; 401 without a session', async () => {
    const { cookie, session } = await signIn();
    const res = await ctx.api.request<Session>('GET', '/auth/session', undefined, { ...noKey, cookie });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.actor, session.actor);
    assert.equal(res.body.csrfToken, session.csrfToken);
    const none = await ctx.api.request('GET', '/auth/session', undefined, noKey);
    assert.equal(none.status, 401);
    const forged = await ctx.api.request('GET', '/auth/session', undefined, {
      ...noKey,
      cookie: `${COOKIE}=${'A'.repeat(43)}`,
    });
    assert.equal(forged.status, 401);
  });

  it('a cookie request reads without the token, but a change without X-CSRF-Token (or with a wrong one) is a 403 CSRF_TOKEN_INVALID that writes nothing', async () => {
    const { cookie, session } = await signIn();
    const read = await ctx.api.request('GET', '/integrations', undefined, { ...noKey, cookie });
    assert.equal(read.status, 200, read.text);
    const body = { name: 'CSRF', destination: 'QuickBooks' };
    const count = async () =>
      (await ctx.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations')).rows[0]?.n;
    const before = await count();
    for (const headers of [
      {},
      { 'x-csrf-token': 'wrong' },
      { 'x-csrf-token': `${session.csrfToken}x` },
    ] as Array<Record<string, string>>) {
      const res = await ctx.api.request('POST', '/integrations', body, { ...noKey, cookie, ...headers });
      assert.equal(res.status, 403, res.text);
      assert.equal((res.body as { error: { code: string } }).error.code, 'CSRF_TOKEN_INVALID');
    }
    assert.equal(await count(), before);
    const ok = await ctx.api.request('POST', '/integrations', body, {
      ...noKey,
      cookie,
      'x-csrf-token': session.csrfToken,
    });
    assert.equal(ok.status, 201, ok.text);
    // Bearer-key requests are unchanged: no cookie, no token.
    const bearer = await ctx.api.request('POST', '/integrations', { name: 'Key', destination: 'QuickBooks' });
    assert.equal(bearer.status, 201, bearer.text);
  });

  it('DELETE /auth/session signs out: the cookie is cleared and no longer works', async () => {
    const { cookie, session } = await signIn();
    const refused = await ctx.api.request('DELETE', '/auth/session', undefined, { ...noKey, cookie });
    assert.equal(refused.status, 403, 'signing out needs the CSRF token too');
    const res = await ctx.api.request('DELETE', '/auth/session', undefined, {
      ...noKey,
      cookie,
      'x-csrf-token': session.csrfToken,
    });
    assert.equal(res.status, 204);
    const cleared = sessionCookie(res);
    assert.ok(cleared.includes('Max-Age=0'), cleared);
    const after = await ctx.api.request('GET', '/integrations', undefined, { ...noKey, cookie });
    assert.equal(after.status, 401);
    assert.match((after.body as { error: { message: string } }).error.message, /expired or was signed out/);
  });

  it('sessions expire when idle and at their absolute end', async () => {
    await withFreshApi(
      async ({ api, t }) => {
        const signed = await api.request<Session>('POST', '/auth/session', { apiKey: api.apiKey }, noKey);
        const cookie = cookieHeader(sessionCookie(signed));
        assert.equal(
          (await api.request('GET', '/auth/session', undefined, { ...noKey, cookie })).status,
          200,
        );
        await t.db.query(`UPDATE console_sessions SET last_seen_at = now() - interval '61 seconds'`);
        assert.equal(
          (await api.request('GET', '/integrations', undefined, { ...noKey, cookie })).status,
          401,
        );

        const again = await api.request<Session>('POST', '/auth/session', { apiKey: api.apiKey }, noKey);
        const second = cookieHeader(sessionCookie(again));
        assert.equal(
          Date.parse(again.body.expiresAt) - Date.parse(again.body.createdAt),
          120_000,
          'absolute end = sign-in + the maximum age',
        );
        await t.db.query(`UPDATE console_sessions SET expires_at = now() - interval '1 second'`);
        assert.equal(
          (await api.request('GET', '/auth/session', undefined, { ...noKey, cookie: second })).status,
          401,
        );
      },
      { consolePolicy: { idleSeconds: 60, maxAgeSeconds: 120 } },
    );
  });

  it('audits every settings change with who, what (field names and non-secret values) and when; never secrets', async () => {
    const { cookie, session } = await signIn();
    const asConsole = { ...noKey, cookie, 'x-csrf-token': session.csrfToken };
    const created = await ctx.api.request<{ id: string; version: number }>(
      'POST',
      '/integrations',
      { name: 'Audited', destination: 'QuickBooks', accountFilter: 'currency == USD' },
      asConsole,
    );
    assert.equal(created.status, 201, created.text);
    const id = created.body.id;
    const patched = await ctx.api.request<{ version: number }>('PATCH', `/integrations/${id}`, {
      version: created.body.version,
      sendZeroQuantityLineItems: true,
    });
    assert.equal(patched.status, 200, patched.text);
    const credential = await ctx.api.request<{ id: string }>('POST', '/credentials', {
      name: 'US books',
      destination: 'QuickBooks',
    });
    assert.equal(credential.status, 201, credential.text);
    const tokens = await ctx.api.request('PUT', `/credentials/${credential.body.id}/tokens`, {
      realmId: '9130355',
      accessToken: 'access-token-secret-value',
      refreshToken: 'refresh-token-secret-value',
      accessTokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
      refreshTokenExpiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    assert.ok(tokens.status < 300, tokens.text);
    const connected = await ctx.api.request<{ version: number }>('PUT', `/integrations/${id}/credential`, {
      credentialId: credential.body.id,
      version: patched.body.version,
    });
    assert.equal(connected.status, 200, connected.text);
    const mapping = await ctx.api.request<{ id: string }>('POST', '/external-mappings', {
      m3terEntity: 'Account',
      m3terId: 'acct-audit',
      externalSystem: 'QuickBooks',
      externalTable: 'Customer',
      externalId: '42',
      integrationConfigId: id,
    });
    assert.equal(mapping.status, 201, mapping.text);
    assert.equal((await ctx.api.request('DELETE', `/external-mappings/${mapping.body.id}`)).status, 204);
    assert.equal((await ctx.api.request('DELETE', `/integrations/${id}/credential`)).status, 200);
    assert.equal((await ctx.api.request('POST', `/integrations/${id}/disable`, {})).status, 200);
    assert.equal((await ctx.api.request('POST', `/integrations/${id}/enable`, {})).status, 200);

    const audit = await ctx.api.request<{
      data: Array<{
        actor: string;
        action: string;
        route: string;
        fields: Record<string, unknown>;
        at: string;
      }>;
      total: number;
    }>('GET', `/integrations/${id}/audit`);
    assert.equal(audit.status, 200, audit.text);
    const oldestFirst = [...audit.body.data].reverse();
    assert.deepEqual(
      oldestFirst.map((e) => [e.actor, e.action, e.route]),
      [
        [session.actor, 'integration created', 'POST /integrations'],
        ['api-key', 'integration settings changed', 'PATCH /integrations/{id}'],
        ['api-key', 'integration credential connected', 'PUT /integrations/{id}/credential'],
        ['api-key', 'external mapping created', 'POST /external-mappings'],
        ['api-key', 'external mapping deleted', 'DELETE /external-mappings/{id}'],
        ['api-key', 'integration credential disconnected', 'DELETE /integrations/{id}/credential'],
        ['api-key', 'integration disabled', 'POST /integrations/{id}/disable'],
        ['api-key', 'integration enabled', 'POST /integrations/{id}/enable'],
      ],
    );
    assert.deepEqual(oldestFirst[0]?.fields, {
      name: 'Audited',
      destination: 'QuickBooks',
      accountFilter: 'currency == USD',
    });
    assert.deepEqual(oldestFirst[1]?.fields, { version: 1, sendZeroQuantityLineItems: true });
    assert.deepEqual(oldestFirst[2]?.fields, { credentialId: credential.body.id, version: 2 });
    assert.equal(audit.body.total, 8);
    for (const e of audit.body.data) assert.ok(Date.now() - Date.parse(e.at) < 60_000);

    // The token upload is audited too (on the credential), with its secrets reduced to their names.
    const { rows } = await ctx.t.db.query<{ fields: Record<string, unknown>; action: string }>(
      `SELECT action, fields FROM audit_log WHERE route = 'PUT /credentials/{id}/tokens'`,
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.fields.accessToken, '[redacted]');
    assert.equal(rows[0]?.fields.refreshToken, '[redacted]');
    const everything = JSON.stringify((await ctx.t.db.query('SELECT * FROM audit_log')).rows);
    assert.ok(!everything.includes('secret-value'), 'no token value in the audit');
    assert.ok(!everything.includes(ctx.api.apiKey));

    const unknown = await ctx.api.request('GET', '/integrations/00000000-0000-4000-8000-000000000000/audit');
    assert.equal(unknown.status, 404);
  });

  it('POST /account-filter/check gives the error at its position, or whether an account matches', async () => {
    const bad = await ctx.api.request<{ valid: boolean; error: { position: number; expected: string } }>(
      'POST',
      '/account-filter/check',
      { expression: 'currency == USD AND' },
    );
    assert.equal(bad.status, 200, bad.text);
    assert.equal(bad.body.valid, false);
    assert.equal(bad.body.error.position, 19);
    assert.equal(bad.body.error.expected, 'a value or "("');
    const put = await ctx.api.request('PUT', '/reference/accounts/acct-uk', {
      id: 'acct-uk',
      name: 'UK Ltd',
      code: 'uk',
      currency: 'GBP',
      version: 1,
    });
    assert.ok(put.status < 300, put.text);
    const match = await ctx.api.request('POST', '/account-filter/check', {
      expression: 'currency == GBP',
      accountId: 'acct-uk',
    });
    assert.deepEqual(match.body, { valid: true, error: null, matches: true });
    const noMatch = await ctx.api.request('POST', '/account-filter/check', {
      expression: 'currency == USD',
      accountId: 'acct-uk',
    });
    assert.deepEqual(noMatch.body, { valid: true, error: null, matches: false });
    const missing = await ctx.api.request('POST', '/account-filter/check', {
      expression: 'currency == USD',
      accountId: 'acct-none',
    });
    assert.equal(missing.status, 404);
  });
});
