/** Shared helpers for the m3ter emulator tests: a running emulator, raw HTTP calls, a webhook receiver. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  startM3terEmulator,
  type RunningM3terEmulator,
  type StartM3terEmulatorOptions,
} from '../../emulators/m3ter';

/** Starts an emulator for a describe block and resets it before every test. */
export function useM3terEmulator(options: StartM3terEmulatorOptions = {}): () => RunningM3terEmulator {
  let emulator: RunningM3terEmulator | undefined;
  before(async () => {
    emulator = await startM3terEmulator(options);
  });
  beforeEach(() => emulator?.control.reset());
  after(async () => {
    await emulator?.stop();
  });
  return () => {
    assert.ok(emulator, 'emulator not started');
    return emulator;
  };
}

export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}

export async function http(url: string, init: RequestInit = {}): Promise<RawResponse> {
  const res = await fetch(url, init);
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => {
      const value: unknown = JSON.parse(text);
      assert.ok(typeof value === 'object' && value !== null && !Array.isArray(value), text);
      return value as Record<string, unknown>;
    },
  };
}

export function basic(apiKey: string, apiSecret: string): string {
  return `Basic ${Buffer.from(`${apiKey}:${apiSecret}`).toString('base64')}`;
}

/** A token for the default organization, through the token endpoint. */
export async function token(em: RunningM3terEmulator): Promise<string> {
  const res = await http(em.tokenUrl, {
    method: 'POST',
    headers: {
      authorization: basic(em.credentials.apiKey, em.credentials.apiSecret),
      'content-type': 'application/json',
    },
    body: JSON.stringify({ grant_type: 'client_credentials' }),
  });
  assert.equal(res.status, 200, res.text);
  return String(res.json().access_token);
}

/** GET/POST/PUT/DELETE under /organizations/{orgId} with a bearer token. */
export async function api(
  em: RunningM3terEmulator,
  bearer: string,
  path: string,
  init: { method?: string; body?: unknown; orgId?: string } = {},
): Promise<RawResponse> {
  return http(`${em.url}/organizations/${init.orgId ?? em.defaultOrgId}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${bearer}`,
      ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
}

export function ids(page: Record<string, unknown>): string[] {
  const data = page.data;
  assert.ok(Array.isArray(data), JSON.stringify(page));
  return data.map((d: unknown) => String((d as { id: unknown }).id));
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface WebhookReceiver {
  url: string;
  requests: ReceivedRequest[];
  /** Statuses to answer with, in order; afterwards 200. */
  respondWith(...statuses: number[]): void;
  stop(): Promise<void>;
}

/** A real local HTTP server that records every request and answers from a queue of statuses. */
export async function startReceiver(path = '/webhooks/m3ter?source=emulator'): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  const queue: number[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.statusCode = queue.shift() ?? 200;
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}${path}`,
    requests,
    respondWith: (...statuses) => queue.push(...statuses),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The product's scheme, recomputed independently: hex HMAC-SHA256(secret, `${path}|${apiKey}|${ts}|${body}`). */
export function expectedSignature(secret: string, request: ReceivedRequest): string {
  const apiKey = String(request.headers['x-m3ter-apikey']);
  const timestamp = String(request.headers['x-m3ter-timestamp']);
  return createHmac('sha256', secret)
    .update(`${request.path}|${apiKey}|${timestamp}|${request.body}`)
    .digest('hex');
}

export function parseBody(request: ReceivedRequest): Record<string, unknown> {
  return JSON.parse(request.body) as Record<string, unknown>;
}
