/** When the m3ter client retries and how long it waits. */

/** 429 and every 5xx are worth another try; other statuses are answers. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status >= 500;
}

/** Statuses that say the request was not processed, so even a non-idempotent request may be repeated. */
export function isNotProcessedStatus(status: number): boolean {
  return status === 429 || status === 503;
}

/** `Retry-After` as ms from `nowMs`: delta seconds or an HTTP date; undefined when absent or unreadable. */
export function parseRetryAfter(header: string | null, nowMs: number): number | undefined {
  if (header === null) return undefined;
  const value = header.trim();
  if (/^\d+(\.\d+)?$/.test(value)) return Math.round(Number(value) * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}

/**
 * Exponential backoff with "equal jitter": half the exponential delay fixed, half random, capped.
 * attempt 1 → base/2 … base, attempt 2 → base … 2·base, …
 */
export function backoffDelay(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const exp = Math.min(maxMs, baseMs * 2 ** (attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
