import assert from 'node:assert/strict';
import { startEmulator, type RunningEmulator } from '../../emulators/quickbooks';
import type { QboDocument } from '../../src/domain/invoice';
import { BatchWriter } from '../../src/quickbooks/batch-writer';
import { QuickBooksClient } from '../../src/quickbooks/client';
import { PgRateGovernor } from '../../src/quickbooks/rate-governor';
import { createTestDatabase, type TestDatabase } from '../support/environment';

/**
 * The batch writer's choice between one request and a batch, through the typed client against the emulator, with
 * the company's and the batch budget's governors on a real PostgreSQL.
 */
describe('BatchWriter: single calls without backlog, batches for it', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let emulator: RunningEmulator;
  let client: QuickBooksClient;
  let customerId: string;
  let writer: BatchWriter;

  before(async () => {
    t = await createTestDatabase();
    emulator = await startEmulator();
    const { realmId } = emulator.control.createRealm();
    client = new QuickBooksClient({
      realmId,
      accessToken: emulator.control.mintTokens(realmId).access_token,
      apiBaseUrl: emulator.v3BaseUrl,
      timeoutMs: 5000,
      // Every request of the company: 4 a second after a burst of 4.
      governor: new PgRateGovernor(t.db, { requestsPerMinute: 240, burst: 4, maxWaitMs: 20_000 }),
    });
    customerId = (await client.createCustomer({ DisplayName: 'Batch Writer Co' }, { requestId: 'bw-cust' }))
      .Id;
    // One batch every 2 s, none in reserve.
    writer = new BatchWriter({
      batchBudget: new PgRateGovernor(t.db, { requestsPerMinute: 30, burst: 1, maxWaitMs: 10_000 }),
    });
  });
  after(async () => {
    await emulator?.stop();
    await t?.drop();
  });

  const invoice = (i: number): QboDocument => ({
    type: 'Invoice',
    payload: {
      CustomerRef: { value: customerId },
      TxnDate: '2026-11-30',
      PrivateNote: `[m3ter-bill:bw-${i}]`,
      AllowOnlineACHPayment: false,
      AllowOnlineCreditCardPayment: false,
      Line: [{ DetailType: 'SalesItemLineDetail', Amount: 100 + i / 100, SalesItemLineDetail: {} }],
    },
  });
  const create = (i: number) => writer.create(client, invoice(i), { requestId: `bw-${i}` });

  it('a lone write goes out at once as a single call', async () => {
    emulator.control.resetCounters();
    const created = await create(0);
    assert.equal(created.TotalAmt, 100);
    const c = emulator.control.counters();
    assert.equal(c.batches, 0);
    assert.equal(c.byOperation['POST invoice create'], 1);
  });

  it('a backlog smaller than a batch waits for the next batch instead of going out one request at a time', async () => {
    emulator.control.resetCounters();
    // The first two take the batch budget's only token; the next 20 find it empty, 2 s from the next one.
    const first = await Promise.all([create(1), create(2)]);
    const batched: string[] = [];
    const rest = await Promise.all(
      Array.from({ length: 20 }, (_, k) =>
        writer.create(client, invoice(3 + k), {
          requestId: `bw-${3 + k}`,
          onBatched: (b) => batched.push(b.requestId),
        }),
      ),
    );
    assert.deepEqual(
      [...first, ...rest].map((d) => d.TotalAmt),
      Array.from({ length: 22 }, (_, k) => 100 + (k + 1) / 100),
    );
    const c = emulator.control.counters();
    const singles = c.byOperation['POST invoice create'] ?? 0;
    assert.equal(c.batchItems + singles, 22, 'each write once');
    assert.equal(c.batches, 2, `${c.batches} batches, ${singles} single calls`);
    // At most the write that found a sender already waiting for the company's permit goes alone.
    assert.ok(singles <= 1, `${singles} single calls`);
    assert.equal(new Set(batched).size, 1, 'the 20 went out together');
    assert.equal(c.throttled, 0);
  });

  it('what one batch cannot carry goes out alone meanwhile', async () => {
    emulator.control.resetCounters();
    // 45 at once while the batch budget is empty: 30 wait for the next batch, the other 15 go one by one.
    await create(100).then(() => Promise.all([create(101), create(102)]));
    emulator.control.resetCounters();
    const docs = await Promise.all(Array.from({ length: 45 }, (_, k) => create(200 + k)));
    assert.equal(docs.length, 45);
    const c = emulator.control.counters();
    const singles = c.byOperation['POST invoice create'] ?? 0;
    assert.equal(c.batchItems + singles, 45, 'each write once');
    assert.ok(c.largestBatch <= 30, `largest batch ${c.largestBatch}`);
    assert.ok(singles >= 10, `${singles} single calls`);
    assert.ok(c.batches >= 1, `${c.batches} batches`);
  });
});
