/**
 * How the emulator signs webhook deliveries (the scheme the product verifies, README "Webhooks"):
 *
 *   X-m3ter-apikey:    the destination's API key
 *   X-m3ter-timestamp: Unix seconds (emulator clock)
 *   X-m3ter-signature: hex HMAC-SHA256(secret, `${path}|${apiKey}|${timestamp}|${rawBody}`)
 *
 * `path` is the destination URL's path with its query string.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADERS = {
  apiKey: 'X-m3ter-apikey',
  timestamp: 'X-m3ter-timestamp',
  signature: 'X-m3ter-signature',
} as const;

export function signDelivery(
  secret: string,
  parts: { path: string; apiKey: string; timestamp: string; body: string },
): string {
  return createHmac('sha256', secret)
    .update(`${parts.path}|${parts.apiKey}|${parts.timestamp}|${parts.body}`)
    .digest('hex');
}
