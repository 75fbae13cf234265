import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { recordIntegrationEvent } from '../../src/db/repositories/integration-events.repository';
import { runReconciliation } from '../../src/bill-sync/reconciliation';
import { ACME_ACCOUNT, sampleBill } from '../support/bills';
import { reconciliationDeps } from '../support/reconciliation-seed';
import { startSyncHarness, type SyncHarness } from '../support/sync-harness';
import { BODY_LIMIT, adminCases, type AdminCase, type ParamPlan } from './support/admin-cases';
import {
  Failures,
  Tally,
  changedTables,
  errorCodeOf,
  errorFormatProblems,
  fingerprint,
  fuzzConfig,
  isRecord,
  namesField,
  preview,
  printSuiteSummary,
  send,
  settledWorkflowIds,
  tableNames,
  terminateAll,
} from './support/fuzz-kit';
import { jsonText, prototypePolluted } from './support/hostile';
import { encode } from './support/webhook-cases';
import { SchemaArbitraries, type JsonSchema, type OpenApiDocument } from './support/schema-arb';

/**
 * Fuzz of the admin API from its own OpenAPI document: every documented path × method with generated path
 * parameters, query strings and bodies (valid, and broken in one place), with and without the API key, plus
 * malformed JSON, odd content types, oversized bodies and undocumented routes.
 *
 * For every request: never a 5xx; 401 without the key; a broken request gets a 400 naming the broken
 * field; every 4xx is in the one error format; a request that is not a successful write changes no table;
 * and every workflow on the suite's task queue was reported by a successful response.
 */

type PoolKey =
  | 'integrations'
  | 'credentials'
  | 'mappings'
  | 'runs'
  | 'events'
  | 'bills'
  | 'reconciliations'
  | 'm3terIds'
  | 'externalIds'
  | 'Account'
  | 'Product'
  | 'Aggregation'
  | 'CompoundAggregation'
  | 'OrgUser';

const POOL_SQL = `
  SELECT 'integrations' AS k, id::text AS id FROM integrations
  UNION ALL SELECT 'credentials', id::text FROM credentials
  UNION ALL SELECT 'mappings', id::text FROM external_mappings
  UNION ALL SELECT 'externalIds', external_id FROM external_mappings
  UNION ALL SELECT 'runs', id::text FROM integration_runs
  UNION ALL SELECT 'events', id::text FROM integration_events
  UNION ALL SELECT 'bills', id FROM bills
  UNION ALL SELECT 'reconciliations', id::text FROM reconciliation_runs
  UNION ALL SELECT 'm3terIds', id FROM m3ter_objects
  UNION ALL SELECT kind, id FROM m3ter_objects WHERE deleted_at IS NULL`;

const REFERENCE_KINDS: Record<string, PoolKey> = {
  accounts: 'Account',
  products: 'Product',
  aggregations: 'Aggregation',
  'compound-aggregations': 'CompoundAggregation',
  users: 'OrgUser',
};

function poolFor(template: string, param: string): PoolKey {
  if (param === 'billId') return 'bills';
  if (param === 'm3terId') return 'm3terIds';
  if (param === 'externalId') return 'externalIds';
  const [, first, second] = template.split('/');
  if (first === 'reference') return REFERENCE_KINDS[second ?? ''] ?? 'm3terIds';
  if (first === 'credentials') return 'credentials';
  if (first === 'external-mappings') return 'mappings';
  if (first === 'integration-runs') return 'runs';
  if (first === 'integration-events') return 'events';
  if (first === 'reconciliations') return 'reconciliations';
  return 'integrations';
}

/** Marker for "an id that exists when the request is sent", resolved at send time. */
interface PoolMarker {
  __pool: PoolKey;
  n: number;
}

function isPoolMarker(v: unknown): v is PoolMarker {
  return (
    isRecord(v) && typeof v.__pool === 'string' && typeof v.n === 'number' && Object.keys(v).length === 2
  );
}

