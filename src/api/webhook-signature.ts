import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The signed-request scheme this service accepts from m3ter webhook destinations (README "Webhooks"):
 *
 *   X-m3ter-apikey:    the destination's API key
 *   X-m3ter-timestamp: Unix time in seconds when the request was signed
 *   X-m3ter-signature: hex HMAC-SHA256(secret, `${path}|${apiKey}|${timestamp}|${rawBody}`)
 *
 * `path` is the request path with its query string, exactly as sent (e.g. `/webhooks/m3ter`).
 */
export const SIGNATURE_HEADERS = {
  apiKey: 'x-m3ter-apikey',
  timestamp: 'x-m3ter-timestamp',
  signature: 'x-m3ter-signature',
} as const;

export function signWebhook(
  secret: string,
  parts: { path: string; apiKey: string; timestamp: number | string; body: Buffer | string },
): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${parts.path}|${parts.apiKey}|${parts.timestamp}|`);
  mac.update(parts.body);
  return mac.digest('hex');
}

export type SignatureCheck = { ok: true } | { ok: false; reason: string };

export function verifyWebhookSignature(options: {
  secret: string;
  /** When set, the request's API key must equal it. */
  expectedApiKey?: string;
  path: string;
  headers: { apiKey?: string; timestamp?: string; signature?: string };
  body: Buffer;
  nowMs: number;
  toleranceSeconds: number;
}): SignatureCheck {
  const { apiKey, timestamp, signature } = options.headers;
  if (!apiKey || !timestamp || !signature) {
    return {
      ok: false,
      reason: `missing ${[!apiKey && 'X-m3ter-apikey', !timestamp && 'X-m3ter-timestamp', !signature && 'X-m3ter-signature'].filter(Boolean).join(', ')}`,
    };
  }
  if (options.expectedApiKey !== undefined && !equalStrings(apiKey, options.expectedApiKey))
    return { ok: false, reason: 'unknown API key' };
  if (!/^\d{1,13}$/.test(timestamp)) return { ok: false, reason: 'X-m3ter-timestamp is not a Unix time' };
  const seconds = Number(timestamp) > 1e11 ? Number(timestamp) / 1000 : Number(timestamp);
  if (Math.abs(options.nowMs / 1000 - seconds) > options.toleranceSeconds) {
    return { ok: false, reason: `timestamp outside the ${options.toleranceSeconds} s tolerance` };
  }
  const expected = signWebhook(options.secret, { path: options.path, apiKey, timestamp, body: options.body });
  if (
    !/^[0-9a-fA-F]{64}$/.test(signature) ||
    !timingSafeEqual(Buffer.from(signature.toLowerCase(), 'hex'), Buffer.from(expected, 'hex'))
  ) {
    return { ok: false, reason: 'signature does not match' };
  }
  return { ok: true };
}

function equalStrings(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}
