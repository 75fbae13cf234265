import assert from 'node:assert/strict';
import QuickBooks from 'node-quickbooks';
import {
  asJson,
  bearer,
  connect,
  connectNew,
  errorResponse,
  fails,
  failsWithText,
  firstError,
  http,
  line,
  networkError,
  ok,
  qboCall,
  statusOf,
  useEmulator,
  withoutXmlTime,
  type JsonObject,
} from './helpers';

const AUTH_FAULT = (detail: string) => ({
  warnings: null,
  intuitObject: null,
  fault: {
    error: [
      {
        message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
        detail,
        code: '3200',
        element: null,
      },
    ],
    type: 'AUTHENTICATION',
  },
  report: null,
  queryResponse: null,
  batchItemResponse: [],
  attachableResponse: [],
  syncErrorResponse: null,
  requestId: null,
  status: null,
  cdcresponse: [],
});

function withoutTime(body: JsonObject): JsonObject {
  const { time: _time, ...rest } = body;
  return rest;
}

/** QBO's throttle as it really answers: XML, code 3001, even though node-quickbooks asks for JSON. */
const THROTTLE_XML =
  '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
  '<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="">' +
  '<Fault type="SERVICE"><Error code="3001">' +
  '<Message>message=ThrottleExceeded; errorCode=003001; statusCode=429</Message>' +
  '<Detail>The request limit was reached.  Try again later</Detail>' +
  '</Error></Fault></IntuitResponse>';