const hints = (name: string, schema: JsonSchema): fc.Arbitrary<unknown> | undefined => {
  const pool = (k: PoolKey) => fc.nat().map((n): PoolMarker => ({ __pool: k, n }));
  switch (name) {
    case 'version':
      // Current versions are small; the huge ones are valid by the document too.
      return fc.oneof(
        { weight: 8, arbitrary: fc.integer({ min: 1, max: 3 }) },
        { weight: 1, arbitrary: fc.constantFrom(2 ** 31, 2 ** 53 - 1) },
      );
    case 'credentialId':
      return fc.oneof(
        { weight: 4, arbitrary: pool('credentials') },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.uuid() },
      );
    case 'integrationConfigId':
    case 'integrationId':
      return fc.oneof(
        { weight: 4, arbitrary: pool('integrations') },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
      );
    case 'accountFilter':
      return fc.oneof(
        { weight: 3, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom('code = "ACME"', 'customFields.country in ("US", "CA")') },
        { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
      );
    default:
      void schema;
      return undefined;
  }
};

describe('fuzz: admin API (from /openapi.json)', function () {
  const config = fuzzConfig(500);
  this.timeout(180_000 + config.runs * 200);
  let h: SyncHarness;
  let tables: string[];
  let doc: OpenApiDocument;
  const setupWorkflows = new Set<string>();
  const seeded = { integration: '', unconnected: '', credential: '', bill: '' };

  before(async () => {
    h = await startSyncHarness({ workers: 1 });
    await h.putAccount(ACME_ACCOUNT);
    // Something of everything, so generated ids hit real rows: integrations, a run, an event, a mapping, reference data.
    const a = await h.createIntegration();
    const b = await h.createIntegration();
    const unconnected = await h.createIntegration({}, { credentialId: null });
    const bill = sampleBill();
    Object.assign(seeded, {
      integration: a.id,
      unconnected: unconnected.id,
      credential: a.credentialId ?? '',
      bill: bill.id,
    });
    const sent = await h.sendWebhook(h.billEvent(bill));
    assert.equal(sent.status, 202);
    for (const w of sent.body.workflows as string[]) setupWorkflows.add(w);
    await h.waitForSync(a.id, bill.id);
    await h.waitForSync(b.id, bill.id);
    // A reconciliation of the first integration, so its routes (results, actions) meet a real run and results.
    await runReconciliation(reconciliationDeps(h), a.id, { from: '2026-10-01', to: '2026-12-01' });
    await h.stopWorkers();
    const [run] = await h.runs({ integrationId: a.id });
    await recordIntegrationEvent(h.database.db, {
      integrationId: a.id,
      eventType: 'integration.perform.error',
      message: 'seeded by the fuzz suite',
      runId: run?.id,
      billId: bill.id,
    });
    for (const [path, body] of [
      [
        '/external-mappings',
        {
          m3terEntity: 'Account',
          m3terId: 'acct-2',
          externalSystem: 'QuickBooks',
          externalTable: 'Customer',
          externalId: '1',
          integrationConfigId: a.id,
        },
      ],
      [
        '/external-mappings',
        { m3terEntity: 'Product', m3terId: 'prod-api', externalSystem: 'QuickBooks', externalId: '7' },
      ],
    ] as const) {
      const res = await h.api.request('POST', path, body);
      assert.equal(res.status, 201, res.text);
    }
    for (const [path, body] of [
      ['/reference/products/prod-api', { id: 'prod-api', name: 'API', code: 'api', version: 1 }],
      ['/reference/aggregations/agg-calls', { id: 'agg-calls', name: 'Calls', version: 1 }],
      ['/reference/compound-aggregations/cagg-1', { id: 'cagg-1', name: 'Compound', version: 1 }],
      ['/reference/users/user-1', { id: 'user-1', email: 'ops@example.com', version: 1 }],
      ['/reference/organization', { currency: 'USD', version: 1 }],
    ] as const) {
      const res = await h.api.request('PUT', path, body);
      assert.ok(res.status < 300, `${path}: ${res.status} ${res.text}`);
    }
    const res = await h.api.request<OpenApiDocument>('GET', '/openapi.json', undefined, {
      authorization: '',
    });
    assert.equal(res.status, 200);
    doc = res.body;
    tables = await tableNames(h.database.db);
  });
  after(async () => h?.stop());

  it('answers every generated request without a 5xx, rejects cleanly, and a rejected request writes nothing', async () => {
    const startedAt = Date.now();
    const tally = new Tally();
    const failures = new Failures('admin API', config);
    const arbs = new SchemaArbitraries(doc, hints);
    const cases = [
      ...pinnedAdminCases(seeded),
      ...fc.sample(adminCases(doc, arbs), { seed: config.seed, numRuns: config.runs }),
    ];
    const db = h.database.db;
    const reported = new Set<string>(setupWorkflows);
    const pools = new Map<PoolKey, string[]>();
    const refreshPools = async () => {
      pools.clear();
      const { rows } = await db.query<{ k: PoolKey; id: string }>(POOL_SQL);
      for (const r of rows) pools.set(r.k, [...(pools.get(r.k) ?? []), r.id]);
    };
    await refreshPools();
    let last = await fingerprint(db, tables);
    const twoXx = { reads: 0, writes: 0 };

    for (const c of cases) {
      const req = buildRequest(c, pools, h.api.baseUrl, h.api.apiKey);
      const expected = expectationOf(c);
      const res = await send(req.url, req.init);
      const label = c.undocumented ? 'undocumented route' : `${c.method} ${c.template}`;
      tally.record(res.status, expected.kind);
      const problems: string[] = [];

      if (res.status >= 500) problems.push(`${res.status}: ${preview(res.json ?? res.text, 200)}`);
      if (expected.statuses !== 'any' && !expected.statuses.includes(res.status))
        problems.push(`expected ${expected.statuses.join('/')} (${expected.why}), got ${res.status}`);
      if (expected.statuses === 'any' && res.status < 200) problems.push(`unexpected status ${res.status}`);
      // The OAuth callback (public, for a browser) answers its 400s with its own codes; everything else names the field.
      if (res.status >= 400) problems.push(...errorFormatProblems(res, { anyCode400: c.isPublic }));
      const code = errorCodeOf(res);
      if (expected.code && res.status === expected.statuses[0] && code !== expected.code)
        problems.push(`code ${String(code)}, not ${expected.code}`);
      if (
        res.status === 400 &&
        code === 'VALIDATION_FAILED' &&
        expected.field &&
        !c.isPublic &&
        !namesField(res, expected.field, expected.unknownKey)
      )
        problems.push(
          `the 400 does not name ${expected.field}${expected.unknownKey ? ` (${expected.unknownKey})` : ''}: ${preview(res.json, 300)}`,
        );

      // A success (2xx, or the connect redirect) may write; a rejection must not.
      const succeeded = res.status >= 200 && res.status < 400;
      const now = await fingerprint(db, tables);
      const changed = changedTables(last, now).filter((t) => !mayChangeOnRejection(t, res));
      last = now;
      if (!succeeded && changed.length)
        problems.push(`a ${res.status} ${c.method} wrote to ${changed.join(', ')}`);
      if (succeeded) {
        if (c.method === 'GET') twoXx.reads++;
        else twoXx.writes++;
        collectWorkflowIds(res.json, reported);
        if (c.method !== 'GET') await refreshPools();
      }
      if (prototypePolluted()) problems.push('Object.prototype was polluted');

      for (const p of problems)
        failures.add(
          `${label}: ${p.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<uuid>').slice(0, 160)}`,
          `${c.method} ${req.url.replace(h.api.baseUrl, '')} [${c.auth}] body=${preview(req.bodyText ?? '', 300)}\n      → ${res.status} ${preview(res.json ?? res.text, 300)}`,
        );
    }

    const onQueue = await settledWorkflowIds(h.temporal, h.taskQueue, reported.size);
    failures.addIfAny(
      'workflows started that no 2xx response reported',
      onQueue.filter((id) => !reported.has(id) && !SCHEDULE_STARTED.test(id)),
    );
    await terminateAll(
      h.temporal,
      onQueue.filter((id) => !setupWorkflows.has(id)),
    );

    const operations = Object.values(doc.paths).reduce((n, ms) => n + Object.keys(ms).length, 0);
    printSuiteSummary('admin API', config, tally, startedAt);
    console.log(
      `        ${operations} documented operations; 2xx reads ${twoXx.reads}, 2xx writes ${twoXx.writes}; workflows started ${onQueue.length - setupWorkflows.size} (all reported)`,
    );
    assert.equal(failures.size, 0, failures.report());
  });
});

