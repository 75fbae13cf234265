/**
 * Backfills an integration through the service's API (POST /integrations/{id}/backfill), then shows its
 * progress until it ends: found / started / complete / skipped / failed.
 *
 *   npm run backfill -- --integration <id> --from 2026-08-01 --to 2026-11-01 [--accounts a,b] [--concurrency 50] [--no-wait]
 *   npm run backfill -- --watch <backfillId>
 *
 * Reads API_URL (default http://127.0.0.1:3000) and ADMIN_API_KEY (default: the development key file).
 * Exit code 0 when every bill ended COMPLETE or SKIPPED, 1 otherwise, 2 for a usage error.
 */
import { parseArgs } from 'node:util';
import { adminApi, pollWithProgressBar, runCli, UsageError, type AdminApi } from './support/admin-api';

interface Backfill {
  id: string;
  status: 'RUNNING' | 'COMPLETE' | 'FAILED';
  progress: { found: number; started: number; complete: number; skipped: number; failed: number };
  error: string | null;
  workflowId: string;
}

const USAGE =
  'usage: npm run backfill -- (--integration <id> --from YYYY-MM-DD --to YYYY-MM-DD [--accounts a,b] [--concurrency N] [--no-wait] | --watch <backfillId>)';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      integration: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      accounts: { type: 'string' },
      concurrency: { type: 'string' },
      watch: { type: 'string' },
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
  let backfill: Backfill;
  if (values.watch) {
    backfill = await api.call<Backfill>('GET', `/backfills/${encodeURIComponent(values.watch)}`);
  } else {
    if (!values.integration || !values.from || !values.to) throw new UsageError(USAGE);
    backfill = await api.call<Backfill>(
      'POST',
      `/integrations/${encodeURIComponent(values.integration)}/backfill`,
      {
        from: values.from,
        to: values.to,
        accountIds: values.accounts
          ?.split(',')
          .map((a) => a.trim())
          .filter(Boolean),
        concurrency: values.concurrency ? Number(values.concurrency) : undefined,
      },
    );
    console.log(`backfill ${backfill.id} started (Temporal workflow ${backfill.workflowId})`);
    if (values['no-wait']) return 0;
  }
  backfill = await watch(api, backfill, Number(values['interval-ms'] ?? 1000));
  const p = backfill.progress;
  console.log(
    `${backfill.status}: found ${p.found}, started ${p.started}, complete ${p.complete}, skipped ${p.skipped}, failed ${p.failed}`,
  );
  if (backfill.error) console.error(backfill.error);
  return backfill.status === 'COMPLETE' && p.failed === 0 ? 0 : 1;
}

/** Polls the backfill until it ends, drawing a bar of the bills done out of those found so far. */
function watch(api: AdminApi, first: Backfill, intervalMs: number): Promise<Backfill> {
  const done = (b: Backfill) => b.progress.complete + b.progress.skipped + b.progress.failed;
  return pollWithProgressBar({
    first,
    read: (b) => api.call<Backfill>('GET', `/backfills/${encodeURIComponent(b.id)}`),
    format:
      '{bar} {done}/{found} | started {started} | complete {complete} | skipped {skipped} | failed {failed}',
    total: (b) => b.progress.found,
    value: done,
    payload: (b) => ({ ...b.progress, done: done(b) }),
    intervalMs,
  });
}

runCli(main);
