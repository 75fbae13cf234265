import assert from 'node:assert/strict';
import {
  asJson,
  bearer,
  connectNew,
  fails,
  firstError,
  http,
  line,
  networkError,
  ok,
  qboCall,
  ref,
  useEmulator,
  type JsonObject,
} from './helpers';

describe('QBO emulator: requestid replay and commit-then-drop', () => {
  const emulator = useEmulator();
  const invoice = (requestId?: string, extra: JsonObject = {}) => ({
    CustomerRef: { value: '1' },
    Line: [line(25)],
    ...extra,
    ...(requestId === undefined ? {} : { requestId }),
  });

  it('replays the first response for a repeated requestid and stores one document', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const first = await ok((cb) => qbo.createInvoice(invoice('req-1'), cb));
    em.control.clock.advance(5000);
    const again = await ok((cb) => qbo.createInvoice(invoice('req-1'), cb));
    assert.deepEqual(again, first);
    assert.equal(em.control.documents(em.defaultRealmId).Invoice.length, 1);
    const counters = em.control.counters();
    assert.equal(counters.replays, 1);
    assert.equal(counters.writes, 1);
    const other = await ok((cb) => qbo.createInvoice(invoice('req-2'), cb));
    assert.notEqual(other.Id, first.Id);
  });

  it('replays the exact body, time included', async () => {
    const em = emulator();
    const token = em.control.mintTokens(em.defaultRealmId).access_token;
    const post = () =>
      http(`${em.v3BaseUrl}${em.defaultRealmId}/invoice?requestid=exact-1&minorversion=75`, {
        method: 'POST',
        headers: bearer(token),
        body: JSON.stringify(invoice()),
      });
    const a = await post();
    em.control.clock.advance(3000);
    const b = await post();
    assert.equal(a.status, 200);
    assert.equal(b.text, a.text);
    assert.notEqual(b.headers.get('intuit_tid'), a.headers.get('intuit_tid'));
  });

  it('answers 600 Duplicate Request ID for a reused id with a different body or path', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    const inv = await ok((cb) => qbo.createInvoice(invoice('req-x'), cb));
    const differentBody = await fails((cb) =>
      qbo.createInvoice(invoice('req-x', { PrivateNote: 'changed' }), cb),
    );
    assert.equal(differentBody.status, 400);
    assert.equal(firstError(differentBody.data).code, '600');
    assert.equal(firstError(differentBody.data).Message, 'Duplicate Request ID');
    const differentPath = await fails((cb) =>
      qbo.updateInvoice({ ...ref(inv), PrivateNote: 'x', requestId: 'req-x' }, cb),
    );
    assert.equal(firstError(differentPath.data).code, '600');
    assert.equal(em.control.documents(em.defaultRealmId).Invoice.length, 1);
  });

  it('rejects request ids over 50 characters with 2130', async () => {
    const qbo = connectNew(emulator());
    const ok50 = await qboCall((cb) => qbo.createInvoice(invoice('r'.repeat(50)), cb));
    assert.equal(ok50.err, null);
    const failure = await fails((cb) => qbo.createInvoice(invoice('r'.repeat(51)), cb));
    assert.equal(failure.status, 400);
    assert.equal(firstError(failure.data).code, '2130');
  });

  it('does not record failed writes: a retry with the same requestid after fixing the cause succeeds', async () => {
    const qbo = connectNew(emulator());
    const customer = await ok((cb) => qbo.getCustomer('2', cb));
    const inactive = await ok((cb) => qbo.updateCustomer({ ...ref(customer), Active: false }, cb));
    const body = () => invoice('req-fix', { CustomerRef: { value: '2' } });
    const failed = await fails((cb) => qbo.createInvoice(body(), cb));
    assert.equal(firstError(failed.data).code, '610');
    await ok((cb) => qbo.updateCustomer({ ...ref(inactive), Active: true }, cb));
    const created = await ok((cb) => qbo.createInvoice(body(), cb));
    assert.equal(created.TotalAmt, 25);
  });

  it('commit-then-drop: the client sees a network error, the document exists, the same requestid gets the stored response', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    em.control.failNext(1, { type: 'commit-then-drop' }, { entity: 'invoice', operation: 'create' });
    const code = await networkError((cb) => qbo.createInvoice(invoice('req-drop'), cb));
    assert.match(code, /ECONNRESET|ECONNABORTED|EPIPE/);
    const stored = em.control.documents(em.defaultRealmId).Invoice;
    assert.equal(stored.length, 1);
    const retry = await ok((cb) => qbo.createInvoice(invoice('req-drop'), cb));
    assert.equal(retry.Id, stored[0]?.Id);
    assert.deepEqual(retry, stored[0]);
    assert.equal(em.control.documents(em.defaultRealmId).Invoice.length, 1);
    const counters = em.control.counters();
    assert.equal(counters.byStatus.dropped, 1);
    assert.equal(counters.replays, 1);
    assert.equal(counters.writes, 1);
  });

  it('drop (before processing) stores nothing', async () => {
    const em = emulator();
    const qbo = connectNew(em);
    em.control.failNext(1, { type: 'drop' });
    await networkError((cb) => qbo.createInvoice(invoice('req-lost'), cb));
    assert.equal(em.control.documents(em.defaultRealmId).Invoice.length, 0);
    const created = await ok((cb) => qbo.createInvoice(invoice('req-lost'), cb));
    assert.equal(asJson(created).TotalAmt, 25);
    assert.equal(em.control.counters().replays, 0);
  });
});
