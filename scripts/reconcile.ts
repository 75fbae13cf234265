/**
 * Reconciles an integration through the service's API (POST /integrations/{id}/reconciliations), shows its
 * progress until it ends, then the summary: counts per result and the drift per currency.
 *
 *   npm run reconcile -- --integration <id> --from 2026-10-01 --to 2026-12-01 [--no-wait] [--csv out.csv]
 *   npm run reconcile -- --watch <runId> [--csv out.csv]
 *
 * Reads API_URL (default http://127.0.0.1:3000) and ADMIN_API_KEY (default: the development key file).
 * Exit code 0 when everything matched (or is informational), 1 when something needs a look, 2 for a usage error.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { formatMinor } from '../src/domain/money';
import { adminApi, pollWithProgressBar, runCli, UsageError, type AdminApi } from './support/admin-api';

interface Run {
  id: string;
  status: 'RUNNING' | 'COMPLETE' | 'FAILED';
  progress: { listed: number; checked: number };
  summary: {
    bills: number;
    counts: Record<string, number>;
    amounts: Record<string, { driftMinor: number; netDriftMinor: number }>;
  } | null;
  quickBooksReads: number;
  adopted: number;
  error: string | null;
}

const USAGE =
  'usage: npm run reconcile -- (--integration <id> --from YYYY-MM-DD --to YYYY-MM-DD [--no-wait] | --watch <runId>) [--csv file]';
/** Results that are fine or informational. */
const FINE = new Set(['MATCHED', 'PAID', 'PARTLY_PAID', 'SKIPPED_BY_SETTINGS']);

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      integration: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      watch: { type: 'string' },
      csv: { type: 'string' },
      'no-wait': { type: 'boolean' },
      'interval-ms': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const api = adminApi();
  let run: Run;
  if (values.watch) {
    run = await api.call<Run>('GET', `/reconciliations/${encodeURIComponent(values.watch)}?result=MATCHED`);
  } else {
    if (!values.integration || !values.from || !values.to) throw new UsageError(USAGE);
    run = await api.call<Run>(
      'POST',
      `/integrations/${encodeURIComponent(values.integration)}/reconciliations`,
      {
        from: values.from,
        to: values.to,
      },
    );
    console.log(`reconciliation ${run.id} started (Temporal workflow reconciliation/${run.id})`);
    if (values['no-wait']) return 0;
  }
  run = await watch(api, run, Number(values['interval-ms'] ?? 1000));
  if (run.status !== 'COMPLETE' || !run.summary) {
    console.error(`${run.status}: ${run.error ?? 'no summary'}`);
    return 1;
  }
  const counts = Object.entries(run.summary.counts).filter(([, n]) => n > 0);
  console.log(
    `${run.status}: ${run.summary.bills} bills, ${run.quickBooksReads} QuickBooks reads, ${run.adopted} adopted`,
  );
  for (const [result, n] of counts) console.log(`  ${result.padEnd(22)} ${n}`);
  for (const [currency, a] of Object.entries(run.summary.amounts))
    console.log(
      `  drift ${currency}: ${formatMinor(a.driftMinor, currency)} (net ${formatMinor(a.netDriftMinor, currency)})`,
    );
  if (values.csv) {
    const res = await api.request('GET', `/reconciliations/${encodeURIComponent(run.id)}/results.csv`);
    if (res.status !== 200) throw new Error(`CSV export: ${res.status} ${res.text}`);
    writeFileSync(values.csv, res.text);
    console.log(`results written to ${values.csv}`);
  }
  return counts.every(([result]) => FINE.has(result)) ? 0 : 1;
}

/** Polls the run until it ends (only the run, no results), drawing a bar of the bills compared. */
function watch(api: AdminApi, first: Run, intervalMs: number): Promise<Run> {
  return pollWithProgressBar({
    first,
    read: (run) => api.call<Run>('GET', `/reconciliations/${encodeURIComponent(run.id)}?billId=-`),
    format: '{bar} {value}/{total} bills compared',
    total: (run) => run.progress.listed,
    value: (run) => run.progress.checked,
    intervalMs,
  });
}

runCli(main);
