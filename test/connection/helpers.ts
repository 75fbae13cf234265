import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/platform/logger';
import type { SyncHarness } from '../support/sync-harness';

/** A product logger whose JSON lines are kept in `lines` (to search the logs of a whole sync). */
export function captureLogs(level = 'trace'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level, destination: sink }), lines };
}

/** `GET /credentials/{id}/connect` with the API key → the Intuit authorize URL it redirects to. */
export async function startConnect(h: SyncHarness, credentialId: string): Promise<URL> {
  const res = await fetch(`${h.api.baseUrl}/credentials/${credentialId}/connect`, {
    headers: { authorization: `Bearer ${h.api.apiKey}` },
    redirect: 'manual',
  });
  assert.equal(res.status, 302);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  return new URL(res.headers.get('location') ?? '');
}

/**
 * Intuit's authorize page, played by the emulator: it approves at once (or declines with `deny`) for the
 * company `realmId` and answers with the redirect to the service's callback, which is returned.
 */
export async function authorizeAtIntuit(authorize: URL, realmId: string, decision?: 'deny'): Promise<URL> {
  const url = new URL(authorize);
  url.searchParams.set('realmId', realmId);
  if (decision) url.searchParams.set('emulator_decision', decision);
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 302);
  return new URL(res.headers.get('location') ?? '');
}

export interface CallbackResponse {
  status: number;
  text: string;
  /** The JSON body (empty for HTML). */
  body: Record<string, unknown>;
  headers: Headers;
}

/** The browser arriving at the callback URL. */
export async function callback(url: URL | string, accept = 'application/json'): Promise<CallbackResponse> {
  const res = await fetch(url, { headers: { accept }, redirect: 'manual' });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // HTML
  }
  return { status: res.status, text, body, headers: res.headers };
}

/** The whole connect flow for a credential and company: start → Intuit → callback. */
export async function connectThroughIntuit(
  h: SyncHarness,
  credentialId: string,
  realmId: string,
): Promise<{ callbackUrl: URL; response: CallbackResponse }> {
  const callbackUrl = await authorizeAtIntuit(await startConnect(h, credentialId), realmId);
  return { callbackUrl, response: await callback(callbackUrl) };
}