/** Sweeps are started by each integration's Temporal Schedule (on its interval or a trigger), never by a response. */
const SCHEDULE_STARTED = /^sweep\//;

/**
 * What a rejected request may still change: the read-through cache of m3ter objects (filled by looking up the ids a
 * request names; ids m3ter lacks are not remembered), and a credential QuickBooks just refused (marked EXPIRED with its
 * event) — facts learned from outside, not the request's own writes.
 */
function mayChangeOnRejection(table: string, res: { status: number; json?: unknown }): boolean {
  // Caches and the rate governor's accounting: a request refused after it asked m3ter or QuickBooks still asked.
  if (['m3ter_objects', 'qbo_rate_buckets', 'qbo_concurrency_slots'].includes(table)) return true;
  const error = (res.json as { error?: { code?: string; details?: { reason?: string } } } | undefined)?.error;
  return (
    res.status === 409 &&
    error?.code === 'INVALID_STATE' &&
    error.details?.reason === 'invalid-grant' &&
    ['credentials', 'credential_expiry_warnings', 'integration_events'].includes(table)
  );
}

// ---------------------------------------------------------------------------------------------------------

/** Requests that once answered 500 (or wrote on a 404), sent first on every run whatever the count. */
function pinnedAdminCases(ids: {
  integration: string;
  unconnected: string;
  credential: string;
  bill: string;
}): AdminCase[] {
  const value = (v: string): ParamPlan => ({ kind: 'value', value: v });
  const base = (
    method: string,
    template: string,
    params: Record<string, ParamPlan>,
    extra: Partial<AdminCase> = {},
  ): AdminCase => ({
    method,
    template,
    undocumented: false,
    params,
    query: { pairs: [] },
    body: { kind: 'none' },
    bodyRequired: false,
    auth: 'bearer',
    isPublic: false,
    ...extra,
  });
  const broken = (value: unknown, field: string) => ({
    kind: 'broken' as const,
    broken: { value, field, label: `pinned: ${field}` },
  });
  const tokens = {
    realmId: '9130',
    accessToken: 'a',
    refreshToken: 'r',
    accessTokenExpiresAt: '2030-01-01T00:00:00Z',
    refreshTokenExpiresAt: '2030-01-01T00:00:00Z',
  };
  return [
    base(
      'GET',
      '/integrations/{id}',
      { id: { kind: 'raw', text: '%zz', broken: true } },
      { brokenParam: 'id' },
    ),
    base(
      'GET',
      '/reference/accounts/{id}',
      { id: { kind: 'raw', text: 'abc%00def', broken: true } },
      { brokenParam: 'id' },
    ),
    base(
      'GET',
      '/reference/accounts',
      {},
      { query: { pairs: [['code', 'a\u0000b']], broken: { field: 'query.code', label: 'pinned: NUL' } } },
    ),
    base('GET', '/integration-runs', {}, { query: { pairs: [['integrationId', 'not-a-uuid']] } }),
    base('GET', '/external-mappings', {}, { query: { pairs: [['integrationConfigId', 'not-a-uuid']] } }),
    base(
      'DELETE',
      '/integrations/{id}',
      { id: value(ids.integration) },
      {
        query: {
          pairs: [['version', '2147483648']],
          broken: { field: 'query.version', label: 'pinned: version' },
        },
      },
    ),
    base(
      'DELETE',
      '/reference/users/{id}',
      { id: value('never-seen') },
      { query: { pairs: [['version', '2']] } },
    ),
    base(
      'PUT',
      '/reference/organization',
      {},
      { body: broken({ currency: 'USD', version: 2 ** 31 }, 'version'), bodyRequired: true },
    ),
    base(
      'PUT',
      '/reference/accounts/{id}',
      { id: value('acct-9') },
      { body: broken({ id: 'acct-9', name: 'Nine', version: 2 ** 31 }, 'version'), bodyRequired: true },
    ),
    base(
      'PUT',
      '/credentials/{id}/tokens',
      { id: value(ids.credential) },
      { body: broken({ ...tokens, version: 2 ** 31 }, 'version'), bodyRequired: true },
    ),
    base(
      'PATCH',
      '/integrations/{id}',
      { id: value(ids.integration) },
      { body: broken({ name: 'x', version: 2 ** 31 }, 'version'), bodyRequired: true },
    ),
    base(
      'POST',
      '/credentials',
      {},
      { body: broken({ name: 'x\ud800', destination: 'QuickBooks' }, 'name'), bodyRequired: true },
    ),
    base('GET', '/integrations/{id}/bills/{billId}/preview', {
      id: value(ids.unconnected),
      billId: value(ids.bill),
    }),
    base(
      'POST',
      '/integrations',
      {},
      {
        body: {
          kind: 'encoded',
          encoding: 'gzip',
          corrupt: true,
          value: { name: 'x', destination: 'QuickBooks' },
        },
        bodyRequired: true,
      },
    ),
  ];
}

