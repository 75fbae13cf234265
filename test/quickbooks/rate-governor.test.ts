import assert from 'node:assert/strict';
import { createPool, type Db } from '../../src/db/pool';
import { PgRateGovernor, RealmBusyError } from '../../src/quickbooks/rate-governor';
import { createTestDatabase, type TestDatabase } from '../support/environment';

/** The per-realm limits, shared through a real PostgreSQL by governors of separate pools (as separate processes). */
describe('QuickBooks rate governor (PostgreSQL, shared by all workers)', function () {
  this.timeout(60_000);
  let t: TestDatabase;
  let otherProcess: Db;
  before(async () => {
    t = await createTestDatabase();
    otherProcess = createPool(t.url, 10);
  });
  after(async () => {
    await otherProcess?.end();
    await t?.drop();
  });

  it('never lets more than 10 requests of one realm run at once, across processes', async () => {
    const a = new PgRateGovernor(t.db, { requestsPerMinute: 60_000, burst: 1000, maxWaitMs: 20_000 });
    const b = new PgRateGovernor(otherProcess, { requestsPerMinute: 60_000, burst: 1000, maxWaitMs: 20_000 });
    let inFlight = 0;
    let peak = 0;
    await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const permit = await (i % 2 ? a : b).acquire('realm-c');
        inFlight++;
        peak = Math.max(peak, inFlight);
        await new Promise((r) => setTimeout(r, 60));
        inFlight--;
        await permit.release();
      }),
    );
    assert.equal(peak, 10);
  });

  it('keeps to the request rate: in any one-second window at most burst + rate', async () => {
    const perMinute = 600; // 10 per second
    const burst = 5;
    const a = new PgRateGovernor(t.db, { requestsPerMinute: perMinute, burst, maxWaitMs: 20_000 });
    const b = new PgRateGovernor(otherProcess, { requestsPerMinute: perMinute, burst, maxWaitMs: 20_000 });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: 30 }, async (_, i) => {
        const permit = await (i % 2 ? a : b).acquire('realm-r');
        times.push(Date.now());
        await permit.release();
      }),
    );
    times.sort((x, y) => x - y);
    for (const start of times) {
      const inWindow = times.filter((x) => x >= start && x < start + 1000).length;
      assert.ok(inWindow <= burst + perMinute / 60 + 1, `${inWindow} requests within one second`);
    }
    assert.ok(times[times.length - 1]! - times[0]! >= 2000, 'the last 25 of 30 waited for tokens');
  });

  it('lets one caller per process ask for the next token while the others wait in line', async () => {
    // 2 tokens a second: 12 callers of one process wait about 5 s between them.
    const pool = createPool(t.url, 12);
    let tokenStatements = 0;
    pool.on('connect', (client) => {
      const query = client.query.bind(client) as (...args: unknown[]) => unknown;
      (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args) => {
        const text = typeof args[0] === 'string' ? args[0] : '';
        if (/^\s*WITH b AS/.test(text)) tokenStatements += 1;
        return query(...args);
      };
    });
    try {
      const g = new PgRateGovernor(pool, { requestsPerMinute: 120, burst: 1, maxWaitMs: 20_000 });
      const times: number[] = [];
      await Promise.all(
        Array.from({ length: 12 }, async () => {
          const permit = await g.acquire('realm-line');
          times.push(Date.now());
          await permit.release();
        }),
      );
      times.sort((x, y) => x - y);
      assert.ok(times.at(-1)! - times[0]! >= 4500, 'the 11 after the burst waited for their tokens');
      // Each token: a statement or two from the head of the line, not one every poll from every caller.
      assert.ok(tokenStatements <= 2 * 11 + 2, `${tokenStatements} token statements for 11 waiting callers`);
    } finally {
      await pool.end();
    }
  });

  it('does not let a busy realm hold up another', async () => {
    const g = new PgRateGovernor(t.db, { maxWaitMs: 300 });
    const held = await Promise.all(Array.from({ length: 10 }, () => g.acquire('realm-busy')));
    const other = await g.acquire('realm-quiet');
    await other.release();
    await assert.rejects(
      g.acquire('realm-busy'),
      (err: unknown) => err instanceof RealmBusyError && err.retryAfterMs >= 250,
    );
    await Promise.all(held.map((p) => p.release()));
    await (await g.acquire('realm-busy')).release();
  });

  it('hands callers that gave up turns spaced at the realm rate, so a backlog comes back in order', async () => {
    // 60 per minute: one turn per second. The bucket is emptied first, so every caller gives up.
    const g = new PgRateGovernor(t.db, { requestsPerMinute: 60, burst: 1, maxWaitMs: 50 });
    await (await g.acquire('realm-q')).release();
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const err = await g.acquire('realm-q').then(
        () => assert.fail('the bucket should be empty'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof RealmBusyError);
      waits.push(err.retryAfterMs);
    }
    for (const [i, wait] of waits.entries()) {
      // The i-th caller's turn is about i + 1 seconds away (less the time the calls themselves took).
      assert.ok(wait > (i + 1) * 1000 - 600 && wait <= (i + 1) * 1000, `turn ${i}: ${waits.join(', ')} ms`);
    }
  });

  it('frees the slots of a crashed process when their lease runs out', async () => {
    const crashed = new PgRateGovernor(otherProcess, { leaseMs: 200 });
    for (let i = 0; i < 10; i++) await crashed.acquire('realm-l'); // never released
    const g = new PgRateGovernor(t.db, { maxWaitMs: 5_000 });
    const permit = await g.acquire('realm-l');
    await permit.release();
  });
});
