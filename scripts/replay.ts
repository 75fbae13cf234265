/**
 * Replays failed syncs through the service's API (the same as POST /integrations/{id}/replay).
 *
 *   npm run replay -- --integration <id> [--status ERROR,DISABLED] [--from 2026-11-01T00:00:00Z] [--to …] [--limit N]
 *   npm run replay -- --run <runId>
 *
 * Reads API_URL (default http://127.0.0.1:3000) and ADMIN_API_KEY (default: the development key file).
 */
import { parseArgs } from 'node:util';
import { adminApi, runCli } from './support/admin-api';

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      integration: { type: 'string' },
      run: { type: 'string' },
      status: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help || (!values.integration && !values.run) || (values.integration && values.run)) {
    console.error(
      'usage: npm run replay -- (--run <runId> | --integration <id> [--status S1,S2] [--from ISO] [--to ISO] [--limit N])',
    );
    return values.help ? 0 : 2;
  }
  const api = adminApi();
  const res = values.run
    ? await api.request('POST', `/integration-runs/${encodeURIComponent(values.run)}/replay`)
    : await api.request('POST', `/integrations/${encodeURIComponent(values.integration!)}/replay`, {
        statuses: values.status?.split(',').map((s) => s.trim()),
        from: values.from,
        to: values.to,
        limit: values.limit ? Number(values.limit) : undefined,
      });
  console.log(res.text);
  return res.status < 300 ? 0 : 1;
}

runCli(main);
