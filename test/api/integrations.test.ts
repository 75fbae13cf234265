import assert from 'node:assert/strict';
import type { Integration } from '../../src/domain/integration-settings';
import { IntegrationSettingsSchema } from '../../src/domain/integration-settings';
import { incrementConsecutiveFailures } from '../../src/db/repositories/integrations';
import { disableIntegration } from '../../src/settings/integrations';
import { issuesOf, type ApiErrorBody, useApi, withFreshApi } from '../support/api-harness';
import { assertFieldRejected, snapshot, UNKNOWN_UUID } from './helpers';

type Written = Integration & { warnings: Array<{ field: string; message: string }> };
type Page<T> = { data: T[]; total: number; limit: number; offset: number };

const DEFAULTS = {
  entityType: 'Bill',
  accountIds: [],
  restrictedAccountIds: [],
  integrationDisabledNotificationUserIds: [],
  onlySendBillOnApproval: false,
  useExternalMappingAccountCode: false,
  excludedLineItemTypes: [],
  accountFilter: null,
  enforceExternalMappingsForConfig: false,
  excludedProductIds: [],
  excludedAggregationIds: [],
  splitUsageLineItems: 'ITEM_PER_AGGREGATION',
  quickBooksItemMapping: {},
  sendZeroQuantityLineItems: false,
  allowBankTransferPayment: false,
  allowCreditCardPayment: false,
  bccInvoiceEmailAddress: null,
  accountManagerEmailCustomField: null,
  sortLineItemsBy: 'NONE',
  autoDisableAfterConsecutiveFailures: 5,
};

/** Every setting with a value other than its default (the referenced ids exist, see `before`). */
const CUSTOM = {
  name: 'UK company',
  destination: 'QuickBooksSandbox',
  entityType: 'Bill',
  accountIds: ['acc-1', 'acc-2'],
  restrictedAccountIds: ['acc-2'],
  integrationDisabledNotificationUserIds: ['user-1'],
  onlySendBillOnApproval: true,
  useExternalMappingAccountCode: true,
  excludedLineItemTypes: ['MINIMUM_SPEND', 'CREDIT_MEMO'],
  accountFilter: 'customFields != null AND customFields.country == UK',
  enforceExternalMappingsForConfig: true,
  excludedProductIds: ['prod-1'],
  excludedAggregationIds: ['agg-1', 'cagg-1'],
  splitUsageLineItems: 'ITEM_PER_USAGE_BAND',
  quickBooksItemMapping: { CREDIT_MEMO: '17', DEBIT_MEMO: '18' },
  sendZeroQuantityLineItems: true,
  allowBankTransferPayment: true,
  allowCreditCardPayment: true,
  bccInvoiceEmailAddress: 'ledger@example.com',
  accountManagerEmailCustomField: 'accountManagerEmail',
  sortLineItemsBy: 'SUBTOTAL',
  autoDisableAfterConsecutiveFailures: 3,
};

function settingsOf(body: object): Record<string, unknown> {
  const record = body as Record<string, unknown>;
  return Object.fromEntries(Object.keys(IntegrationSettingsSchema.shape).map((k) => [k, record[k]]));
}

