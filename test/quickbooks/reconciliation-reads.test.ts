import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../emulators/quickbooks';
import type { QboDocument } from '../../src/domain/invoice';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { QuickBooksError } from '../../src/quickbooks/errors';

/** The cheap reads a reconciliation makes (batched queries, ChangeDataCapture) and the emulator's "in the app" switches. */
describe('QuickBooksClient: batched queries and ChangeDataCapture, against the emulator', () => {
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
    customerId = (await client.createCustomer({ DisplayName: 'Recon Co' }, { requestId: 'recon-cust' })).Id;
  });
  after(async () => emulator?.stop());

  const invoice = (bill: string, amounts: number[], date = '2026-11-01'): QboDocument => ({
    type: 'Invoice',
    payload: {
      CustomerRef: { value: customerId },
      TxnDate: date,
      PrivateNote: `[m3ter-bill:${bill}]`,
      AllowOnlineACHPayment: false,
      AllowOnlineCreditCardPayment: false,
      Line: amounts.map((Amount) => ({
        DetailType: 'SalesItemLineDetail' as const,
        Amount,
        SalesItemLineDetail: {},
      })),
    },
  });
  const apiRequests = () => emulator.control.counters().readsByRealm[realmId] ?? 0;

  it('answers 30 queries (by date range and by ids) in one request', async () => {
    const made = [];
    for (let i = 0; i < 40; i++)
      made.push(
        await client.createDocument(invoice(`b-${i}`, [i + 1], i < 20 ? '2026-10-15' : '2026-11-15'), {
          requestId: `recon-inv-${i}`,
        }),
      );
    emulator.control.resetCounters();
    const ids = made
      .slice(0, 5)
      .map((d) => `'${d.Id}'`)
      .join(',');
    const queries = [
      {
        type: 'Invoice' as const,
        query: `SELECT * FROM Invoice WHERE TxnDate >= '2026-11-01' AND TxnDate < '2026-12-01' MAXRESULTS 1000`,
      },
      { type: 'Invoice' as const, query: `SELECT * FROM Invoice WHERE Id IN (${ids}) MAXRESULTS 1000` },
      ...Array.from({ length: 28 }, () => ({
        type: 'CreditMemo' as const,
        query: 'SELECT * FROM CreditMemo MAXRESULTS 1000',
      })),
    ];
    const [november, byIds, ...memos] = await client.batchQuery(queries);
    assert.equal(apiRequests(), 1);
    assert.equal(november?.length, 20);
    assert.deepEqual(
      november?.map((d) => d.TotalAmt).sort((a, b) => a - b),
      Array.from({ length: 20 }, (_, i) => i + 21),
    );
    assert.deepEqual(
      byIds?.map((d) => d.Id).sort(),
      made
        .slice(0, 5)
        .map((d) => d.Id)
        .sort(),
    );
    assert.equal(memos.length, 28);
    assert.ok(memos.every((m) => m.length === 0));
    await assert.rejects(client.batchQuery(queries.concat(queries[0]!)), RangeError);
    await assert.rejects(
      client.batchQuery([{ type: 'Invoice', query: 'SELECT * FROM Nothing' }]),
      (err: unknown) => err instanceof QuickBooksError && err.kind === 'fault',
    );
  });

  it('reports edits, voids, payments and deletions made "in the app" through ChangeDataCapture', async () => {
    const since = new Date(emulator.control.clock.now());
    emulator.control.clock.advance(1000);
    const a = await client.createDocument(invoice('cdc-a', [10, 5]), { requestId: 'cdc-a' });
    const b = await client.createDocument(invoice('cdc-b', [20]), { requestId: 'cdc-b' });
    const c = await client.createDocument(invoice('cdc-c', [30]), { requestId: 'cdc-c' });
    const d = await client.createDocument(invoice('cdc-d', [40]), { requestId: 'cdc-d' });
    emulator.control.editDocument(realmId, 'Invoice', a.Id, { lineAmounts: [12.34] });
    emulator.control.voidDocument(realmId, 'Invoice', b.Id);
    emulator.control.applyPayment(realmId, 'Invoice', c.Id, 10);
    emulator.control.deleteDocument(realmId, 'Invoice', d.Id);

    const edited = await client.getDocument('Invoice', a.Id);
    assert.equal(edited?.TotalAmt, 17.34);
    assert.equal(edited?.SyncToken, '1');
    const voided = await client.getDocument('Invoice', b.Id);
    assert.equal(voided?.TotalAmt, 0);
    assert.match(voided?.PrivateNote ?? '', /^Voided - \[m3ter-bill:cdc-b\]/);
    assert.equal(await client.getDocument('Invoice', d.Id), undefined);

    emulator.control.resetCounters();
    const changes = await client.changedDocuments(since);
    assert.equal(apiRequests(), 1);
    const byId = new Map(changes.map((ch) => [ch.status === 'changed' ? ch.document.Id : ch.id, ch]));
    assert.equal(byId.size, 4, 'only the documents changed since then');
    const changed = (id: string) => {
      const ch = byId.get(id);
      assert.equal(ch?.status, 'changed');
      return ch.document;
    };
    assert.equal(changed(a.Id).TotalAmt, 17.34);
    assert.equal(changed(b.Id).TotalAmt, 0);
    assert.equal(changed(c.Id).Balance, 20);
    assert.deepEqual(
      { status: byId.get(d.Id)?.status, type: byId.get(d.Id)?.type },
      { status: 'deleted', type: 'Invoice' },
    );
    // later: nothing changed
    emulator.control.clock.advance(1000);
    assert.deepEqual(await client.changedDocuments(new Date(emulator.control.clock.now())), []);
  });

  it('control switches over HTTP refuse what is not an invoice or credit memo', async () => {
    const res = await fetch(`${emulator.url}/_emulator/realms/${realmId}/customer/1/void`, {
      method: 'POST',
    });
    assert.equal(res.status, 400);
  });
});