interface BuiltRequest {
  url: string;
  init: RequestInit;
  bodyText?: string;
}

function resolveMarkers(v: unknown, pools: Map<PoolKey, string[]>): unknown {
  if (isPoolMarker(v)) {
    const pool = pools.get(v.__pool) ?? [];
    return pool.length ? pool[v.n % pool.length] : randomUUID();
  }
  if (Array.isArray(v)) return v.map((x) => resolveMarkers(x, pools));
  if (isRecord(v))
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolveMarkers(x, pools)]));
  return v;
}

function paramValue(plan: ParamPlan, pool: string[]): { text: string; decoded?: string } {
  switch (plan.kind) {
    case 'pool': {
      const id = pool.length ? pool[plan.n % pool.length]! : randomUUID();
      return { text: encodeURIComponent(id), decoded: id };
    }
    case 'uuid':
    case 'value':
      return { text: encodeURIComponent(plan.value), decoded: plan.value };
    case 'raw':
      return { text: plan.text };
  }
}

function buildRequest(
  c: AdminCase,
  pools: Map<PoolKey, string[]>,
  baseUrl: string,
  apiKey: string,
): BuiltRequest {
  const decoded: Record<string, string | undefined> = {};
  const path = c.template.replace(/\{(\w+)\}/g, (_m, name: string) => {
    const plan = c.params[name] ?? { kind: 'value', value: 'x' };
    const v = paramValue(plan, pools.get(poolFor(c.template, name)) ?? []);
    decoded[name] = v.decoded;
    return v.text;
  });
  const query = new URLSearchParams(
    c.query.pairs.map(([k, v]): [string, string] => [k, String(resolveMarkers(v, pools))]),
  ).toString();
  const headers = new Headers();
  if (c.isPublic) headers.set('accept', 'application/json');
  switch (c.auth) {
    case 'bearer':
      headers.set('authorization', `Bearer ${apiKey}`);
      break;
    case 'x-api-key':
      headers.set('x-api-key', apiKey);
      break;
    case 'wrong':
      headers.set('authorization', `Bearer ${apiKey.slice(0, -1)}${apiKey.endsWith('0') ? '1' : '0'}`);
      break;
    case 'lowercase-bearer':
      headers.set('authorization', `bearer ${apiKey}`);
      break;
    case 'none':
      break;
  }
  let bodyText: string | undefined;
  let contentType: string | null = 'application/json';
  const b = c.body;
  switch (b.kind) {
    case 'none':
      break;
    case 'valid': {
      let value = resolveMarkers(b.value, pools);
      if (b.idFromPath && isRecord(value) && decoded.id !== undefined) value = { ...value, id: decoded.id };
      bodyText = jsonText(value);
      break;
    }
    case 'broken':
      bodyText = jsonText(resolveMarkers(b.broken.value, pools));
      break;
    case 'hostile':
      bodyText = jsonText(b.hostile.value);
      break;
    case 'deep':
      bodyText = jsonText(resolveMarkers(b.value, pools));
      break;
    case 'text':
      bodyText = b.text;
      contentType = b.contentType;
      break;
    case 'oversize':
      bodyText = `{"name":"${'x'.repeat(BODY_LIMIT + 10)}"}`;
      break;
    case 'encoded':
      bodyText = jsonText(resolveMarkers(b.value, pools));
      headers.set('content-encoding', b.encoding);
      break;
  }
  if (bodyText !== undefined && contentType !== null) headers.set('content-type', contentType);
  const init: RequestInit = { method: c.method, headers };
  if (bodyText !== undefined) init.body = Buffer.from(bodyText, 'utf8');
  if (b.kind === 'encoded' && bodyText !== undefined) {
    const known = b.encoding === 'gzip' || b.encoding === 'deflate' || b.encoding === 'br';
    init.body =
      known && !b.corrupt
        ? encode(b.encoding as 'gzip' | 'deflate' | 'br', Buffer.from(bodyText))
        : Buffer.from(`\u0000garbage${bodyText.slice(0, 20)}`);
  }
  return { url: `${baseUrl}${path}${query ? `?${query}` : ''}`, init, bodyText };
}

