/**
 * Fault injection: a queue of one-shot faults ("the next N matching requests get X") and share-based faults
 * drawn from a seeded generator, so a seed and a request order always give the same faults.
 */
import { SeededRandom } from './random';
import type { FaultAction, FaultMatch, FaultSettings, FaultState, QueuedFault } from './types';

export interface RequestInfo {
  method: string;
  /** bills, accounts, … or `oauth` for the token endpoint. */
  resource: string;
  path: string;
  orgId?: string;
}

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
  // Without a resource a queued fault aims at API calls, not at the token endpoint.
  const resourceOk = m.resource === undefined ? info.resource !== 'oauth' : same(m.resource, info.resource);
  const pathOk =
    m.path === undefined ||
    info.path === m.path.replace(/\/+$/, '') ||
    info.path.startsWith(`${m.path.replace(/\/+$/, '')}/`);
  return resourceOk && pathOk && same(m.method, info.method) && same(m.orgId, info.orgId);
}

export class FaultInjector {
  private settings: FaultSettings = {};
  private queue: Array<{ action: FaultAction; match?: FaultMatch; remaining: number }> = [];
  private readonly random: SeededRandom;

  constructor(private readonly seed: number) {
    this.random = new SeededRandom(seed);
  }

  setFaults(settings: FaultSettings): void {
    this.settings = { ...settings };
  }

  enqueue(faults: QueuedFault[]): void {
    for (const f of faults)
      this.queue.push({
        action: f.action,
        ...(f.match ? { match: f.match } : {}),
        remaining: Math.max(1, f.count ?? 1),
      });
  }

  clear(seed?: number): void {
    this.settings = {};
    this.queue = [];
    this.random.reseed(seed ?? this.seed);
  }

  state(): FaultState {
    return { settings: { ...this.settings }, queue: this.queue.map((q) => structuredClone(q)) };
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
    if (info.resource === 'oauth') return { latencyMs: 0, injected: false };
    const s = this.settings;
    const latencyMs =
      s.latencyMs && s.latencyMs > 0 && this.random.chance(s.latencyShare ?? 1) ? s.latencyMs : 0;
    let action: FaultDecision['action'];
    if (this.random.chance(s.dropShare)) action = { type: 'drop' };
    else if (this.random.chance(s.throttleShare))
      action = { type: 'status', status: 429, retryAfter: s.throttleRetryAfterSeconds ?? 1 };
    else if (this.random.chance(s.errorShare)) {
      const statuses =
        s.errorStatuses && s.errorStatuses.length > 0 ? s.errorStatuses : DEFAULT_ERROR_STATUSES;
      action = { type: 'status', status: this.random.pick(statuses) };
    }
    return { latencyMs, ...(action ? { action } : {}), injected: latencyMs > 0 || action !== undefined };
  }
}
