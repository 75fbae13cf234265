import assert from 'node:assert/strict';
import type { ExternalMapping } from '../../src/domain/external-mapping';
import type { Integration } from '../../src/domain/integration-settings';
import {
  findMappingCandidates,
  findMappingCandidatesForMany,
} from '../../src/db/repositories/external-mappings';
import { recordLinkedMapping, resolveMappingForIntegration } from '../../src/settings/external-mappings';
import { type ApiErrorBody, useApi, withFreshApi } from '../support/api-harness';
import { assertFieldRejected, snapshot, UNKNOWN_UUID } from './helpers';

type Page<T> = { data: T[]; total: number; limit: number; offset: number };

describe('external mappings API', () => {
  const ctx = useApi();

  async function integration(body: Record<string, unknown> = {}): Promise<Integration> {
    const res = await ctx.api.request<Integration>('POST', '/integrations', {
      name: 'QBO',
      destination: 'QuickBooks',
      ...body,
    });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  async function mapping(body: Record<string, unknown>): Promise<ExternalMapping> {
    const res = await ctx.api.request<ExternalMapping>('POST', '/external-mappings', {
      m3terEntity: 'Account',
      externalSystem: 'QuickBooks',
      ...body,
    });
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  it('creates in one call, defaulting the table (Customer for Accounts, Item otherwise), and reads it back', async () => {
    const account = await mapping({ m3terId: 'acc-create', externalId: '58' });
    assert.equal(account.externalTable, 'Customer');
    assert.equal(account.integrationConfigId, null);
    assert.equal(account.version, 1);
    for (const entity of ['Product', 'Aggregation', 'CompoundAggregation', 'PricingBand']) {
      const m = await mapping({ m3terEntity: entity, m3terId: `${entity}-create`, externalId: '7' });
      assert.equal(m.externalTable, 'Item', entity);
    }
    const explicit = await mapping({
      m3terEntity: 'Product',
      m3terId: 'p-explicit',
      externalTable: 'Item',
      externalId: '8',
    });
    assert.equal(explicit.externalTable, 'Item');
    const read = await ctx.api.request<ExternalMapping>('GET', `/external-mappings/${account.id}`);
    assert.deepEqual(read.body, account);
  });

  it('rejects invalid mappings naming the field, writing nothing', async () => {
    const sandbox = await integration({ name: 'Sandbox', destination: 'QuickBooksSandbox' });
    const before = await snapshot(ctx.t.db, 'external_mappings');
    const valid = { m3terEntity: 'Account', m3terId: 'acc-x', externalSystem: 'QuickBooks', externalId: '1' };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...valid, m3terEntity: 'Plan' }, 'm3terEntity'],
      [{ ...valid, m3terEntity: undefined }, 'm3terEntity'],
      [{ ...valid, m3terId: '' }, 'm3terId'],
      [{ ...valid, externalSystem: 'Xero' }, 'externalSystem'],
      [{ ...valid, externalTable: 'Item' }, 'externalTable'],
      [{ ...valid, m3terEntity: 'Product', externalTable: 'Customer' }, 'externalTable'],
      [{ ...valid, externalTable: 'Invoice' }, 'externalTable'],
      [{ ...valid, externalId: undefined }, 'externalId'],
      [{ ...valid, externalId: 58 }, 'externalId'],
      [{ ...valid, integrationConfigId: UNKNOWN_UUID }, 'integrationConfigId'],
      [{ ...valid, integrationConfigId: 'int-1' }, 'integrationConfigId'],
      [{ ...valid, integrationConfigId: sandbox.id }, 'integrationConfigId'],
      [{ ...valid, linked: true }, 'linked'],
    ];
    for (const [body, field] of cases) {
      const res = await ctx.api.request('POST', '/external-mappings', body);
      const issue = assertFieldRejected(res, field, JSON.stringify(body));
      if (field === 'integrationConfigId')
        assert.match(issue.message, new RegExp(String(body.integrationConfigId)));
    }
    assert.equal(await snapshot(ctx.t.db, 'external_mappings'), before);
  });

  it('is unique per (entity, m3ter id, system, table, integration), an unlinked mapping included', async () => {
    const us = await integration({ name: 'US' });
    const uk = await integration({ name: 'UK' });
    const unlinked = await mapping({ m3terId: 'acc-unique', externalId: '1' });
    const linkedUs = await mapping({ m3terId: 'acc-unique', externalId: '2', integrationConfigId: us.id });
    await mapping({ m3terId: 'acc-unique', externalId: '3', integrationConfigId: uk.id });
    await mapping({ m3terId: 'acc-unique', externalId: '4', externalSystem: 'QuickBooksSandbox' });

    const before = await snapshot(ctx.t.db, 'external_mappings');
    for (const [existing, body] of [
      [unlinked, { m3terId: 'acc-unique', externalId: '99' }],
      [unlinked, { m3terId: 'acc-unique', externalId: '99', integrationConfigId: null }],
      [linkedUs, { m3terId: 'acc-unique', externalId: '99', integrationConfigId: us.id }],
    ] as const) {
      const res = await ctx.api.request<ApiErrorBody>('POST', '/external-mappings', {
        m3terEntity: 'Account',
        externalSystem: 'QuickBooks',
        ...body,
      });
      assert.equal(res.status, 409, res.text);
      assert.equal(res.body.error.code, 'ALREADY_EXISTS');
      assert.equal(res.body.error.details?.existingId, existing.id);
      assert.match(res.body.error.message, new RegExp(existing.id));
    }
    assert.equal(await snapshot(ctx.t.db, 'external_mappings'), before);
  });

  it('updates with optimistic concurrency; an update onto a taken key is 409 naming the holder', async () => {
    const us = await integration({ name: 'Updates' });
    const a = await mapping({ m3terId: 'acc-upd', externalId: '10' });
    const b = await mapping({ m3terId: 'acc-upd', externalId: '11', integrationConfigId: us.id });
    const body = {
      m3terEntity: 'Account',
      m3terId: 'acc-upd',
      externalSystem: 'QuickBooks',
      externalId: '12',
    };

    const updated = await ctx.api.request<ExternalMapping>('PUT', `/external-mappings/${a.id}`, {
      ...body,
      version: 1,
    });
    assert.equal(updated.status, 200, updated.text);
    assert.equal(updated.body.externalId, '12');
    assert.equal(updated.body.version, 2);

    const stale = await ctx.api.request<ApiErrorBody>('PUT', `/external-mappings/${a.id}`, {
      ...body,
      externalId: '13',
      version: 1,
    });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'VERSION_CONFLICT');
    assert.equal(stale.body.error.details?.currentVersion, 2);

    const taken = await ctx.api.request<ApiErrorBody>('PUT', `/external-mappings/${b.id}`, {
      ...body,
      integrationConfigId: null,
      version: 1,
    });
    assert.equal(taken.status, 409);
    assert.equal(taken.body.error.details?.existingId, a.id);

    assertFieldRejected(await ctx.api.request('PUT', `/external-mappings/${a.id}`, body), 'version');
    assertFieldRejected(
      await ctx.api.request('PUT', `/external-mappings/${a.id}`, {
        ...body,
        externalTable: 'Item',
        version: 2,
      }),
      'externalTable',
    );
    assert.equal(
      (await ctx.api.request('PUT', `/external-mappings/${UNKNOWN_UUID}`, { ...body, version: 1 })).status,
      404,
    );
    assert.equal(
      (await ctx.api.request('PUT', '/external-mappings/zzz', { ...body, version: 1 })).status,
      404,
    );

    const deleted = await ctx.api.request('DELETE', `/external-mappings/${a.id}?version=2`);
    assert.equal(deleted.status, 204);
    assert.equal((await ctx.api.request('GET', `/external-mappings/${a.id}`)).status, 404);
    assert.equal((await ctx.api.request('DELETE', `/external-mappings/${a.id}`)).status, 404);
    assert.equal((await ctx.api.request('DELETE', `/external-mappings/${b.id}?version=5`)).status, 409);
  });

  it('lists with filters and paging, and looks up by m3ter entity and by external id', async () => {
    await withFreshApi(async ({ api: own }) => {
      const int = await own.request<Integration>('POST', '/integrations', {
        name: 'L',
        destination: 'QuickBooks',
      });
      const create = async (body: Record<string, unknown>) => {
        const res = await own.request<ExternalMapping>('POST', '/external-mappings', {
          externalSystem: 'QuickBooks',
          ...body,
        });
        assert.equal(res.status, 201, res.text);
        return res.body;
      };
      const m1 = await create({ m3terEntity: 'Account', m3terId: 'a1', externalId: 'C1' });
      const m2 = await create({
        m3terEntity: 'Account',
        m3terId: 'a1',
        externalId: 'C2',
        integrationConfigId: int.body.id,
      });
      const m3 = await create({ m3terEntity: 'Product', m3terId: 'p1', externalId: 'I1' });
      const m4 = await create({
        m3terEntity: 'Aggregation',
        m3terId: 'g1',
        externalId: 'I1',
        integrationConfigId: int.body.id,
      });
      const m5 = await create({
        m3terEntity: 'Product',
        m3terId: 'p1',
        externalId: 'I9',
        externalSystem: 'QuickBooksSandbox',
      });

      const ids = async (path: string) => {
        const res = await own.request<Page<ExternalMapping>>('GET', path);
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        return res.body.data.map((m) => m.id);
      };
      assert.deepEqual(await ids('/external-mappings'), [m1.id, m2.id, m3.id, m4.id, m5.id]);
      assert.deepEqual(await ids('/external-mappings?m3terEntity=Account'), [m1.id, m2.id]);
      assert.deepEqual(await ids('/external-mappings?m3terId=p1'), [m3.id, m5.id]);
      assert.deepEqual(await ids('/external-mappings?externalSystem=QuickBooksSandbox'), [m5.id]);
      assert.deepEqual(await ids(`/external-mappings?integrationConfigId=${int.body.id}`), [m2.id, m4.id]);
      assert.deepEqual(await ids('/external-mappings?integrationConfigId=nonsense'), []);
      assert.deepEqual(await ids('/external-mappings?externalId=I1'), [m3.id, m4.id]);
      assert.deepEqual(await ids('/external-mappings?externalId=I1&externalTable=Item&m3terEntity=Product'), [
        m3.id,
      ]);
      assert.deepEqual(await ids('/external-mappings?linked=false'), [m1.id, m3.id, m5.id]);
      assert.deepEqual(await ids('/external-mappings?linked=true'), [m2.id, m4.id]);
      assert.deepEqual(await ids('/external-mappings?limit=2&offset=2'), [m3.id, m4.id]);
      const page = await own.request<Page<ExternalMapping>>('GET', '/external-mappings?limit=2');
      assert.deepEqual([page.body.total, page.body.limit, page.body.offset], [5, 2, 0]);
      assertFieldRejected(
        await own.request('GET', '/external-mappings?m3terEntity=Plan'),
        'query.m3terEntity',
      );
      assertFieldRejected(await own.request('GET', '/external-mappings?limit=501'), 'query.limit');

      assert.deepEqual(await ids('/external-mappings/m3ter/Account/a1'), [m1.id, m2.id]);
      assert.deepEqual(await ids('/external-mappings/m3ter/Product/p1'), [m3.id, m5.id]);
      assert.deepEqual(await ids('/external-mappings/m3ter/Product/none'), []);
      assertFieldRejected(await own.request('GET', '/external-mappings/m3ter/Plan/p1'), 'params.m3terEntity');

      assert.deepEqual(await ids('/external-mappings/external/QuickBooks/Item/I1'), [m3.id, m4.id]);
      assert.deepEqual(await ids('/external-mappings/external/QuickBooks/Customer/C2'), [m2.id]);
      assert.deepEqual(await ids('/external-mappings/external/QuickBooksSandbox/Item/I1'), []);
      assertFieldRejected(
        await own.request('GET', '/external-mappings/external/Xero/Item/I1'),
        'params.externalSystem',
      );

      assert.deepEqual(await ids(`/integrations/${int.body.id}/external-mappings`), [m2.id, m4.id]);
      assert.deepEqual(await ids(`/integrations/${int.body.id}/external-mappings?m3terEntity=Aggregation`), [
        m4.id,
      ]);
      assert.equal((await own.request('GET', `/integrations/${UNKNOWN_UUID}/external-mappings`)).status, 404);
    });
  });

  describe('resolution (spec §5.1)', () => {
    let us: Integration;
    let uk: Integration;
    let strict: Integration;

    before(async () => {
      us = await integration({ name: 'Resolve US' });
      uk = await integration({ name: 'Resolve UK' });
      strict = await integration({ name: 'Resolve strict', enforceExternalMappingsForConfig: true });
    });

    async function resolve(integrationId: string, m3terEntity: string, m3terId: string) {
      return ctx.api.request<ExternalMapping & ApiErrorBody>(
        'GET',
        `/integrations/${integrationId}/external-mappings/resolve?m3terEntity=${m3terEntity}&m3terId=${encodeURIComponent(m3terId)}`,
      );
    }

    it('an unlinked mapping counts unless the integration enforces linked mappings', async () => {
      const unlinked = await mapping({ m3terId: 'acc-r1', externalId: '100' });
      assert.equal((await resolve(us.id, 'Account', 'acc-r1')).body.id, unlinked.id);
      assert.equal((await resolve(uk.id, 'Account', 'acc-r1')).body.id, unlinked.id);
      const none = await resolve(strict.id, 'Account', 'acc-r1');
      assert.equal(none.status, 404);
      assert.equal(none.body.error.code, 'NOT_FOUND');
    });

    it('a mapping linked to this integration wins over an unlinked one', async () => {
      await mapping({ m3terEntity: 'Product', m3terId: 'prod-r2', externalId: 'unlinked' });
      const linked = await mapping({
        m3terEntity: 'Product',
        m3terId: 'prod-r2',
        externalId: 'linked',
        integrationConfigId: us.id,
      });
      const linkedStrict = await mapping({
        m3terEntity: 'Product',
        m3terId: 'prod-r2',
        externalId: 'strict',
        integrationConfigId: strict.id,
      });
      assert.equal((await resolve(us.id, 'Product', 'prod-r2')).body.id, linked.id);
      assert.equal((await resolve(uk.id, 'Product', 'prod-r2')).body.externalId, 'unlinked');
      assert.equal((await resolve(strict.id, 'Product', 'prod-r2')).body.id, linkedStrict.id);
    });

    it('mappings linked to other integrations never count', async () => {
      await mapping({ m3terId: 'acc-r3', externalId: 'uk-only', integrationConfigId: uk.id });
      assert.equal((await resolve(us.id, 'Account', 'acc-r3')).status, 404);
      assert.equal((await resolve(strict.id, 'Account', 'acc-r3')).status, 404);
      assert.equal((await resolve(uk.id, 'Account', 'acc-r3')).body.externalId, 'uk-only');
    });

    it('the external system must match the destination', async () => {
      await mapping({ m3terId: 'acc-r4', externalId: 'sandbox', externalSystem: 'QuickBooksSandbox' });
      assert.equal((await resolve(us.id, 'Account', 'acc-r4')).status, 404);
      const sandbox = await integration({ name: 'Resolve sandbox', destination: 'QuickBooksSandbox' });
      assert.equal((await resolve(sandbox.id, 'Account', 'acc-r4')).body.externalId, 'sandbox');
    });

    it('switching enforcement on and off changes the answer', async () => {
      const toggled = await integration({ name: 'Toggled' });
      await mapping({ m3terEntity: 'Aggregation', m3terId: 'agg-r5', externalId: 'shared' });
      assert.equal((await resolve(toggled.id, 'Aggregation', 'agg-r5')).body.externalId, 'shared');
      await ctx.api.request('PATCH', `/integrations/${toggled.id}`, {
        version: 1,
        enforceExternalMappingsForConfig: true,
      });
      assert.equal((await resolve(toggled.id, 'Aggregation', 'agg-r5')).status, 404);
      assert.equal(
        await resolveMappingForIntegration(ctx.t.db, toggled.id, {
          m3terEntity: 'Aggregation',
          m3terId: 'agg-r5',
        }),
        null,
      );
    });

    it('validates the query and the integration', async () => {
      assertFieldRejected(
        await ctx.api.request('GET', `/integrations/${us.id}/external-mappings/resolve?m3terId=x`),
        'query.m3terEntity',
      );
      assertFieldRejected(
        await ctx.api.request('GET', `/integrations/${us.id}/external-mappings/resolve?m3terEntity=Account`),
        'query.m3terId',
      );
      assert.equal((await resolve(UNKNOWN_UUID, 'Account', 'acc-r1')).status, 404);
      assert.equal((await resolve('not-an-id', 'Account', 'acc-r1')).status, 404);
    });
  });

  describe('repository functions for the sync', () => {
    it('finds the candidates of one or many entities in one system', async () => {
      const int = await integration({ name: 'Candidates' });
      const a = await mapping({ m3terId: 'acc-c1', externalId: '1' });
      const b = await mapping({ m3terId: 'acc-c1', externalId: '2', integrationConfigId: int.id });
      await mapping({ m3terId: 'acc-c1', externalId: '3', externalSystem: 'QuickBooksSandbox' });
      const p = await mapping({ m3terEntity: 'Product', m3terId: 'acc-c1', externalId: '4' });
      const found = await findMappingCandidates(ctx.t.db, {
        m3terEntity: 'Account',
        m3terId: 'acc-c1',
        externalSystem: 'QuickBooks',
      });
      assert.deepEqual(
        found.map((m) => m.id),
        [a.id, b.id],
      );
      const many = await findMappingCandidatesForMany(ctx.t.db, 'QuickBooks', [
        { m3terEntity: 'Account', m3terId: 'acc-c1' },
        { m3terEntity: 'Product', m3terId: 'acc-c1' },
        { m3terEntity: 'Product', m3terId: 'unknown' },
      ]);
      assert.deepEqual(
        many.map((m) => m.id),
        [a.id, b.id, p.id],
      );
      assert.deepEqual(await findMappingCandidatesForMany(ctx.t.db, 'QuickBooks', []), []);
    });

    it('records a linked mapping idempotently; the first link wins', async () => {
      const int = await integration({ name: 'Auto-link' });
      const input = {
        integrationId: int.id,
        m3terEntity: 'Account' as const,
        m3terId: 'acc-link',
        externalSystem: 'QuickBooks' as const,
        externalId: '77',
      };
      const results = await Promise.all([1, 2, 3, 4].map(() => recordLinkedMapping(ctx.t.db, input)));
      assert.equal(results.filter((r) => r.created).length, 1);
      assert.equal(new Set(results.map((r) => r.mapping.id)).size, 1);
      const first = results[0]?.mapping;
      assert.equal(first?.externalTable, 'Customer');
      assert.equal(first?.integrationConfigId, int.id);

      const other = await recordLinkedMapping(ctx.t.db, { ...input, externalId: '78' });
      assert.equal(other.created, false);
      assert.equal(other.mapping.externalId, '77');
      const resolved = await resolveMappingForIntegration(ctx.t.db, int.id, {
        m3terEntity: 'Account',
        m3terId: 'acc-link',
      });
      assert.equal(resolved?.id, first?.id);
    });
  });
});
