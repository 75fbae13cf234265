import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenEndpointStats {
  calls: number;
  /** HTTP status answered, by status. */
  byStatus: Record<string, number>;
  /** OAuth `error` codes in the answers (`invalid_grant`, `invalid_client` …). */
  byError: Record<string, number>;
  /** Requests the proxy could not forward (502). */
  unreachable: number;
}

export interface TokenProxy {
  url: string;
  stats(): TokenEndpointStats;
  stop(): Promise<void>;
}

/**
 * A loopback pass-through in front of the emulator's token endpoint that counts what it answers, so a run
 * can tell refresh-token refusals (`invalid_grant`, 400) apart from the API's own 400s.
 */
export async function startTokenProxy(targetUrl: string): Promise<TokenProxy> {
  const stats: TokenEndpointStats = { calls: 0, byStatus: {}, byError: {}, unreachable: 0 };
  const bump = (map: Record<string, number>, key: string) => (map[key] = (map[key] ?? 0) + 1);
  const server: Server = createServer((req, res) => {
    void (async () => {
      stats.calls += 1;
      try {
        const body = await readBody(req);
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (
            typeof v === 'string' &&
            !['host', 'connection', 'content-length', 'transfer-encoding'].includes(k)
          )
            headers[k] = v;
        }
        const upstream = await fetch(targetUrl, {
          method: req.method,
          headers,
          body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body,
          signal: AbortSignal.timeout(30_000),
        });
        const text = await upstream.text();
        bump(stats.byStatus, String(upstream.status));
        if (upstream.status >= 400) {
          let code = 'unknown';
          try {
            code = String((JSON.parse(text) as { error?: unknown }).error ?? 'unknown');
          } catch {
            // not JSON
          }
          bump(stats.byError, code);
        }
        res.writeHead(upstream.status, {
          'content-type': upstream.headers.get('content-type') ?? 'application/json',
        });
        res.end(text);
      } catch {
        stats.unreachable += 1;
        bump(stats.byStatus, '502');
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('token endpoint unreachable');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/oauth2/v1/tokens/bearer`,
    stats: () => structuredClone(stats),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