describe('integrations API', () => {
  const ctx = useApi();

  before(async () => {
    const known: Array<[string, string, Record<string, unknown>]> = [
      ['accounts', 'acc-1', { name: 'Acme' }],
      ['accounts', 'acc-2', { name: 'Globex' }],
      ['products', 'prod-1', { name: 'Platform' }],
      ['aggregations', 'agg-1', { name: 'API calls' }],
      ['compound-aggregations', 'cagg-1', { name: 'Weighted calls' }],
      ['users', 'user-1', { email: 'ops@example.com', firstName: 'Olga' }],
      ['users', 'user-2', { email: 'fin@example.com' }],
    ];
    for (const [kind, id, body] of known) {
      const res = await ctx.api.request('PUT', `/reference/${kind}/${id}`, { id, ...body });
      assert.equal(res.status, 200, res.text);
    }
  });

  async function create(body: Record<string, unknown>): Promise<Written> {
    const res = await ctx.api.request<Written>('POST', '/integrations', body);
    assert.equal(res.status, 201, res.text);
    return res.body;
  }

  it('the defaults table covers every setting of the schema', () => {
    assert.deepEqual(
      Object.keys(IntegrationSettingsSchema.shape).sort(),
      [...Object.keys(DEFAULTS), 'name', 'destination'].sort(),
    );
    assert.deepEqual(Object.keys(CUSTOM).sort(), Object.keys(IntegrationSettingsSchema.shape).sort());
  });

  it('creates with every default applied and reads it back', async () => {
    const created = await create({ name: 'US company', destination: 'QuickBooks' });
    assert.deepEqual(settingsOf(created), { name: 'US company', destination: 'QuickBooks', ...DEFAULTS });
    assert.deepEqual(created.warnings, []);
    assert.match(created.id, /^[0-9a-f-]{36}$/);
    assert.equal(created.enabled, true);
    assert.equal(created.credentialId, null);
    assert.equal(created.connectionStatus, 'NOT_CONNECTED');
    assert.equal(created.disabledAt, null);
    assert.equal(created.disabledReason, null);
    assert.equal(created.consecutiveFailures, 0);
    assert.equal(created.version, 1);
    assert.ok(Date.parse(created.createdAt) > 0 && Date.parse(created.updatedAt) > 0);

    const read = await ctx.api.request<Integration>('GET', `/integrations/${created.id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, (({ warnings: _w, ...rest }) => rest)(created));
  });

  it('round-trips every setting with a non-default value', async () => {
    const created = await create(CUSTOM);
    assert.deepEqual(settingsOf(created), CUSTOM);
    assert.deepEqual(created.warnings, [], 'every referenced id is known');
    const read = await ctx.api.request<Integration>('GET', `/integrations/${created.id}`);
    assert.deepEqual(settingsOf(read.body), CUSTOM);
  });

  it('can be created disabled', async () => {
    const created = await create({ name: 'Later', destination: 'QuickBooks', enabled: false });
    assert.equal(created.enabled, false);
    assert.ok(created.disabledAt);
  });

  describe('rejects every invalid value with the field named and nothing written', () => {
    const base = { name: 'Valid', destination: 'QuickBooks' };
    const cases: Array<[field: string, body: Record<string, unknown>]> = [
      ['name', { destination: 'QuickBooks' }],
      ['name', { ...base, name: '' }],
      ['name', { ...base, name: '   ' }],
      ['name', { ...base, name: 42 }],
      ['destination', { name: 'x' }],
      ['destination', { ...base, destination: 'Xero' }],
      ['destination', { ...base, destination: 'QUICKBOOKS' }],
      ['entityType', { ...base, entityType: 'Invoice' }],
      ['accountIds', { ...base, accountIds: 'acc-1' }],
      ['accountIds.0', { ...base, accountIds: [1] }],
      ['accountIds.0', { ...base, accountIds: [''] }],
      ['restrictedAccountIds', { ...base, restrictedAccountIds: {} }],
      ['integrationDisabledNotificationUserIds.0', { ...base, integrationDisabledNotificationUserIds: [3] }],
      ['onlySendBillOnApproval', { ...base, onlySendBillOnApproval: 'yes' }],
      ['useExternalMappingAccountCode', { ...base, useExternalMappingAccountCode: 1 }],
      ['excludedLineItemTypes.0', { ...base, excludedLineItemTypes: ['FOO'] }],
      ['excludedLineItemTypes', { ...base, excludedLineItemTypes: 'USAGE' }],
      ['accountFilter', { ...base, accountFilter: 5 }],
      ['accountFilter', { ...base, accountFilter: 'x'.repeat(4001) }],
      ['enforceExternalMappingsForConfig', { ...base, enforceExternalMappingsForConfig: 'true' }],
      ['excludedProductIds', { ...base, excludedProductIds: 'prod-1' }],
      ['excludedAggregationIds.1', { ...base, excludedAggregationIds: ['a', null] }],
      ['splitUsageLineItems', { ...base, splitUsageLineItems: 'ITEM_PER_LINE' }],
      ['quickBooksItemMapping', { ...base, quickBooksItemMapping: { FOO: '1' } }],
      ['quickBooksItemMapping.CREDIT_MEMO', { ...base, quickBooksItemMapping: { CREDIT_MEMO: 5 } }],
      ['quickBooksItemMapping', { ...base, quickBooksItemMapping: 'x' }],
      ['sendZeroQuantityLineItems', { ...base, sendZeroQuantityLineItems: null }],
      ['allowBankTransferPayment', { ...base, allowBankTransferPayment: 'x' }],
      ['allowCreditCardPayment', { ...base, allowCreditCardPayment: 0 }],
      ['bccInvoiceEmailAddress', { ...base, bccInvoiceEmailAddress: 'not-an-email' }],
      ['accountManagerEmailCustomField', { ...base, accountManagerEmailCustomField: '' }],
      ['sortLineItemsBy', { ...base, sortLineItemsBy: 'NAME' }],
      ['autoDisableAfterConsecutiveFailures', { ...base, autoDisableAfterConsecutiveFailures: 0 }],
      ['autoDisableAfterConsecutiveFailures', { ...base, autoDisableAfterConsecutiveFailures: 1.5 }],
      ['autoDisableAfterConsecutiveFailures', { ...base, autoDisableAfterConsecutiveFailures: '5' }],
      ['enabled', { ...base, enabled: 'no' }],
      ['unknownSetting', { ...base, unknownSetting: true }],
      ['id', { ...base, id: UNKNOWN_UUID }],
      ['credentialId', { ...base, credentialId: UNKNOWN_UUID }],
      ['credentialId', { ...base, credentialId: 'not-a-uuid' }],
    ];
    for (const [field, body] of cases) {
      it(`${field} ← ${JSON.stringify(body).slice(0, 90)}`, async () => {
        const before = await snapshot(ctx.t.db, 'integrations');
        const res = await ctx.api.request<ApiErrorBody>('POST', '/integrations', body);
        assertFieldRejected(res, field);
        assert.equal(res.body.error.code, 'VALIDATION_FAILED');
        assert.equal(await snapshot(ctx.t.db, 'integrations'), before);
      });
    }

    it('an unknown field is named in the message', async () => {
      const res = await ctx.api.request<ApiErrorBody>('POST', '/integrations', {
        ...base,
        sendBillOnApproval: true,
      });
      assert.equal(res.status, 400);
      assert.match(res.body.error.message, /sendBillOnApproval/);
    });

    it('a body that is not an object is rejected', async () => {
      for (const body of [[], 'null', '"text"', '42']) {
        const res = await ctx.api.request('POST', '/integrations', body);
        assert.equal(res.status, 400, JSON.stringify(body));
      }
      const none = await ctx.api.request('POST', '/integrations');
      assert.equal(none.status, 400);
    });

    it('invalid values on PUT and PATCH change nothing either', async () => {
      const created = await create({ name: 'Guarded', destination: 'QuickBooks' });
      const before = await snapshot(ctx.t.db, 'integrations');
      const attempts: Array<[string, Record<string, unknown>, string]> = [
        ['PUT', { ...base, version: 1, sortLineItemsBy: 'NAME' }, 'sortLineItemsBy'],
        ['PUT', { ...base, sortLineItemsBy: 'NONE' }, 'version'],
        ['PUT', { ...base, version: 'one' }, 'version'],
        ['PATCH', { version: 1, destination: 'Stripe' }, 'destination'],
        ['PATCH', { version: 1, bccInvoiceEmailAddress: 'nope' }, 'bccInvoiceEmailAddress'],
        ['PATCH', { allowCreditCardPayment: true }, 'version'],
        ['PATCH', { version: 1, enabled: false }, 'enabled'],
        ['PATCH', { version: 1, accountFilter: 'customFields.country ==' }, 'accountFilter'],
        [
          'PATCH',
          { version: 1, integrationDisabledNotificationUserIds: ['ghost'] },
          'integrationDisabledNotificationUserIds',
        ],
      ];
      for (const [method, body, field] of attempts) {
        const res = await ctx.api.request(method, `/integrations/${created.id}`, body);
        assertFieldRejected(res, field, `${method} ${JSON.stringify(body)}`);
      }
      assert.equal(await snapshot(ctx.t.db, 'integrations'), before);
    });
  });

  describe('account filter', () => {
    it('accepts a valid expression and rejects a syntax error with its position and what was expected', async () => {
      const ok = await create({
        name: 'Filtered',
        destination: 'QuickBooks',
        accountFilter: '(address.country == US OR address.country == "CA") AND currency != null',
      });
      assert.equal(
        ok.accountFilter,
        '(address.country == US OR address.country == "CA") AND currency != null',
      );

      const before = await snapshot(ctx.t.db, 'integrations');
      const source = 'customFields.country == UK AND';
      const res = await ctx.api.request('POST', '/integrations', {
        name: 'Bad',
        destination: 'QuickBooks',
        accountFilter: source,
      });
      const issue = assertFieldRejected(res, 'accountFilter');
      assert.equal(typeof issue.position, 'number');
      assert.ok((issue.position as number) >= 'customFields.country == UK'.length, JSON.stringify(issue));
      assert.equal(typeof issue.expected, 'string');
      assert.ok((issue.expected as string).length > 0);
      assert.match(issue.message, /\d/);
      assert.equal(await snapshot(ctx.t.db, 'integrations'), before);

      for (const bad of [
        'customFields.country UK',
        '(currency == USD',
        'currency == == USD',
        'AND',
        'currency == "open',
      ]) {
        const r = await ctx.api.request('POST', '/integrations', {
          name: 'Bad',
          destination: 'QuickBooks',
          accountFilter: bad,
        });
        const i = assertFieldRejected(r, 'accountFilter', bad);
        assert.equal(typeof i.position, 'number', bad);
      }
    });

    it('stores a blank filter as no filter', async () => {
      const created = await create({ name: 'Blank filter', destination: 'QuickBooks', accountFilter: '   ' });
      assert.equal(created.accountFilter, null);
    });
  });

  describe('referenced ids', () => {
    it('rejects unknown notification users, naming the field and the ids', async () => {
      const before = await snapshot(ctx.t.db, 'integrations');
      const res = await ctx.api.request('POST', '/integrations', {
        name: 'Notify',
        destination: 'QuickBooks',
        integrationDisabledNotificationUserIds: ['user-1', 'ghost-1', 'ghost-2'],
      });
      const issue = assertFieldRejected(res, 'integrationDisabledNotificationUserIds');
      assert.match(issue.message, /ghost-1/);
      assert.match(issue.message, /ghost-2/);
      assert.doesNotMatch(issue.message, /user-1/);
      assert.deepEqual(issue.unknownIds, ['ghost-1', 'ghost-2']);
      assert.equal(await snapshot(ctx.t.db, 'integrations'), before);

      const ok = await create({
        name: 'Notify',
        destination: 'QuickBooks',
        integrationDisabledNotificationUserIds: ['user-1', 'user-2'],
      });
      assert.deepEqual(ok.integrationDisabledNotificationUserIds, ['user-1', 'user-2']);
    });

    it('accepts unknown account, product and aggregation ids and lists them as warnings', async () => {
      const res = await ctx.api.request<Written>('POST', '/integrations', {
        name: 'Warned',
        destination: 'QuickBooks',
        accountIds: ['acc-1', 'a-9'],
        restrictedAccountIds: ['a-10', 'a-10'],
        excludedProductIds: ['prod-1', 'p-9'],
        excludedAggregationIds: ['agg-1', 'cagg-1', 'g-9'],
      });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.warnings, [
        { field: 'accountIds', message: 'unknown account id(s): a-9' },
        { field: 'restrictedAccountIds', message: 'unknown account id(s): a-10' },
        { field: 'excludedProductIds', message: 'unknown product id(s): p-9' },
        { field: 'excludedAggregationIds', message: 'unknown aggregation id(s): g-9' },
      ]);
      assert.deepEqual(res.body.accountIds, ['acc-1', 'a-9'], 'saved anyway');

      // once m3ter has sent the account, the warning goes away
      await ctx.api.request('PUT', '/reference/accounts/a-9', { id: 'a-9', name: 'Late account' });
      const patched = await ctx.api.request<Written>('PATCH', `/integrations/${res.body.id}`, {
        version: 1,
        restrictedAccountIds: [],
        excludedProductIds: [],
        excludedAggregationIds: [],
      });
      assert.equal(patched.status, 200, patched.text);
      assert.deepEqual(patched.body.warnings, []);
    });
  });

  describe('updates', () => {
    it('PUT replaces every setting (absent ones take their defaults) and bumps the version', async () => {
      const created = await create(CUSTOM);
      const res = await ctx.api.request<Written>('PUT', `/integrations/${created.id}`, {
        name: 'Renamed',
        destination: 'QuickBooksSandbox',
        sortLineItemsBy: 'AGGREGATION_ID',
        version: 1,
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(settingsOf(res.body), {
        ...DEFAULTS,
        name: 'Renamed',
        destination: 'QuickBooksSandbox',
        sortLineItemsBy: 'AGGREGATION_ID',
      });
      assert.equal(res.body.version, 2);
      assert.ok(res.body.updatedAt >= created.updatedAt);
    });

    it('PATCH changes only the settings given', async () => {
      const created = await create(CUSTOM);
      const res = await ctx.api.request<Written>('PATCH', `/integrations/${created.id}`, {
        version: 1,
        allowCreditCardPayment: false,
        accountFilter: null,
        quickBooksItemMapping: { DEBIT_MEMO: '99' },
      });
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(settingsOf(res.body), {
        ...CUSTOM,
        allowCreditCardPayment: false,
        accountFilter: null,
        quickBooksItemMapping: { DEBIT_MEMO: '99' },
      });
      assert.equal(res.body.version, 2);
    });

    it('a stale version gets 409 naming the current version, and nothing changes', async () => {
      const created = await create({ name: 'Concurrent', destination: 'QuickBooks' });
      const first = await ctx.api.request('PATCH', `/integrations/${created.id}`, {
        version: 1,
        name: 'First writer',
      });
      assert.equal(first.status, 200);
      const before = await snapshot(ctx.t.db, 'integrations');
      for (const [method, path, body] of [
        ['PUT', `/integrations/${created.id}`, { name: 'Second', destination: 'QuickBooks', version: 1 }],
        ['PATCH', `/integrations/${created.id}`, { name: 'Second', version: 1 }],
        ['POST', `/integrations/${created.id}/disable`, { version: 1 }],
        ['POST', `/integrations/${created.id}/enable`, { version: 1 }],
        ['DELETE', `/integrations/${created.id}?version=1`, undefined],
        ['DELETE', `/integrations/${created.id}/credential?version=1`, undefined],
      ] as const) {
        const res = await ctx.api.request<ApiErrorBody>(method, path, body);
        assert.equal(res.status, 409, `${method} ${path}: ${res.text}`);
        assert.equal(res.body.error.code, 'VERSION_CONFLICT');
        assert.equal(res.body.error.details?.currentVersion, 2);
        assert.equal(res.body.error.details?.expectedVersion, 1);
        assert.match(res.body.error.message, /version 2/);
      }
      assert.equal(await snapshot(ctx.t.db, 'integrations'), before);
    });

    it('unknown and malformed ids are 404 on every integration route', async () => {
      for (const id of [UNKNOWN_UUID, 'nope', '123']) {
        for (const [method, path, body] of [
          ['GET', `/integrations/${id}`, undefined],
          ['PUT', `/integrations/${id}`, { name: 'x', destination: 'QuickBooks', version: 1 }],
          ['PATCH', `/integrations/${id}`, { version: 1 }],
          ['DELETE', `/integrations/${id}`, undefined],
          ['POST', `/integrations/${id}/enable`, undefined],
          ['POST', `/integrations/${id}/disable`, undefined],
          ['PUT', `/integrations/${id}/credential`, { credentialId: UNKNOWN_UUID, version: 1 }],
          ['DELETE', `/integrations/${id}/credential`, undefined],
        ] as const) {
          const res = await ctx.api.request<ApiErrorBody>(method, path, body);
          assert.equal(res.status, 404, `${method} ${path}: ${res.text}`);
          assert.equal(res.body.error.code, 'NOT_FOUND');
        }
      }
    });
  });

  describe('enable and disable', () => {
    it('disable records when and why; enable clears both and resets the failure count', async () => {
      const created = await create({ name: 'Toggle', destination: 'QuickBooks' });
      const disabled = await ctx.api.request<Integration>('POST', `/integrations/${created.id}/disable`, {
        reason: 'maintenance',
      });
      assert.equal(disabled.status, 200, disabled.text);
      assert.equal(disabled.body.enabled, false);
      assert.equal(disabled.body.disabledReason, 'maintenance');
      assert.ok(disabled.body.disabledAt);
      assert.equal(disabled.body.version, 2);

      // disabling again keeps the original time
      const again = await ctx.api.request<Integration>('POST', `/integrations/${created.id}/disable`);
      assert.equal(again.body.disabledAt, disabled.body.disabledAt);
      assert.equal(again.body.disabledReason, 'maintenance');

      assert.equal(await incrementConsecutiveFailures(ctx.t.db, created.id), 1);
      assert.equal(await incrementConsecutiveFailures(ctx.t.db, created.id), 2);
      const counted = await ctx.api.request<Integration>('GET', `/integrations/${created.id}`);
      assert.equal(counted.body.consecutiveFailures, 2);

      const enabled = await ctx.api.request<Integration>('POST', `/integrations/${created.id}/enable`);
      assert.equal(enabled.status, 200);
      assert.equal(enabled.body.enabled, true);
      assert.equal(enabled.body.disabledAt, null);
      assert.equal(enabled.body.disabledReason, null);
      assert.equal(enabled.body.consecutiveFailures, 0);

      const bad = await ctx.api.request('POST', `/integrations/${created.id}/disable`, { reason: 42 });
      assertFieldRejected(bad, 'reason');
    });

    it('reports `changed` only to the call that turned the integration off', async () => {
      const created = await create({ name: 'Auto', destination: 'QuickBooks' });
      const results = await Promise.all(
        [1, 2, 3, 4].map(() => disableIntegration(ctx.t.db, created.id, { reason: '5 failures in a row' })),
      );
      assert.equal(results.filter((r) => r.changed).length, 1);
    });
  });

  describe('credential and connection status', () => {
    async function credential(destination: string): Promise<{ id: string }> {
      const res = await ctx.api.request<{ id: string }>('POST', '/credentials', {
        name: `cred ${destination}`,
        destination,
      });
      assert.equal(res.status, 201);
      return res.body;
    }
    async function authorize(id: string): Promise<void> {
      const res = await ctx.api.request('PUT', `/credentials/${id}/tokens`, {
        realmId: '9130',
        accessToken: 'at',
        refreshToken: 'rt',
        accessTokenExpiresAt: new Date(Date.now() + 3600_000).toISOString(),
        refreshTokenExpiresAt: new Date(Date.now() + 86400_000).toISOString(),
      });
      assert.equal(res.status, 200, res.text);
    }

    it('connects, changes and disconnects a credential; CONNECTED only while it is AUTHORIZED', async () => {
      const integration = await create({ name: 'Connect me', destination: 'QuickBooks' });
      const first = await credential('QuickBooks');
      const connected = await ctx.api.request<Integration>(
        'PUT',
        `/integrations/${integration.id}/credential`,
        {
          credentialId: first.id,
          version: 1,
        },
      );
      assert.equal(connected.status, 200, connected.text);
      assert.equal(connected.body.credentialId, first.id);
      assert.equal(connected.body.connectionStatus, 'NOT_CONNECTED', 'pending authorization');

      await authorize(first.id);
      const read = await ctx.api.request<Integration>('GET', `/integrations/${integration.id}`);
      assert.equal(read.body.connectionStatus, 'CONNECTED');
      const listed = await ctx.api.request<Page<Integration>>(
        'GET',
        `/integrations?credentialId=${first.id}`,
      );
      assert.deepEqual(
        listed.body.data.map((i) => [i.id, i.connectionStatus]),
        [[integration.id, 'CONNECTED']],
      );

      const second = await credential('QuickBooks');
      const changed = await ctx.api.request<Integration>(
        'PUT',
        `/integrations/${integration.id}/credential`,
        {
          credentialId: second.id,
          version: 2,
        },
      );
      assert.equal(changed.body.credentialId, second.id);
      assert.equal(changed.body.connectionStatus, 'NOT_CONNECTED');

      const disconnected = await ctx.api.request<Integration>(
        'DELETE',
        `/integrations/${integration.id}/credential`,
      );
      assert.equal(disconnected.status, 200);
      assert.equal(disconnected.body.credentialId, null);
      assert.equal(disconnected.body.connectionStatus, 'NOT_CONNECTED');
      assert.equal(disconnected.body.version, 4);
    });

    it('rejects an unknown credential or one for the other destination', async () => {
      const integration = await create({ name: 'Picky', destination: 'QuickBooks' });
      const sandbox = await credential('QuickBooksSandbox');
      const before = await snapshot(ctx.t.db, 'integrations');
      for (const credentialId of [UNKNOWN_UUID, 'garbage', sandbox.id]) {
        const res = await ctx.api.request('PUT', `/integrations/${integration.id}/credential`, {
          credentialId,
          version: 1,
        });
        const issue = assertFieldRejected(res, 'credentialId', credentialId);
        assert.match(issue.message, new RegExp(credentialId));
      }
      assertFieldRejected(
        await ctx.api.request('PUT', `/integrations/${integration.id}/credential`, {
          credentialId: sandbox.id,
        }),
        'version',
      );
      assert.equal(await snapshot(ctx.t.db, 'integrations'), before);

      const mismatch = await ctx.api.request('POST', '/integrations', {
        name: 'x',
        destination: 'QuickBooks',
        credentialId: sandbox.id,
      });
      assertFieldRejected(mismatch, 'destination');
    });

    it('refuses to move an integration to another destination while its credential targets this one', async () => {
      const cred = await credential('QuickBooks');
      const integration = await create({ name: 'Pinned', destination: 'QuickBooks', credentialId: cred.id });
      assert.equal(integration.credentialId, cred.id);
      const res = await ctx.api.request('PATCH', `/integrations/${integration.id}`, {
        version: 1,
        destination: 'QuickBooksSandbox',
      });
      const issue = assertFieldRejected(res, 'destination');
      assert.match(issue.message, /QuickBooksSandbox/);
    });
  });

  describe('listing and deleting', () => {
    it('lists several QuickBooks integrations with filters and paging', async () => {
      await withFreshApi(async ({ api: own }) => {
        const ids: string[] = [];
        for (const [name, destination, enabled] of [
          ['US', 'QuickBooks', true],
          ['UK', 'QuickBooks', true],
          ['Sandbox', 'QuickBooksSandbox', true],
          ['Old', 'QuickBooks', false],
        ] as const) {
          const res = await own.request<Integration>('POST', '/integrations', { name, destination, enabled });
          assert.equal(res.status, 201);
          ids.push(res.body.id);
        }
        const all = await own.request<Page<Integration>>('GET', '/integrations');
        assert.deepEqual(
          all.body.data.map((i) => i.name),
          ['US', 'UK', 'Sandbox', 'Old'],
        );
        assert.equal(all.body.total, 4);
        const qbo = await own.request<Page<Integration>>(
          'GET',
          '/integrations?destination=QuickBooks&enabled=true',
        );
        assert.deepEqual(
          qbo.body.data.map((i) => i.name),
          ['US', 'UK'],
        );
        const disabled = await own.request<Page<Integration>>('GET', '/integrations?enabled=false');
        assert.deepEqual(
          disabled.body.data.map((i) => i.name),
          ['Old'],
        );
        const page = await own.request<Page<Integration>>('GET', '/integrations?limit=2&offset=1');
        assert.deepEqual(
          page.body.data.map((i) => i.name),
          ['UK', 'Sandbox'],
        );
        assert.deepEqual([page.body.total, page.body.limit, page.body.offset], [4, 2, 1]);
        const beyond = await own.request<Page<Integration>>('GET', '/integrations?offset=10');
        assert.deepEqual([beyond.body.data.length, beyond.body.total], [0, 4]);

        for (const [query, field] of [
          ['destination=Xero', 'query.destination'],
          ['enabled=yes', 'query.enabled'],
          ['limit=0', 'query.limit'],
          ['limit=abc', 'query.limit'],
          ['offset=-1', 'query.offset'],
          ['colour=red', 'query'],
        ] as const) {
          const res = await own.request('GET', `/integrations?${query}`);
          assert.equal(res.status, 400, query);
          assert.ok(
            issuesOf(res).some((i) => i.field.startsWith(field)),
            `${query}: ${res.text}`,
          );
        }
      });
    });

    it('deletes an integration (and its linked mappings)', async () => {
      const created = await create({ name: 'Doomed', destination: 'QuickBooks' });
      const mapping = await ctx.api.request<{ id: string }>('POST', '/external-mappings', {
        m3terEntity: 'Account',
        m3terId: 'acc-1',
        externalSystem: 'QuickBooks',
        externalId: '58',
        integrationConfigId: created.id,
      });
      assert.equal(mapping.status, 201);
      const res = await ctx.api.request('DELETE', `/integrations/${created.id}?version=1`);
      assert.equal(res.status, 204);
      assert.equal(res.text, '');
      assert.equal((await ctx.api.request('GET', `/integrations/${created.id}`)).status, 404);
      assert.equal((await ctx.api.request('GET', `/external-mappings/${mapping.body.id}`)).status, 404);
      assert.equal((await ctx.api.request('DELETE', `/integrations/${created.id}`)).status, 404);
    });
  });
});
