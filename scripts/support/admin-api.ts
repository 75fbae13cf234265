import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';

/**
 * The service's admin API as the CLIs call it: API_URL (default http://127.0.0.1:3000) and ADMIN_API_KEY
 * (default: the development key file `npm start` wrote).
 */
export interface AdminApi {
  url: string;
  request<T = unknown>(
    method: string,
    apiPath: string,
    body?: unknown,
  ): Promise<{ status: number; body: T; text: string }>;
  /** A request whose non-2xx answer is an error naming it. */
  call<T>(method: string, apiPath: string, body?: unknown): Promise<T>;
}

export function adminApi(): AdminApi {
  const url = process.env.API_URL ?? 'http://127.0.0.1:3000';
  const keyFile = path.resolve(process.env.DATA_DIR ?? '.data', 'secrets', 'admin-api.key');
  const apiKey =
    process.env.ADMIN_API_KEY ?? (existsSync(keyFile) ? readFileSync(keyFile, 'utf8').trim() : undefined);
  if (!apiKey) throw new UsageError(`ADMIN_API_KEY is not set (and there is no ${keyFile})`);
  const api: AdminApi = {
    url,
    async call<T>(method: string, apiPath: string, body?: unknown) {
      const res = await api.request<T>(method, apiPath, body);
      if (res.status >= 300) throw new Error(`${method} ${apiPath}: ${res.status} ${res.text}`);
      return res.body;
    },
    async request<T>(method: string, apiPath: string, body?: unknown) {
      const res = await fetch(`${url}${apiPath}`, {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      // (a CSV export is text: only JSON is parsed)
      const json = text && !res.headers.get('content-type')?.startsWith('text/csv');
      return { status: res.status, body: (json ? JSON.parse(text) : undefined) as T, text };
    },
  };
  return api;
}

/**
 * Polls a long-running thing (a backfill, a reconciliation) until it is no longer RUNNING, drawing a progress bar
 * (on stderr; every 5 s when not a terminal) of `value` out of `total`, with `payload` for the bar's format.
 */
export async function pollWithProgressBar<T extends { status: string }>(options: {
  first: T;
  read: (current: T) => Promise<T>;
  format: string;
  total: (t: T) => number;
  value: (t: T) => number;
  payload?: (t: T) => Record<string, unknown>;
  intervalMs: number;
}): Promise<T> {
  const { read, total, value, payload = () => ({}) } = options;
  const bar = new SingleBar({
    format: options.format,
    noTTYOutput: true,
    notTTYSchedule: 5000,
    hideCursor: true,
  });
  let current = options.first;
  bar.start(Math.max(total(current), 1), value(current), payload(current));
  try {
    while (current.status === 'RUNNING') {
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
      current = await read(current);
      bar.setTotal(Math.max(total(current), 1));
      bar.update(value(current), payload(current));
    }
  } finally {
    bar.stop();
  }
  return current;
}

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {}

/** Runs a CLI's main: its exit code, 2 for a usage error, 1 for anything else thrown. */
export function runCli(main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(err instanceof UsageError ? 2 : 1);
    },
  );
}
