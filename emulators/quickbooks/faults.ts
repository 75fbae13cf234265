/**
 * Fault injection: a queue of deterministic faults ("the next N matching requests fail with X") and
 * share-based faults per realm or global, drawn from a seeded generator so a given seed and request order
 * always give the same faults.
 */
import { SeededRandom } from './random';
import type { FaultAction, FaultMatch, FaultSettings, FaultState, QueuedFault } from './types';

/** What a request is, for matching queued faults and for counters. */
export interface RequestInfo {
  target: 'api' | 'oauth' | 'batch-item';
  method: string;
  realmId?: string;
  /** Lower-case: invoice, creditmemo, customer, item, query, batch, preferences, companyinfo, token, revoke … */
  entity: string;
  operation: string;
}

/** The decision for one request: wait `latencyMs`, then do `action` (none: process normally). */
export interface FaultDecision {
  latencyMs: number;
  action?: Exclude<FaultAction, { type: 'latency' }>;
  injected: boolean;
}

const DEFAULT_ERROR_STATUSES = [500, 503];

function matches(match: FaultMatch | undefined, info: RequestInfo): boolean {
  const m = match ?? {};
  const same = (want: string | undefined, got: string | undefined) =>
    want === undefined || want.toLowerCase() === (got ?? '').toLowerCase();
  return (
    (m.target ?? 'api') === info.target &&
    same(m.realmId, info.realmId) &&
    same(m.method, info.method) &&
    same(m.entity, info.entity) &&
    same(m.operation, info.operation)
  );
}

export class FaultInjector {
  private global: FaultSettings = {};
  private readonly realms = new Map<string, FaultSettings>();
  private queue: Array<{ action: FaultAction; match?: FaultMatch; remaining: number }> = [];
  private readonly random: SeededRandom;

  constructor(private readonly seed: number) {
    this.random = new SeededRandom(seed);
  }

  /** Replace the share-based settings globally, or for one realm (a realm's settings win over the global ones). */
  setFaults(settings: FaultSettings, realmId?: string): void {
    if (realmId === undefined) this.global = { ...settings };
    else this.realms.set(realmId, { ...settings });
  }

  enqueue(faults: QueuedFault[]): void {
    for (const f of faults)
      this.queue.push({ action: f.action, match: f.match, remaining: Math.max(1, f.count ?? 1) });
  }

  /** Clear settings and queue; the generator restarts from the seed (or a new one). */
  clear(seed?: number): void {
    this.global = {};
    this.realms.clear();
    this.queue = [];
    this.random.reseed(seed ?? this.seed);
  }

  state(): FaultState {
    return {
      global: { ...this.global },
      realms: Object.fromEntries([...this.realms].map(([k, v]) => [k, { ...v }])),
      queue: this.queue.map((q) => ({ ...q })),
    };
  }

  decide(info: RequestInfo): FaultDecision {
    const index = this.queue.findIndex((q) => matches(q.match, info));
    const queued = index >= 0 ? this.queue[index] : undefined;
    if (queued) {
      queued.remaining -= 1;
      if (queued.remaining <= 0) this.queue.splice(index, 1);
      const action = queued.action;
      return action.type === 'latency'
        ? { latencyMs: action.ms, injected: true }
        : { latencyMs: 0, action, injected: true };
    }
    if (info.target !== 'api') return { latencyMs: 0, injected: false };
    const s = (info.realmId !== undefined ? this.realms.get(info.realmId) : undefined) ?? this.global;
    const latencyMs =
      s.latencyMs && s.latencyMs > 0 && this.random.chance(s.latencyShare ?? 1) ? s.latencyMs : 0;
    let action: FaultDecision['action'];
    if (this.random.chance(s.dropShare)) action = { type: 'drop' };
    else if (this.random.chance(s.throttleShare)) action = { type: 'status', status: 429 };
    else if (this.random.chance(s.errorShare)) {
      const statuses =
        s.errorStatuses && s.errorStatuses.length > 0 ? s.errorStatuses : DEFAULT_ERROR_STATUSES;
      action = { type: 'status', status: this.random.pick(statuses) };
    } else if (this.random.chance(s.commitThenDropShare)) action = { type: 'commit-then-drop' };
    return { latencyMs, action, injected: latencyMs > 0 || action !== undefined };
  }
}
