/**
 * `npm run bench:month-end [-- --quick] [-- --bills 10000 --accounts 20 --latency-ms 300 --concurrency 300]`:
 * month-end into one QuickBooks company. N approved bills are backfilled on the real parts (PostgreSQL, Temporal,
 * the m3ter and QuickBooks emulators) with the emulator enforcing QuickBooks' limits (500 requests a minute, 10
 * at once, 40 batch requests a minute) and the product's defaults (batched writes on). Prints the time against
 * the QuickBooks-limited minimum of the batch path (N / (40 × 30 + 460) per minute) and of one request per bill
 * (N / 500 per minute), the 429s QuickBooks sent and the runs they reached, and checks one invoice per bill.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startSharedEnvironment, stopSharedEnvironment } from '../test/support/environment';
import { startSyncHarness } from '../test/support/sync-harness';

const BATCHES_PER_MINUTE = 40;
const BATCH_ITEMS = 30;
const REQUESTS_PER_MINUTE = 500;

function flag(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return value;
}

interface BackfillBody {
  id: string;
  status: string;
  progress: { found: number; complete: number; skipped: number; failed: number };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const bills = flag('bills', quick ? 2000 : 10_000);
  const accounts = flag('accounts', 20);
  const latencyMs = flag('latency-ms', 300, 0);
  const concurrency = flag('concurrency', 300);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  await startSharedEnvironment();
  const h = await startSyncHarness({ throttleWaitMs: 15_000 });
  const org = h.m3ter.defaultOrgId;
  try {
    const accountIds = Array.from({ length: accounts }, (_, a) => `month-end-a${a}`);
    for (const id of accountIds)
      h.m3ter.control.createAccount(org, {
        id,
        code: id.toUpperCase(),
        name: `Month end ${id}`,
        currency: 'USD',
      });
    const { id: integrationId, realmId } = await h.createIntegration({ accountIds });
    const expected = new Map<string, number>();
    for (let n = 0; n < bills; n++) {
      const usage = (1000 + n) / 100;
      const bill = h.m3ter.control.createBill(org, {
        accountId: accountIds[n % accounts]!,
        billDate: '2026-11-01',
        currency: 'USD',
        status: 'APPROVED',
        lineItems: [
          { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 99 },
          { description: 'API calls', lineItemType: 'USAGE', quantity: 1000 + n, subtotal: usage },
        ],
      });
      expected.set(bill.id, Math.round((99 + usage) * 100));
    }
    h.emulator.control.setLimits(
      {
        enabled: true,
        requestsPerMinute: REQUESTS_PER_MINUTE,
        maxConcurrent: 10,
        batchesPerMinute: BATCHES_PER_MINUTE,
      },
      realmId,
    );
    if (latencyMs > 0) h.emulator.control.setFaults({ latencyMs, latencyShare: 1 }, realmId);
    h.emulator.control.resetCounters();
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const rssWatch = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 500);

    const started = Date.now();
    const res = await h.api.request<BackfillBody>('POST', `/integrations/${integrationId}/backfill`, {
      from: '2026-11-01',
      to: '2026-12-01',
      concurrency,
    });
    if (res.status !== 202) throw new Error(`backfill: ${res.status} ${res.text}`);
    let done: BackfillBody;
    for (;;) {
      done = (await h.api.request<BackfillBody>('GET', `/backfills/${res.body.id}`)).body;
      if (done.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const seconds = (Date.now() - started) / 1000;
    clearInterval(rssWatch);

    const qbo = h.emulator.control.counters();
    const invoices = (h.emulator.control.documents(realmId).Invoice ?? []) as Array<{
      PrivateNote?: string;
      TotalAmt: number;
    }>;
    const perBill = new Map<string, number>();
    let wrongTotals = 0;
    for (const doc of invoices) {
      const billId = /\[m3ter-bill:([^\]]+)\]/.exec(doc.PrivateNote ?? '')?.[1];
      if (!billId) continue;
      perBill.set(billId, (perBill.get(billId) ?? 0) + 1);
      if (Math.round(doc.TotalAmt * 100) !== expected.get(billId)) wrongTotals += 1;
    }
    const oneEach = [...expected.keys()].every((id) => perBill.get(id) === 1);
    const runs = await h.database.db.query<{ status: string; n: string; throttled: string }>(
      `SELECT status, count(*)::text AS n,
              count(*) FILTER (WHERE error->>'code' = 'QBO_RATE_LIMITED')::text AS throttled
       FROM integration_runs WHERE integration_id = $1 GROUP BY status`,
      [integrationId],
    );
    const batchMinimum =
      (bills / (BATCHES_PER_MINUTE * BATCH_ITEMS + (REQUESTS_PER_MINUTE - BATCHES_PER_MINUTE))) * 60;
    const singleMinimum = (bills / REQUESTS_PER_MINUTE) * 60;
    const singles =
      (qbo.byOperation['POST invoice create'] ?? 0) + (qbo.byOperation['POST invoice update'] ?? 0);
    console.log(
      `month-end: ${bills} bills into one company in ${seconds.toFixed(1)} s (${(bills / seconds).toFixed(1)} bills/s); ` +
        `backfill ${done.status}: complete ${done.progress.complete}, failed ${done.progress.failed}`,
    );
    console.log(
      `  QuickBooks-limited minimum of the batch path ${batchMinimum.toFixed(0)} s: time / minimum = ${(seconds / batchMinimum).toFixed(2)} (target ≤ 1.1); ` +
        `one request per bill would need ≥ ${singleMinimum.toFixed(0)} s (${(singleMinimum / seconds).toFixed(2)}× longer)`,
    );
    console.log(
      `  QuickBooks requests ${qbo.api}: ${qbo.batches} batches (${qbo.batchItems} writes, largest ${qbo.largestBatch}), ${singles} single writes; ` +
        `429s sent ${qbo.throttled}; runs ${runs.rows.map((r) => `${r.status} ${r.n}`).join(', ')}; ` +
        `runs that met a 429 ${runs.rows.reduce((n, r) => n + Number(r.throttled), 0)}`,
    );
    console.log(
      `  invoices ${invoices.length}, exactly one per bill: ${oneEach}, totals off by a cent or more: ${wrongTotals}; ` +
        `bench process RSS (API + worker in process) ${(rssBefore / 2 ** 20).toFixed(0)} → peak ${(rssPeak / 2 ** 20).toFixed(0)} MB`,
    );
    if (!oneEach || wrongTotals > 0 || done.progress.failed > 0) process.exitCode = 1;
  } finally {
    await h.stop();
    await stopSharedEnvironment();
  }
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
