/**
 * Replays failed syncs through the service's API (the same as POST /integrations/{id}/replay).
 *
 *   npm run replay -- --integration <id> [--status ERROR,DISABLED] [--from 2026-11-01T00:00:00Z] [--to …] [--limit N]
 *   npm run replay -- --run <runId>
 *
 * Reads API_URL (default http://127.0.0.1:3000) and ADMIN_API_KEY (default: the development key file).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';

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
  const apiUrl = process.env.API_URL ?? 'http://127.0.0.1:3000';
  const keyFile = path.resolve(process.env.DATA_DIR ?? '.data', 'secrets', 'admin-api.key');
  const apiKey =
    process.env.ADMIN_API_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!apiKey) {
    console.error('ADMIN_API_KEY is not set');
    return 2;
  }
  const url = values.run
    ? `${apiUrl}/integration-runs/${encodeURIComponent(values.run)}/replay`
    : `${apiUrl}/integrations/${encodeURIComponent(values.integration!)}/replay`;
  const body = values.run
    ? undefined
    : JSON.stringify({
        statuses: values.status?.split(',').map((s) => s.trim()),
        from: values.from,
        to: values.to,
        limit: values.limit ? Number(values.limit) : undefined,
      });
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body,
  });
  const text = await res.text();
  console.log(text);
  return res.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