type Expectation =
  | { kind: string; statuses: number[]; why: string; field?: string; unknownKey?: string; code?: string }
  | {
      kind: string;
      statuses: 'any';
      why: string;
      field?: undefined;
      unknownKey?: undefined;
      code?: undefined;
    };

/** What the service must answer, in the order it checks: key, body bytes, route, params, query, body. */
function expectationOf(c: AdminCase): Expectation {
  if (!c.isPublic && (c.auth === 'none' || c.auth === 'wrong' || c.auth === 'lowercase-bearer'))
    return { kind: 'no or wrong API key', statuses: [401], why: `auth ${c.auth}`, code: 'UNAUTHORIZED' };
  const b = c.body;
  if (b.kind === 'oversize')
    return { kind: 'oversized body', statuses: [413], why: 'body over the limit', code: 'PAYLOAD_TOO_LARGE' };
  // utf-16 is decoded (and the result is not JSON): 400 or 415 are both clear.
  if (b.kind === 'text' && b.expect === 'charset')
    return {
      kind: 'unsupported charset',
      statuses: b.contentType?.includes('utf-16') ? [400, 415] : [415],
      why: b.contentType ?? '',
    };
  if (b.kind === 'text' && b.expect === 'malformed')
    return { kind: 'malformed JSON', statuses: [400], why: 'malformed JSON', code: 'MALFORMED_JSON' };
  if (b.kind === 'encoded' && !['gzip', 'deflate', 'br'].includes(b.encoding))
    return { kind: 'unsupported encoding', statuses: [415], why: b.encoding, code: 'UNSUPPORTED_MEDIA_TYPE' };
  if (b.kind === 'encoded' && b.corrupt)
    return {
      kind: 'corrupt encoding',
      statuses: [400],
      why: `corrupt ${b.encoding}`,
      code: 'MALFORMED_JSON',
    };
  if (b.kind === 'hostile' && !['object', 'array'].includes(b.hostile.type))
    return {
      kind: 'top-level scalar body',
      statuses: [400],
      why: 'JSON bodies are objects',
      code: 'MALFORMED_JSON',
    };
  if (c.undocumented)
    return { kind: 'undocumented route', statuses: [404], why: 'no such route', code: 'NOT_FOUND' };
  if (c.brokenParam) {
    const plan = c.params[c.brokenParam];
    return {
      kind: 'broken path parameter',
      statuses: [400],
      why: `path parameter ${c.brokenParam}`,
      field:
        plan?.kind === 'raw' && plan.text !== '%00' && plan.text !== 'abc%00def'
          ? undefined
          : `params.${c.brokenParam}`,
    };
  }
  if (c.query.broken)
    return {
      kind: 'broken query',
      statuses: [400],
      why: c.query.broken.label,
      field: c.query.broken.field,
      unknownKey: c.query.broken.unknownKey,
    };
  switch (b.kind) {
    case 'broken':
      return {
        kind: 'broken body field',
        statuses: [400],
        why: b.broken.label,
        field: b.broken.field,
        unknownKey: b.broken.unknownKey,
      };
    case 'deep':
      return {
        kind: 'deeply nested body',
        statuses: [400],
        why: 'nested far too deep',
        field: 'extra',
        unknownKey: 'extra',
      };
    case 'hostile':
      return b.allowed
        ? { kind: 'hostile body', statuses: 'any', why: 'hostile but well-typed body' }
        : { kind: 'hostile body', statuses: [400], why: `body is ${b.hostile.label}`, field: '(body)' };
    case 'text':
      return c.bodyRequired
        ? {
            kind: 'no JSON body',
            statuses: [400],
            why: `required body sent as ${b.contentType ?? 'no content type'}`,
            field: '(body)',
          }
        : { kind: 'no JSON body', statuses: 'any', why: 'optional body' };
    default:
      return {
        kind:
          c.query.pairs.length && !c.query.broken && c.method === 'GET' ? 'generated (query)' : 'generated',
        statuses: 'any',
        why: 'valid by the document',
      };
  }
}

function collectWorkflowIds(v: unknown, into: Set<string>): void {
  if (Array.isArray(v)) v.forEach((x) => collectWorkflowIds(x, into));
  else if (isRecord(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'workflowId' && typeof x === 'string') into.add(x);
      else collectWorkflowIds(x, into);
    }
  }
}
