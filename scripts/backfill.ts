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
import { SingleBar } from 'cli-progress';
import { adminApi, runCli, UsageError, type AdminApi } from './support/admin-api';

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
    backfill = await call<Backfill>(api, 'GET', `/backfills/${encodeURIComponent(values.watch)}`);
  } else {
    if (!values.integration || !values.from || !values.to) throw new UsageError(USAGE);
    backfill = await call<Backfill>(
      api,
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
async function watch(api: AdminApi, first: Backfill, intervalMs: number): Promise<Backfill> {
  const bar = new SingleBar({
    format:
      '{bar} {done}/{found} | started {started} | complete {complete} | skipped {skipped} | failed {failed}',
    noTTYOutput: true,
    notTTYSchedule: 5000,
    hideCursor: true,
  });
  const payload = (b: Backfill) => ({ ...b.progress, done: done(b) });
  const done = (b: Backfill) => b.progress.complete + b.progress.skipped + b.progress.failed;
  let backfill = first;
  bar.start(Math.max(backfill.progress.found, 1), done(backfill), payload(backfill));
  try {
    while (backfill.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
      backfill = await call<Backfill>(api, 'GET', `/backfills/${encodeURIComponent(backfill.id)}`);
      bar.setTotal(Math.max(backfill.progress.found, 1));
      bar.update(done(backfill), payload(backfill));
    }
  } finally {
    bar.stop();
  }
  return backfill;
}

async function call<T>(api: AdminApi, method: string, apiPath: string, body?: unknown): Promise<T> {
  const res = await api.request<T>(method, apiPath, body);
  if (res.status >= 300) throw new Error(`${method} ${apiPath}: ${res.status} ${res.text}`);
  return res.body;
}

runCli(main);
