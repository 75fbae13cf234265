/**
 * `npm run bench:backfill [-- --bills 2000 --realms 5 --accounts 4 --latency-ms 300 --concurrency 50]`: a backfill
 * of N approved bills spread over R QuickBooks companies (one integration each) on the real parts (PostgreSQL,
 * Temporal, the m3ter and QuickBooks emulators, the product's governor at QuickBooks' limits). Prints its time
 * against the QuickBooks-limited minimum (the busiest company's requests at 500 a minute) and the m3ter API calls
 * it cost per bill (goal ≤ 1.05).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { startSharedEnvironment, stopSharedEnvironment } from '../test/support/environment';
import { startSyncHarness } from '../test/support/sync-harness';

const QUICKBOOKS_REQUESTS_PER_SECOND = 500 / 60;

function flag(name: string, fallback: number, min = 1): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
  return value;
}

interface BackfillBody {
  id: string;
  status: string;
  error?: string | null;
  progress: { found: number; complete: number; skipped: number; failed: number };
}

async function main(): Promise<void> {
  const bills = flag('bills', 2000);
  const realms = flag('realms', 5);
  const accountsPerRealm = flag('accounts', 4);
  const latencyMs = flag('latency-ms', 300, 0);
  const concurrency = flag('concurrency', 50);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  await startSharedEnvironment();
  const h = await startSyncHarness();
  const org = h.m3ter.defaultOrgId;
  try {
    const integrations: Array<{ id: string; realmId: string }> = [];
    for (let r = 0; r < realms; r++) {
      const accounts = Array.from({ length: accountsPerRealm }, (_, a) => `bench-r${r}-a${a}`);
      for (const id of accounts)
        h.m3ter.control.createAccount(org, {
          id,
          code: id.toUpperCase(),
          name: `Bench ${id}`,
          currency: 'USD',
        });
      integrations.push(await h.createIntegration({ accountIds: accounts }));
    }
    for (let n = 0; n < bills; n++) {
      const r = n % realms;
      h.m3ter.control.createBill(org, {
        accountId: `bench-r${r}-a${Math.floor(n / realms) % accountsPerRealm}`,
        billDate: '2026-10-01',
        currency: 'USD',
        status: 'APPROVED',
        lineItems: [
          { description: 'Platform fee', lineItemType: 'STANDING_CHARGE', quantity: 1, subtotal: 99 },
          { description: 'API calls', lineItemType: 'USAGE', quantity: 1000 + n, subtotal: (1000 + n) / 100 },
        ],
      });
    }
    if (latencyMs > 0) h.emulator.control.setFaults({ latencyMs, latencyShare: 1 });
    h.m3ter.control.resetCounters();
    h.emulator.control.resetCounters();

    const customerCount = () =>
      integrations.reduce(
        (n, { realmId }) =>
          n + ((h.emulator.control.documents(realmId).Customer as unknown[] | undefined)?.length ?? 0),
        0,
      );
    const customersBefore = customerCount();
    const started = Date.now();
    const runs: BackfillBody[] = [];
    for (const { id } of integrations) {
      const res = await h.api.request<BackfillBody>('POST', `/integrations/${id}/backfill`, {
        from: '2026-10-01',
        to: '2026-11-01',
        concurrency,
      });
      if (res.status !== 202) throw new Error(`backfill: ${res.status} ${res.text}`);
      runs.push(res.body);
    }
    const finished: BackfillBody[] = [];
    for (const run of runs) {
      for (;;) {
        const res = await h.api.request<BackfillBody>('GET', `/backfills/${run.id}`);
        if (res.body.status !== 'RUNNING') {
          finished.push(res.body);
          break;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const seconds = (Date.now() - started) / 1000;

    const qbo = h.emulator.control.counters();
    const busiest = Math.max(...integrations.map(({ realmId }) => qbo.byRealm[realmId] ?? 0));
    const minimum = busiest / QUICKBOOKS_REQUESTS_PER_SECOND;
    const m3ter = h.m3ter.control.counters();
    const complete = finished.reduce((n, b) => n + b.progress.complete, 0);
    const failed = finished.reduce((n, b) => n + b.progress.failed, 0);
    const documents = integrations.reduce(
      (n, { realmId }) =>
        n + ((h.emulator.control.documents(realmId).Invoice as unknown[] | undefined)?.length ?? 0),
      0,
    );
    const customers = customerCount() - customersBefore;
    const routes = Object.entries(m3ter.byRoute)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([route, n]) => `${route} ${n}`)
      .join(', ');
    console.log(
      `backfill: ${bills} bills over ${realms} companies in ${seconds.toFixed(1)} s; complete ${complete}, failed ${failed}, invoices ${documents}, customers created ${customers} (accounts ${realms * accountsPerRealm})`,
    );
    console.log(
      `  QuickBooks-limited minimum ${minimum.toFixed(1)} s (busiest company ${busiest} requests at 500/min): ` +
        `time / minimum = ${(seconds / minimum).toFixed(2)}`,
    );
    console.log(
      `  m3ter API calls ${m3ter.api} (+ ${m3ter.token} token) = ${(m3ter.api / bills).toFixed(3)} per bill (goal ≤ 1.05); top: ${routes}`,
    );
    const operations = Object.entries(qbo.byOperation)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 5)
      .map(([operation, n]) => `${operation} ${n}`)
      .join(', ');
    console.log(
      `  QuickBooks requests ${qbo.api} = ${(qbo.api / bills).toFixed(2)} per bill; top: ${operations}`,
    );
    if (failed > 0 || complete !== bills || documents !== bills || customers !== realms * accountsPerRealm)
      process.exitCode = 1;
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
