/**
 * `npm run bench:reconcile [-- --bills 5000 --accounts 50]`: one reconciliation of N bills of one company on
 * the real parts (PostgreSQL, Temporal for the harness, the m3ter and QuickBooks emulators): its time and the
 * QuickBooks reads it costs, per document (target ≤ 1/30).
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { runReconciliation } from '../src/bill-sync/reconciliation';
import { reconciliationDeps, seedLinkedBills } from '../test/support/reconciliation-seed';
import { startSharedEnvironment, stopSharedEnvironment } from '../test/support/environment';
import { startSyncHarness } from '../test/support/sync-harness';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return value;
}

async function main(): Promise<void> {
  const bills = flag('bills', 5000);
  const accounts = flag('accounts', 50);
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  await startSharedEnvironment();
  const h = await startSyncHarness();
  try {
    const seeded = Date.now();
    const { integrationId, realmId } = await seedLinkedBills(h, { prefix: 'bench', count: bills, accounts });
    console.log(
      `seeded ${bills} bills with their invoices in ${((Date.now() - seeded) / 1000).toFixed(1)} s`,
    );
    h.emulator.control.resetCounters();
    const started = Date.now();
    const { run } = await runReconciliation(reconciliationDeps(h), integrationId, {
      from: '2026-10-01',
      to: '2026-11-01',
    });
    const seconds = (Date.now() - started) / 1000;
    const reads = h.emulator.control.counters().readsByRealm[realmId] ?? 0;
    console.log(
      `reconciliation: ${bills} bills in ${seconds.toFixed(1)} s; ${reads} QuickBooks reads ` +
        `(${run.quickBooksReads} batched queries, ${reads - run.quickBooksReads} customer/company reads) = ` +
        `${(reads / bills).toFixed(4)} reads per document (target ≤ ${(1 / 30).toFixed(4)}); ` +
        `matched ${run.summary?.counts.MATCHED ?? 0}`,
    );
  } finally {
    await h.stop();
    await stopSharedEnvironment();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
