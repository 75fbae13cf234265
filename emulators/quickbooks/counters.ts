/** Request counters, readable and resettable over the control API. */
import type { CountersSnapshot } from './types';

function empty(): CountersSnapshot {
  return {
    total: 0,
    api: 0,
    oauth: 0,
    byOperation: {},
    byStatus: {},
    byRealm: {},
    throttled: 0,
    writes: 0,
    writesByEntity: {},
    replays: 0,
    dropped: 0,
    faultsInjected: 0,
    reads: 0,
    readsByRealm: {},
    batches: 0,
    batchItems: 0,
    largestBatch: 0,
  };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class Counters {
  private c = empty();

  request(target: 'api' | 'oauth', operationKey: string, realmId?: string): void {
    this.c.total += 1;
    this.c[target] += 1;
    bump(this.c.byOperation, operationKey);
    if (realmId !== undefined) bump(this.c.byRealm, realmId);
  }

  /** `throttle`: the reply was a throttle (a 403 one included). */
  status(status: number | 'dropped', throttle = false): void {
    bump(this.c.byStatus, String(status));
    if (status === 429 || throttle) this.c.throttled += 1;
    if (status === 'dropped') this.c.dropped += 1;
  }

  write(entity: string): void {
    this.c.writes += 1;
    bump(this.c.writesByEntity, entity);
  }

  /** A metered read (GET, query, a batch of queries only, ChangeDataCapture) of one realm. */
  read(realmId: string): void {
    this.c.reads += 1;
    bump(this.c.readsByRealm, realmId);
  }

  batch(items: number): void {
    this.c.batches += 1;
    this.c.batchItems += items;
    this.c.largestBatch = Math.max(this.c.largestBatch, items);
  }

  replay(): void {
    this.c.replays += 1;
  }

  faultInjected(): void {
    this.c.faultsInjected += 1;
  }

  snapshot(): CountersSnapshot {
    return structuredClone(this.c);
  }

  reset(): void {
    this.c = empty();
  }
}