describe('QBO emulator: auth failures, limits, fault injection and counters', () => {
  const emulator = useEmulator({ seed: 42 });

  it('answers a missing, unknown or expired bearer token with the lower-case 401 body and www-authenticate', async () => {
    const em = emulator();
    const url = `${em.v3BaseUrl}${em.defaultRealmId}/preferences?minorversion=75`;
    const missing = await http(url);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="Intuit", error="invalid_token"');
    assert.ok(missing.headers.get('intuit_tid'));
    assert.equal(typeof missing.json().time, 'number');
    assert.deepEqual(
      withoutTime(missing.json()),
      AUTH_FAULT('Token invalid: no bearer token in the Authorization header'),
    );

    const unknown = connect(em, em.defaultRealmId, 'not-a-token');
    const failure = await fails((cb) => unknown.getPreferences(cb));
    assert.equal(failure.status, 401);
    assert.equal(failure.headers['www-authenticate'], 'Bearer realm="Intuit", error="invalid_token"');
    assert.ok(failure.headers.intuit_tid);
    assert.deepEqual(withoutTime(failure.data), AUTH_FAULT('Token invalid: not-a-token...'));
  });

  it('puts intuit_tid on every response: API, OAuth, control, unknown routes', async () => {
    const em = emulator();
    const token = em.control.mintTokens(em.defaultRealmId).access_token;
    const responses = await Promise.all([
      http(`${em.v3BaseUrl}${em.defaultRealmId}/preferences`, { headers: bearer(token) }),
      http(`${em.v3BaseUrl}${em.defaultRealmId}/invoice/999`, { headers: bearer(token) }),
      http(em.oauth.tokenUrl, { method: 'POST' }),
      http(`${em.url}/_emulator/health`),
      http(`${em.url}/nowhere`),
    ]);
    assert.deepEqual(
      responses.map((r) => r.status),
      [200, 400, 401, 200, 404],
    );
    for (const r of responses) assert.match(r.headers.get('intuit_tid') ?? '', /^1-[0-9a-f]+-[0-9a-f]{24}$/);
    assert.equal(new Set(responses.map((r) => r.headers.get('intuit_tid'))).size, responses.length);
  });

  it('limits concurrency per realm: 11 requests at once → at least one 429 ThrottleExceeded', async () => {
    const em = emulator();
    em.control.setLimits({ enabled: true }, em.defaultRealmId);
    em.control.setFaults({ latencyMs: 150 }, em.defaultRealmId);
    const qbo = connectNew(em);
    const outcomes = await Promise.all(
      Array.from({ length: 11 }, () => qboCall((cb) => qbo.getPreferences(cb))),
    );
    const throttled = outcomes.filter((o) => o.err !== null);
    assert.ok(throttled.length >= 1, 'expected a 429');
    assert.equal(outcomes.filter((o) => o.err === null).length, 10, 'ten requests fit');
    const response = errorResponse(throttled[0] ?? { err: null, data: null, res: null });
    assert.equal(response.status, 429);
    assert.equal(withoutXmlTime(String(response.data)), THROTTLE_XML);
    assert.equal(em.control.counters().throttled, throttled.length);
    // Another realm is not affected.
    const other = connectNew(em, em.control.createRealm().realmId);
    await ok((cb) => other.getPreferences(cb));
  });

  it('limits requests per minute on the emulator clock: the 501st gets 429, after a minute it passes', async () => {
    const em = emulator();
    em.control.setLimits({ enabled: true });
    const qbo = connectNew(em);
    for (let i = 0; i < 50; i++) {
      const batch = await Promise.all(
        Array.from({ length: 10 }, () => qboCall((cb) => qbo.getPreferences(cb))),
      );
      assert.ok(batch.every((o) => o.err === null));
    }
    const over = await failsWithText((cb) => qbo.getPreferences(cb));
    assert.equal(over.status, 429);
    assert.equal(over.contentType, 'application/xml;charset=UTF-8');
    assert.equal(withoutXmlTime(over.text), THROTTLE_XML);
    em.control.clock.advance(30_000);
    assert.equal((await failsWithText((cb) => qbo.getPreferences(cb))).status, 429);
    em.control.clock.advance(30_001);
    await ok((cb) => qbo.getPreferences(cb));
    const counters = em.control.counters();
    assert.equal(counters.byStatus['200'], 501);
    assert.equal(counters.byStatus['429'], 2);
  });

  it('injects exact 500 SystemFault, HTML 503 and 429 bodies with "fail next N"', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    em.control.enqueueFaults([
      { action: { type: 'status', status: 500 } },
      { action: { type: 'status', status: 503 } },
      { action: { type: 'status', status: 429 }, count: 2 },
    ]);
    const e500 = await fails((cb) => qbo.getPreferences(cb));
    assert.equal(e500.status, 500);
    assert.deepEqual(asJson(e500.data.Fault).type, 'SystemFault');
    assert.deepEqual(firstError(e500.data).code, '10000');
    assert.equal(
      firstError(e500.data).Message,
      'An application error has occurred while processing your request',
    );
    const r503 = errorResponse(await qboCall((cb) => qbo.getPreferences(cb)));
    assert.equal(r503.status, 503);
    assert.match(String(r503.data), /Service Unavailable/);
    assert.equal((await failsWithText((cb) => qbo.getPreferences(cb))).status, 429);
    assert.equal((await failsWithText((cb) => qbo.getPreferences(cb))).status, 429);
    await ok((cb) => qbo.getPreferences(cb));
    assert.deepEqual(em.control.faults().queue, []);
  });

  it('matches queued faults to a realm, method, entity and operation', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    em.control.failNext(
      1,
      { type: 'status', status: 500 },
      { method: 'POST', entity: 'invoice', operation: 'create' },
    );
    await ok((cb) => qbo.getPreferences(cb));
    await ok((cb) => qbo.findInvoices({}, cb));
    const failed = await fails((cb) =>
      qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(1)] }, cb),
    );
    assert.equal(failed.status, 500);
    await ok((cb) => qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(1)] }, cb));
  });

  it('draws share-based faults from the seeded generator: same seed, same faults', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const run = async (): Promise<number[]> => {
      em.control.clearFaults();
      em.control.setFaults({ errorShare: 0.3, errorStatuses: [500, 503], throttleShare: 0.1 });
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        statuses.push(statusOf(await qboCall((cb) => qbo.getPreferences(cb))));
      }
      return statuses;
    };
    const first = await run();
    const second = await run();
    assert.deepEqual(second, first);
    const failures = first.filter((s) => s !== 200).length;
    assert.ok(failures >= 6 && failures <= 25, `failures ${failures}`);
    assert.ok(first.includes(500) && first.includes(503) && first.includes(429), first.join(','));
    em.control.clearFaults(7);
    em.control.setFaults({ errorShare: 0.3, errorStatuses: [500, 503], throttleShare: 0.1 });
    const other: number[] = [];
    for (let i = 0; i < 40; i++) {
      other.push(statusOf(await qboCall((cb) => qbo.getPreferences(cb))));
    }
    assert.notDeepEqual(other, first);
  });

  it("applies share-based drops per realm; a realm's settings replace the global ones", async () => {
    const em = emulator();
    const quiet = em.control.createRealm().realmId;
    em.control.setFaults({ errorShare: 1, errorStatuses: [503] });
    em.control.setFaults({}, quiet);
    em.control.setFaults({ commitThenDropShare: 1 }, em.defaultRealmId);
    await ok((cb) => connectNew(em, quiet).getPreferences(cb));
    const noisy = em.control.createRealm().realmId;
    assert.equal(statusOf(await qboCall((cb) => connectNew(em, noisy).getPreferences(cb))), 503);
    const qbo = connectNew(em);
    const code = await networkError((cb) =>
      qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(3)] }, cb),
    );
    assert.match(code, /ECONNRESET|EPIPE/);
    assert.equal(em.control.documents(em.defaultRealmId).Invoice.length, 1);
    em.control.setFaults({ dropShare: 1 }, em.defaultRealmId);
    await networkError((cb) => qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(3)] }, cb));
    assert.equal(em.control.documents(em.defaultRealmId).Invoice.length, 1);
    assert.equal(em.control.counters().dropped, 2);
  });

  it('drops a token response after rotating (OAuth target): the old refresh token still works within the grace period', async () => {
    const em = emulator();
    const tokens = em.control.mintTokens(em.defaultRealmId);
    const qbo = connect(em, em.defaultRealmId, tokens.access_token, tokens.refresh_token);
    const saved = QuickBooks.TOKEN_URL;
    QuickBooks.TOKEN_URL = em.oauth.tokenUrl;
    try {
      em.control.failNext(1, { type: 'commit-then-drop' }, { target: 'oauth', operation: 'refresh_token' });
      assert.ok(
        (await qboCall((cb) => qbo.refreshAccessToken(cb))).err,
        'the first refresh loses its response',
      );
      assert.equal(qbo.refreshToken, tokens.refresh_token);
      const again = await qboCall((cb) => qbo.refreshAccessToken(cb));
      assert.equal(again.err, null);
      await ok((cb) => qbo.getPreferences(cb));
    } finally {
      QuickBooks.TOKEN_URL = saved;
    }
    assert.equal(em.control.counters().byOperation['POST oauth refresh_token'], 2);
  });

  it('adds latency to a share of requests, or to the next request', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    em.control.failNext(1, { type: 'latency', ms: 250 });
    let t = Date.now();
    await ok((cb) => qbo.getPreferences(cb));
    assert.ok(Date.now() - t >= 240, `took ${Date.now() - t} ms`);
    t = Date.now();
    await ok((cb) => qbo.getPreferences(cb));
    assert.ok(Date.now() - t < 200);
    em.control.setFaults({ latencyMs: 120, latencyShare: 1 });
    t = Date.now();
    await ok((cb) => qbo.getPreferences(cb));
    assert.ok(Date.now() - t >= 110);
  });

  it('counts requests by operation and status, writes and 429s; counters reset', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const inv = await ok((cb) => qbo.createInvoice({ CustomerRef: { value: '1' }, Line: [line(10)] }, cb));
    await ok((cb) => qbo.getInvoice(String(inv.Id), cb));
    await ok((cb) => qbo.updateInvoice({ Id: String(inv.Id), SyncToken: '0', PrivateNote: 'x' }, cb));
    await ok((cb) => qbo.findInvoices({ DocNumber: 'x' }, cb));
    await fails((cb) => qbo.getInvoice('999', cb));
    em.control.failNext(1, { type: 'status', status: 429 });
    await failsWithText((cb) => qbo.getPreferences(cb));
    const c = em.control.counters();
    assert.equal(c.total, 6);
    assert.equal(c.api, 6);
    assert.deepEqual(c.byOperation, {
      'POST invoice create': 1,
      'GET invoice read': 2,
      'POST invoice update': 1,
      'GET invoice query': 1,
      'GET preferences read': 1,
    });
    assert.deepEqual(c.byStatus, { '200': 4, '400': 1, '429': 1 });
    assert.deepEqual(c.byRealm, { [em.defaultRealmId]: 6 });
    assert.equal(c.writes, 2);
    assert.deepEqual(c.writesByEntity, { Invoice: 2 });
    assert.equal(c.throttled, 1);
    assert.equal(c.faultsInjected, 1);
    em.control.resetCounters();
    assert.equal(em.control.counters().total, 0);
  });
});
