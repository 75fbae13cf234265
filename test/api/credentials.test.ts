import assert from 'node:assert/strict';
import {
  readCredentialTokens,
  withCredentialLock,
  type Credential,
  type CredentialTokens,
} from '../../src/db/repositories/credentials';
import { createLogger } from '../../src/platform/logger';
import {
  useApi,
  withFreshApi,
  type ApiErrorBody,
  type ApiHarness,
  type ApiResponse,
} from '../support/api-harness';
import { assertFieldRejected, snapshot, UNKNOWN_UUID } from './helpers';

const ACCESS = 'eyJhbGciOi.access-token-PLAINTEXT-7f3a';
const REFRESH = 'AB11-refresh-token-PLAINTEXT-91c2';

describe('credentials API', () => {
  const logLines: string[] = [];
  const ctx = useApi({
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => logLines.push(line) } }),
  });
  let api: ApiHarness;
  const responses: string[] = [];

  before(() => {
    // every response of this file is kept and scanned for the token strings at the end
    api = {
      ...ctx.api,
      request: async <T>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => {
        const res: ApiResponse<T> = await ctx.api.request<T>(method, path, body, headers);
        responses.push(`${[...res.headers.entries()].join('\n')}\n${res.text}`);
        return res;
      },
    };
  });

  async function create(name = 'US books', destination = 'QuickBooks'): Promise<Credential> {
    const res = await api.request<Credential>('POST', '/credentials', { name, destination });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  const tokenBody = (overrides: Record<string, unknown> = {}) => ({
    realmId: '9130357766900456',
    accessToken: ACCESS,
    refreshToken: REFRESH,
    accessTokenExpiresAt: '2030-01-01T10:00:00.000Z',
    refreshTokenExpiresAt: '2030-04-01T10:00:00.000Z',
    refreshTokenHardExpiresAt: '2031-01-01T00:00:00.000Z',
    ...overrides,
  });

  it('creates a credential pending authorization', async () => {
    const created = await create();
    assert.equal(created.status, 'PENDING_AUTHORIZATION');
    assert.equal(created.hasTokens, false);
    assert.equal(created.realmId, null);
    assert.equal(created.accessTokenExpiresAt, null);
    assert.equal(created.version, 1);
    const read = await api.request<Credential>('GET', `/credentials/${created.id}`);
    assert.deepEqual(read.body, created);
  });

  it('stores tokens encrypted, marks the credential AUTHORIZED and never returns them', async () => {
    const created = await create();
    const res = await api.request<Credential>('PUT', `/credentials/${created.id}/tokens`, tokenBody());
    assert.equal(res.status, 200, res.text);
    assert.equal(res.body.status, 'AUTHORIZED');
    assert.equal(res.body.hasTokens, true);
    assert.equal(res.body.realmId, '9130357766900456');
    assert.equal(res.body.accessTokenExpiresAt, '2030-01-01T10:00:00.000Z');
    assert.equal(res.body.refreshTokenExpiresAt, '2030-04-01T10:00:00.000Z');
    assert.equal(res.body.refreshTokenHardExpiresAt, '2031-01-01T00:00:00.000Z');
    assert.equal(res.body.version, 2);
    assert.deepEqual(Object.keys(res.body).sort(), [
      'accessTokenExpiresAt',
      'createdAt',
      'destination',
      'hasTokens',
      'id',
      'name',
      'realmId',
      'refreshTokenExpiresAt',
      'refreshTokenHardExpiresAt',
      'status',
      'updatedAt',
      'version',
    ]);

    // the raw row holds no plaintext, only sealed values that open with the service's key
    const { rows } = await ctx.t.db.query<Record<string, unknown>>(
      'SELECT * FROM credentials WHERE id = $1',
      [created.id],
    );
    const raw = JSON.stringify(rows[0]);
    assert.ok(!raw.includes(ACCESS) && !raw.includes(REFRESH), raw);
    assert.ok(!raw.includes(Buffer.from(ACCESS).toString('base64')));
    assert.match(String(rows[0]?.access_token_sealed), /^v1\./);
    assert.notEqual(rows[0]?.access_token_sealed, rows[0]?.refresh_token_sealed);

    const tokens = await readCredentialTokens(ctx.t.db, api.secretBox, created.id);
    assert.deepEqual(tokens, tokenBody(), 'the sealed tokens open to what was stored');

    await api.request('GET', `/credentials/${created.id}`);
    await api.request('GET', '/credentials');
    await api.request('GET', '/credentials?status=AUTHORIZED');
  });

  it('a sealed token moved to another row or field does not open', async () => {
    const a = await create('A');
    const b = await create('B');
    await api.request('PUT', `/credentials/${a.id}/tokens`, tokenBody());
    await api.request(
      'PUT',
      `/credentials/${b.id}/tokens`,
      tokenBody({ accessToken: 'b-access', refreshToken: 'b-refresh' }),
    );
    await ctx.t.db.query(
      `UPDATE credentials SET access_token_sealed = (SELECT access_token_sealed FROM credentials WHERE id = $1) WHERE id = $2`,
      [a.id, b.id],
    );
    await assert.rejects(readCredentialTokens(ctx.t.db, api.secretBox, b.id), /failed authentication/);
    await ctx.t.db.query(`UPDATE credentials SET access_token_sealed = refresh_token_sealed WHERE id = $1`, [
      a.id,
    ]);
    await assert.rejects(readCredentialTokens(ctx.t.db, api.secretBox, a.id), /failed authentication/);
  });

  it('lists with filters and paging', async () => {
    await withFreshApi(async ({ api: own }) => {
      for (const [name, destination] of [
        ['one', 'QuickBooks'],
        ['two', 'QuickBooksSandbox'],
        ['three', 'QuickBooks'],
      ]) {
        await own.request('POST', '/credentials', { name, destination });
      }
      const qbo = await own.request<{ data: Credential[]; total: number }>(
        'GET',
        '/credentials?destination=QuickBooks',
      );
      assert.deepEqual(
        qbo.body.data.map((c) => c.name),
        ['one', 'three'],
      );
      const paged = await own.request<{ data: Credential[]; total: number }>(
        'GET',
        '/credentials?limit=1&offset=1',
      );
      assert.deepEqual([paged.body.data.map((c) => c.name), paged.body.total], [['two'], 3]);
      assertFieldRejected(await own.request('GET', '/credentials?status=GOOD'), 'query.status');
    });
  });

  it('renames with optimistic concurrency', async () => {
    const created = await create('old name');
    const renamed = await api.request<Credential>('PUT', `/credentials/${created.id}`, {
      name: 'new name',
      version: 1,
    });
    assert.equal(renamed.status, 200);
    assert.equal(renamed.body.name, 'new name');
    assert.equal(renamed.body.version, 2);
    const stale = await api.request<ApiErrorBody>('PUT', `/credentials/${created.id}`, {
      name: 'lost',
      version: 1,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.details?.currentVersion, 2);
    const staleTokens = await api.request(
      'PUT',
      `/credentials/${created.id}/tokens`,
      tokenBody({ version: 1 }),
    );
    assert.equal(staleTokens.status, 409);
  });

  it('rejects invalid bodies naming the field, writing nothing', async () => {
    const created = await create('validated');
    const before = await snapshot(ctx.t.db, 'credentials');
    const cases: Array<[string, string, Record<string, unknown>, string]> = [
      ['POST', '/credentials', { destination: 'QuickBooks' }, 'name'],
      ['POST', '/credentials', { name: '', destination: 'QuickBooks' }, 'name'],
      ['POST', '/credentials', { name: 'x', destination: 'Xero' }, 'destination'],
      ['POST', '/credentials', { name: 'x', destination: 'QuickBooks', accessToken: 'a' }, 'accessToken'],
      ['POST', '/credentials', { name: 'x', destination: 'QuickBooks', status: 'AUTHORIZED' }, 'status'],
      ['PUT', `/credentials/${created.id}`, { name: 'x' }, 'version'],
      [
        'PUT',
        `/credentials/${created.id}`,
        { name: 'x', version: 1, destination: 'QuickBooksSandbox' },
        'destination',
      ],
      ['PUT', `/credentials/${created.id}/tokens`, tokenBody({ realmId: '' }), 'realmId'],
      ['PUT', `/credentials/${created.id}/tokens`, tokenBody({ accessToken: undefined }), 'accessToken'],
      ['PUT', `/credentials/${created.id}/tokens`, tokenBody({ refreshToken: 7 }), 'refreshToken'],
      [
        'PUT',
        `/credentials/${created.id}/tokens`,
        tokenBody({ accessTokenExpiresAt: 'tomorrow' }),
        'accessTokenExpiresAt',
      ],
      [
        'PUT',
        `/credentials/${created.id}/tokens`,
        tokenBody({ refreshTokenExpiresAt: undefined }),
        'refreshTokenExpiresAt',
      ],
      [
        'PUT',
        `/credentials/${created.id}/tokens`,
        tokenBody({ refreshTokenHardExpiresAt: 5 }),
        'refreshTokenHardExpiresAt',
      ],
      ['PUT', `/credentials/${created.id}/tokens`, tokenBody({ status: 'AUTHORIZED' }), 'status'],
    ];
    for (const [method, path, body, field] of cases) {
      const res = await api.request(method, path, body);
      assertFieldRejected(res, field, `${method} ${path} ${JSON.stringify(body)}`);
      // a rejected token body is not echoed back
      assert.ok(!res.text.includes(ACCESS) && !res.text.includes(REFRESH), res.text);
    }
    assert.equal(await snapshot(ctx.t.db, 'credentials'), before);
  });

  it('404 for unknown and malformed ids', async () => {
    for (const id of [UNKNOWN_UUID, 'x']) {
      assert.equal((await api.request('GET', `/credentials/${id}`)).status, 404);
      assert.equal((await api.request('PUT', `/credentials/${id}`, { name: 'n', version: 1 })).status, 404);
      assert.equal((await api.request('PUT', `/credentials/${id}/tokens`, tokenBody())).status, 404);
      assert.equal((await api.request('DELETE', `/credentials/${id}`)).status, 404);
    }
  });

  it('cannot delete a credential an integration uses (409 naming it); can after disconnecting', async () => {
    const cred = await create('in use');
    const integration = await api.request<{ id: string }>('POST', '/integrations', {
      name: 'user of the credential',
      destination: 'QuickBooks',
      credentialId: cred.id,
    });
    assert.equal(integration.status, 201, integration.text);
    const refused = await api.request<ApiErrorBody>('DELETE', `/credentials/${cred.id}`);
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'INVALID_STATE');
    assert.deepEqual(refused.body.error.details?.integrationIds, [integration.body.id]);
    assert.match(refused.body.error.message, new RegExp(integration.body.id));

    await api.request('DELETE', `/integrations/${integration.body.id}/credential`);
    const stale = await api.request('DELETE', `/credentials/${cred.id}?version=9`);
    assert.equal(stale.status, 409);
    const deleted = await api.request('DELETE', `/credentials/${cred.id}?version=1`);
    assert.equal(deleted.status, 204);
    assert.equal((await api.request('GET', `/credentials/${cred.id}`)).status, 404);
  });

  it('a refresh replaces both tokens under the row lock: concurrent refreshers queue and see the new tokens', async () => {
    const cred = await create('refreshing');
    await api.request(
      'PUT',
      `/credentials/${cred.id}/tokens`,
      tokenBody({ accessToken: 'at-0', refreshToken: 'rt-0' }),
    );
    const seen: string[] = [];
    const refresh = (n: number) =>
      withCredentialLock(ctx.t.db, api.secretBox, cred.id, async (locked) => {
        const current = locked.tokens as CredentialTokens;
        seen.push(current.refreshToken);
        await new Promise((r) => setTimeout(r, 30));
        const next = { ...current, accessToken: `at-${n}`, refreshToken: `rt-after-${current.refreshToken}` };
        return (await locked.replaceTokens(next)).version;
      });
    const versions = await Promise.all([refresh(1), refresh(2), refresh(3)]);
    assert.deepEqual(seen, ['rt-0', 'rt-after-rt-0', 'rt-after-rt-after-rt-0']);
    assert.deepEqual(
      [...versions].sort((a, b) => a - b),
      [3, 4, 5],
    );
    const final = await readCredentialTokens(ctx.t.db, api.secretBox, cred.id);
    assert.equal(final?.refreshToken, 'rt-after-rt-after-rt-after-rt-0');

    // a failed refresh rolls back: tokens unchanged
    await assert.rejects(
      withCredentialLock(ctx.t.db, api.secretBox, cred.id, async (locked) => {
        await locked.replaceTokens({ ...(locked.tokens as CredentialTokens), refreshToken: 'half-written' });
        throw new Error('Intuit said no');
      }),
      /Intuit said no/,
    );
    assert.equal(
      (await readCredentialTokens(ctx.t.db, api.secretBox, cred.id))?.refreshToken,
      final?.refreshToken,
    );

    await withCredentialLock(ctx.t.db, api.secretBox, cred.id, (locked) => locked.setStatus('EXPIRED'));
    const expired = await api.request<Credential>('GET', `/credentials/${cred.id}`);
    assert.equal(expired.body.status, 'EXPIRED');
  });

  it('no log line of this file contained a token; changes were logged', () => {
    assert.ok(logLines.some((l) => l.includes('credential tokens stored')));
    for (const line of logLines) {
      for (const secret of [ACCESS, REFRESH, 'at-0', 'rt-0']) assert.ok(!line.includes(secret), line);
    }
  });

  it('no response of this file contained a token', () => {
    assert.ok(responses.length > 20);
    for (const text of responses) {
      for (const secret of [ACCESS, REFRESH, 'at-0', 'rt-0', 'b-access', 'b-refresh', 'half-written']) {
        assert.ok(!text.includes(secret), `a response contained ${secret}: ${text}`);
      }
    }
  });
});
