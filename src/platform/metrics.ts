import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The service's Prometheus metrics (README "Metrics"), one registry per process. `/metrics` serves these
 * and, in a process with a worker, the Temporal SDK's own worker metrics.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export const metrics = {
  runsFinished: new Counter({
    name: 'qbo_sync_runs_finished_total',
    help: 'Bill-sync runs that ended, by final status',
    labelNames: ['status'] as const,
    registers: [registry],
  }),
  quickBooksRequests: new Histogram({
    name: 'qbo_sync_quickbooks_request_duration_seconds',
    help: 'QuickBooks API requests by operation and outcome (ok, or the error kind), and how long they took',
    labelNames: ['operation', 'outcome'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  governorWaits: new Histogram({
    name: 'qbo_sync_governor_wait_seconds',
    help: "Time a QuickBooks request waited for its company's rate permit: granted, or busy (the bill queues)",
    labelNames: ['result'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  webhookAcknowledgements: new Histogram({
    name: 'qbo_sync_webhook_ack_duration_seconds',
    help: 'm3ter webhook deliveries by HTTP status, and the time to answer them',
    labelNames: ['status'] as const,
    buckets: SECONDS,
    registers: [registry],
  }),
  dbQueries: new Counter({
    name: 'qbo_sync_db_queries_total',
    help: 'Statements sent to PostgreSQL by this process',
    registers: [registry],
  }),
};

/** The seconds since `startedNs` (process.hrtime.bigint()). */
export function secondsSince(startedNs: bigint): number {
  return Number(process.hrtime.bigint() - startedNs) / 1e9;
}

/** The registry's metrics in Prometheus' text format, followed by those of `more` (e.g. the Temporal SDK's). */
export async function metricsText(more: Array<() => Promise<string>> = []): Promise<string> {
  const parts = [await registry.metrics()];
  for (const source of more) parts.push(await source().catch(() => ''));
  return parts.filter(Boolean).join('\n');
}

/** The Prometheus exposition of another local exporter (the Temporal SDK's, bound to loopback). */
export function exporterAt(address: string): () => Promise<string> {
  return async () => {
    const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(2000) });
    return res.ok ? res.text() : '';
  };
}
