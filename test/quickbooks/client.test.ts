import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../emulators/quickbooks';
import type { QboDocument, QboSalesItemLine } from '../../src/domain/invoice';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { QuickBooksError } from '../../src/quickbooks/errors';

/** The typed client over node-quickbooks, against the emulator over HTTP. */
describe('QuickBooksClient (typed, over node-quickbooks)', () => {
  let emulator: RunningEmulator;
  let client: QuickBooksClient;
  let realmId: string;
  let customerId: string;

  before(async () => {
    emulator = await startEmulator();
    realmId = emulator.control.createRealm().realmId;
    client = new QuickBooksClient({
      realmId,
      accessToken: emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: emulator.v3BaseUrl,
      timeoutMs: 5000,
    });
    customerId = (
      await client.createCustomer({ DisplayName: 'Typed Client Co' }, { requestId: 'cust-typed-1' })
    ).Id;
  });
  after(async () => emulator?.stop());

  const lines = (amount: number): QboSalesItemLine[] => [
    { DetailType: 'SalesItemLineDetail', Amount: amount, SalesItemLineDetail: {} },
  ];
  const invoice = (amount: number, note = '[m3ter-bill:b-1]', docNumber?: string): QboDocument => ({
    type: 'Invoice',
    payload: {
      CustomerRef: { value: customerId },
      TxnDate: '2026-11-01',
      ...(docNumber ? { DocNumber: docNumber } : {}),
      PrivateNote: note,
      AllowOnlineACHPayment: false,
      AllowOnlineCreditCardPayment: false,
      Line: lines(amount),
    },
  });
  /** The same document with other lines (an update sends every line again). */
  const withLines = (document: QboDocument, amount: number): QboDocument =>
    document.type === 'Invoice'
      ? { type: 'Invoice', payload: { ...document.payload, Line: lines(amount) } }
      : { type: 'CreditMemo', payload: { ...document.payload, Line: lines(amount) } };

  it('creates, reads, updates (sparse, SyncToken) and finds documents by marker', async () => {
    const created = await client.createDocument(invoice(10), { requestId: 'inv-typed-1' });
    assert.equal(created.SyncToken, '0');
    assert.equal(created.TotalAmt, 10);
    const read = await client.getDocument('Invoice', created.Id);
    assert.equal(read?.Id, created.Id);
    const updated = await client.updateDocument(withLines(invoice(10), 12), created, {
      requestId: 'inv-typed-1-u',
    });
    assert.equal(updated.SyncToken, '1');
    assert.equal(updated.TotalAmt, 12);
    assert.equal(updated.PrivateNote, '[m3ter-bill:b-1]', 'a sparse update keeps fields it does not send');
    const found = await client.findDocumentsByMarker('Invoice', customerId, '[m3ter-bill:b-1]');
    assert.deepEqual(
      found.map((d) => d.Id),
      [created.Id],
    );
    assert.deepEqual(await client.findDocumentsByMarker('Invoice', customerId, '[m3ter-bill:none]'), []);
  });

  it('sends the requestid on every attempt, so a repeated create is replayed, not repeated', async () => {
    const payload = invoice(5, '[m3ter-bill:b-replay]');
    const a = await client.createDocument(payload, { requestId: 'inv-typed-replay' });
    const b = await client.createDocument(payload, { requestId: 'inv-typed-replay' });
    assert.equal(a.Id, b.Id);
    assert.equal(
      (await client.findDocumentsByMarker('Invoice', customerId, '[m3ter-bill:b-replay]')).length,
      1,
    );
    assert.equal('requestId' in payload.payload, false, 'the caller’s object is not modified');
  });

  it('reports a missing document as undefined (QBO answers 400 / 610)', async () => {
    assert.equal(await client.getDocument('Invoice', '999999'), undefined);
  });

  it('raises one error type carrying HTTP status, QBO code, element, detail and intuit_tid', async () => {
    const created = await client.createDocument(invoice(1, '[m3ter-bill:b-stale]'), {
      requestId: 'inv-typed-stale',
    });
    const stale = invoice(1, '[m3ter-bill:b-stale]');
    await client.updateDocument(
      withLines(stale, 2),
      { Id: created.Id, SyncToken: '0' },
      {
        requestId: 'inv-typed-stale-1',
      },
    );
    const err = await client
      .updateDocument(
        withLines(stale, 3),
        { Id: created.Id, SyncToken: '0' },
        {
          requestId: 'inv-typed-stale-2',
        },
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(err instanceof QuickBooksError);
    assert.equal(err.kind, 'fault');
    assert.equal(err.httpStatus, 400);
    assert.equal(err.code, '5010');
    assert.match(err.message, /Stale Object Error/);
    assert.match(err.intuitTid ?? '', /.+/);

    const tooLong = await client
      .createDocument(invoice(1, '[m3ter-bill:b-1]', 'X'.repeat(22)), { requestId: 'inv-typed-2050' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(tooLong instanceof QuickBooksError);
    assert.equal(tooLong.code, '2050');
    assert.equal(tooLong.element, 'DocNumber');
    assert.match(tooLong.detail ?? '', /Max:21/);
  });

  it('classifies auth, throttling, server errors and dropped connections', async () => {
    const expired = new QuickBooksClient({
      realmId,
      accessToken: 'not-a-token',
      apiBaseUrl: emulator.v3BaseUrl,
    });
    const auth = await expired.getPreferences().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(auth instanceof QuickBooksError);
    assert.equal(auth.kind, 'auth');
    assert.equal(auth.httpStatus, 401);
    assert.equal(auth.code, '3200');

    emulator.control.enqueueFaults([{ action: { type: 'status', status: 429 }, match: { realmId } }]);
    const throttled = await client.getPreferences().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(throttled instanceof QuickBooksError);
    assert.equal(throttled.kind, 'throttled');

    emulator.control.enqueueFaults([{ action: { type: 'status', status: 500 }, match: { realmId } }]);
    const server = await client.getPreferences().then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(server instanceof QuickBooksError);
    assert.equal(server.kind, 'server');
    assert.equal(server.code, '10000');

    emulator.control.enqueueFaults([
      { action: { type: 'commit-then-drop' }, match: { realmId, entity: 'invoice', operation: 'create' } },
    ]);
    const dropped = await client

      .createDocument(invoice(7, '[m3ter-bill:b-drop]'), { requestId: 'inv-typed-drop' })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    assert.ok(dropped instanceof QuickBooksError);
    assert.equal(dropped.kind, 'network');
    assert.equal(dropped.uncertain, true, 'a write without an answer may have happened');
    const replayed = await client.createDocument(invoice(7, '[m3ter-bill:b-drop]'), {
      requestId: 'inv-typed-drop',
    });
    assert.equal(
      (await client.findDocumentsByMarker('Invoice', customerId, '[m3ter-bill:b-drop]')).length,
      1,
    );
    assert.equal(replayed.TotalAmt, 7);
  });

  it('times out a call that takes too long, and marks a write as uncertain', async () => {
    const slow = new QuickBooksClient({
      realmId,
      accessToken: emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: emulator.v3BaseUrl,
      timeoutMs: 200,
    });
    emulator.control.enqueueFaults([{ action: { type: 'latency', ms: 1000 }, match: { realmId } }]);
    const err = await slow.createDocument(invoice(1), { requestId: 'inv-typed-slow' }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof QuickBooksError);
    assert.equal(err.kind, 'timeout');
    assert.equal(err.uncertain, true);
  });

  it('reads preferences and customers by name', async () => {
    const prefs = await client.getPreferences();
    assert.equal(prefs.CurrencyPrefs?.MultiCurrencyEnabled, false);
    assert.equal(typeof prefs.CurrencyPrefs?.HomeCurrency?.value, 'string');
    const [found] = await client.findActiveCustomersByDisplayName('Typed Client Co');
    assert.equal(found?.Id, customerId);
    assert.deepEqual(await client.findActiveCustomersByDisplayName("O'Brien & Sons"), []);
  });
});
