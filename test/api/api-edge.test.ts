import assert from 'node:assert/strict';
import { type ApiErrorBody, useApi } from '../support/api-harness';

/** The API conventions every settings endpoint follows: API key, one error format, 413, malformed JSON, OpenAPI. */
describe('settings API: conventions', () => {
  const ctx = useApi({ maxBodyBytes: 10_000 });

  const endpoints: Array<[string, string]> = [
    ['GET', '/integrations'],
    ['POST', '/integrations'],
    ['GET', '/credentials'],
    ['PUT', '/credentials/00000000-0000-4000-8000-000000000000/tokens'],
    ['GET', '/external-mappings'],
    ['GET', '/integrations/00000000-0000-4000-8000-000000000000/external-mappings/resolve'],
    ['PUT', '/reference/accounts/a-1'],
    ['GET', '/reference/organization'],
  ];

  it('answers 401 without the API key, or with a wrong one, in the one error format', async () => {
    for (const [method, path] of endpoints) {
      for (const authorization of ['', 'Bearer wrong-key']) {
        const res = await ctx.api.request<ApiErrorBody>(method, path, method === 'GET' ? undefined : {}, {
          authorization,
        });
        assert.equal(res.status, 401, `${method} ${path}`);
        assert.equal(res.body.error.code, 'UNAUTHORIZED');
      }
    }
    const viaHeader = await ctx.api.request('GET', '/integrations', undefined, {
      authorization: '',
      'x-api-key': ctx.api.apiKey,
    });
    assert.equal(viaHeader.status, 200);
  });

  it('answers 413 for an oversized body and 400 for malformed JSON, writing nothing', async () => {
    const big = await ctx.api.request<ApiErrorBody>('POST', '/integrations', {
      name: 'x'.repeat(20_000),
      destination: 'QuickBooks',
    });
    assert.equal(big.status, 413);
    assert.equal(big.body.error.code, 'PAYLOAD_TOO_LARGE');

    const malformed = await ctx.api.request<ApiErrorBody>('POST', '/integrations', '{"name": "US", ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'MALFORMED_JSON');

    const { rows } = await ctx.t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM integrations');
    assert.equal(rows[0]?.n, 0);
  });

  it('answers 404 for unknown and malformed ids', async () => {
    for (const path of [
      '/integrations/00000000-0000-4000-8000-000000000000',
      '/integrations/not-a-uuid',
      '/credentials/not-a-uuid',
      '/credentials/00000000-0000-4000-8000-000000000000',
      '/external-mappings/42',
      '/reference/accounts/unknown',
      '/reference/organization',
    ]) {
      const res = await ctx.api.request<ApiErrorBody>('GET', path);
      assert.equal(res.status, 404, path);
      assert.equal(res.body.error.code, 'NOT_FOUND');
    }
  });

  it('lists every settings route in the OpenAPI document, with request and response schemas', async () => {
    const res = await ctx.api.request<{
      paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
    }>('GET', '/openapi.json');
    assert.equal(res.status, 200);
    const expected: Array<[string, string]> = [
      ['post', '/integrations'],
      ['get', '/integrations'],
      ['get', '/integrations/{id}'],
      ['put', '/integrations/{id}'],
      ['patch', '/integrations/{id}'],
      ['delete', '/integrations/{id}'],
      ['post', '/integrations/{id}/enable'],
      ['post', '/integrations/{id}/disable'],
      ['put', '/integrations/{id}/credential'],
      ['delete', '/integrations/{id}/credential'],
      ['get', '/integrations/{id}/external-mappings'],
      ['get', '/integrations/{id}/external-mappings/resolve'],
      ['post', '/credentials'],
      ['get', '/credentials'],
      ['get', '/credentials/{id}'],
      ['put', '/credentials/{id}'],
      ['delete', '/credentials/{id}'],
      ['put', '/credentials/{id}/tokens'],
      ['post', '/external-mappings'],
      ['get', '/external-mappings'],
      ['get', '/external-mappings/{id}'],
      ['put', '/external-mappings/{id}'],
      ['delete', '/external-mappings/{id}'],
      ['get', '/external-mappings/m3ter/{m3terEntity}/{m3terId}'],
      ['get', '/external-mappings/external/{externalSystem}/{externalTable}/{externalId}'],
      ['put', '/reference/organization'],
      ['get', '/reference/organization'],
    ];
    for (const kind of ['accounts', 'products', 'aggregations', 'compound-aggregations', 'users']) {
      expected.push(
        ['put', `/reference/${kind}/{id}`],
        ['get', `/reference/${kind}/{id}`],
        ['get', `/reference/${kind}`],
        ['delete', `/reference/${kind}/{id}`],
      );
    }
    for (const [method, path] of expected) {
      const operation = res.body.paths[path]?.[method];
      assert.ok(operation, `${method.toUpperCase()} ${path} is documented`);
      if (
        ['post', 'put', 'patch'].includes(method) &&
        !path.endsWith('/enable') &&
        !path.endsWith('/disable')
      ) {
        assert.ok(operation.requestBody, `${method.toUpperCase()} ${path} documents its body`);
      }
    }
    const createIntegration = JSON.stringify(res.body.paths['/integrations']?.post);
    assert.match(createIntegration, /CreateIntegration/);
    assert.ok(!JSON.stringify(res.body).includes('accessTokenSealed'));
  });
});
