/** Request, token, event and delivery counters, readable and resettable over the control API. */
import type { CountersSnapshot } from './types';

function empty(): CountersSnapshot {
  return {
    total: 0,
    api: 0,
    token: 0,
    byRoute: {},
    byStatus: {},
    byRouteStatus: {},
    byOrg: {},
    tokenGrants: 0,
    tokenRejections: 0,
    unauthorized: 0,
    throttled: 0,
    dropped: 0,
    faultsInjected: 0,
    events: 0,
    eventsByName: {},
    deliveries: { created: 0, attempts: 0, delivered: 0, failed: 0, dropped: 0 },
  };
}

function bump(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

export class Counters {
  private c = empty();

  request(target: 'api' | 'token', route: string, orgId?: string): void {
    this.c.total += 1;
    this.c[target] += 1;
    bump(this.c.byRoute, route);
    if (orgId !== undefined) bump(this.c.byOrg, orgId);
  }

  outcome(route: string, status: number | 'dropped'): void {
    bump(this.c.byStatus, String(status));
    bump(this.c.byRouteStatus, `${route} ${status}`);
    if (status === 429) this.c.throttled += 1;
    if (status === 'dropped') this.c.dropped += 1;
  }

  tokenGrant(ok: boolean): void {
    if (ok) this.c.tokenGrants += 1;
    else this.c.tokenRejections += 1;
  }

  unauthorized(): void {
    this.c.unauthorized += 1;
  }

  faultInjected(): void {
    this.c.faultsInjected += 1;
  }

  event(name: string): void {
    this.c.events += 1;
    bump(this.c.eventsByName, name);
  }

  delivery(kind: keyof CountersSnapshot['deliveries']): void {
    this.c.deliveries[kind] += 1;
  }

  snapshot(): CountersSnapshot {
    return structuredClone(this.c);
  }

  reset(): void {
    this.c = empty();
  }
}
