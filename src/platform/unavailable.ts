// Node's socket errors, PostgreSQL's shutdown/start-up states, and gRPC UNAVAILABLE (Temporal's client).
const UNAVAILABLE_CODES = new Set<unknown>([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P03',
  14,
]);
const UNAVAILABLE_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /the database system is (starting up|shutting down)/i,
  /14 UNAVAILABLE/,
];

/**
 * Whether an error means our own infrastructure — PostgreSQL or the Temporal server — could not be reached
 * (the error or one of its causes says so). The API answers 503 for it; a sync step waits for it on a timer.
 * Callers ask only about errors that are not already classified (a QuickBooks or m3ter error is its own story).
 */
export function isDependencyUnavailable(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; depth++) {
    const { code } = e as { code?: unknown };
    if (UNAVAILABLE_CODES.has(code)) return true;
    if (UNAVAILABLE_MESSAGES.some((m) => m.test(e instanceof Error ? e.message : ''))) return true;
    if (e instanceof AggregateError && e.errors.some((x) => isDependencyUnavailable(x))) return true;
    e = e.cause;
  }
  return false;
}
