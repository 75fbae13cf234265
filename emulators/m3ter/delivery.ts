/**
 * Webhook delivery: every event is POSTed, signed, to each matching destination; a non-2xx answer or a
 * connection error is retried with exponential backoff (real timers) up to `maxAttempts`. Every attempt is
 * recorded. Deliveries can be paused, dropped (a lost webhook) and redelivered.
 */
import { randomUUID } from 'node:crypto';
import type { EmulatorClock } from './clock';
import { ControlError } from './errors';
import type { Counters } from './counters';
import { SIGNATURE_HEADERS, signDelivery } from './signing';
import type {
  DeliveryAttempt,
  DeliveryFilter,
  DeliveryRecord,
  DeliverySettings,
  DeliveryStatus,
  DropRule,
  M3terEvent,
} from './types';

export const DEFAULT_DELIVERY_SETTINGS: DeliverySettings = {
  maxAttempts: 5,
  initialBackoffMs: 200,
  backoffMultiplier: 2,
  maxBackoffMs: 10_000,
  timeoutMs: 5_000,
  includeBillLineItems: false,
  paused: false,
};

export interface DeliveryTarget {
  destinationId: string;
  url: string;
  apiKey: string;
  secret: string;
}

interface Tracked {
  /** The engine generation that made it: a reset or stop orphans in-flight attempts of older ones. */
  generation: number;
  record: DeliveryRecord;
  target: DeliveryTarget;
  body: string;
  timer?: NodeJS.Timeout;
  controller?: AbortController;
}

const BUSY = new Set(['pending', 'delivering', 'retrying']);
const OPEN = new Set(['pending', 'retrying', 'paused']);

/** Only loopback receivers: the emulator never posts to another machine. */
export function isLoopbackUrl(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  const host = url.hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** Read through a function so TypeScript does not keep a narrowing across awaits. */
function statusOf(record: DeliveryRecord): DeliveryStatus {
  return record.status;
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    if (err.name === 'AbortError') return 'timeout';
    const cause = (err as { cause?: unknown }).cause;
    const code = typeof cause === 'object' && cause !== null ? (cause as { code?: unknown }).code : undefined;
    if (typeof code === 'string') return `${err.message} (${code})`;
    return cause instanceof Error ? `${err.message}: ${cause.message}` : err.message;
  }
  return String(err);
}

export class DeliveryEngine {
  settings: DeliverySettings;
  private readonly tracked: Tracked[] = [];
  private dropRules: Array<{ eventName?: string; destinationId?: string; remaining: number }> = [];
  private waiters: Array<() => void> = [];
  private stopped = false;
  private generation = 0;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly counters: Counters,
    private readonly defaults: Partial<DeliverySettings> = {},
  ) {
    this.settings = { ...DEFAULT_DELIVERY_SETTINGS, ...defaults };
  }

  update(settings: Partial<DeliverySettings>): DeliverySettings {
    const wasPaused = this.settings.paused;
    this.settings = { ...this.settings, ...settings };
    if (!wasPaused && this.settings.paused) this.pauseOpen();
    if (wasPaused && !this.settings.paused) this.resumePaused();
    return { ...this.settings };
  }

  /** Queue one delivery of `event` per target; returns the new records. */
  deliver(
    orgId: string,
    event: M3terEvent,
    targets: DeliveryTarget[],
    redeliveryOf?: string,
  ): DeliveryRecord[] {
    const body = JSON.stringify(event);
    return targets.map((target) => {
      const record: DeliveryRecord = {
        id: randomUUID(),
        orgId,
        eventId: event.id,
        eventName: event.eventName,
        destinationId: target.destinationId,
        url: target.url,
        status: 'pending',
        attempts: [],
        createdAt: this.clock.iso(),
        ...(redeliveryOf ? { redeliveryOf } : {}),
      };
      const t: Tracked = { generation: this.generation, record, target, body };
      this.tracked.push(t);
      this.counters.delivery('created');
      if (redeliveryOf === undefined && this.takeDropRule(event.eventName, target.destinationId)) {
        record.status = 'dropped';
        this.counters.delivery('dropped');
      } else if (this.settings.paused) record.status = 'paused';
      else this.schedule(t, 0);
      return structuredClone(record);
    });
  }

  private takeDropRule(eventName: string, destinationId: string): boolean {
    const i = this.dropRules.findIndex(
      (r) =>
        (r.eventName === undefined || r.eventName === eventName) &&
        (r.destinationId === undefined || r.destinationId === destinationId),
    );
    const rule = i >= 0 ? this.dropRules[i] : undefined;
    if (!rule) return false;
    rule.remaining -= 1;
    if (rule.remaining <= 0) this.dropRules.splice(i, 1);
    return true;
  }

  private schedule(t: Tracked, delayMs: number): void {
    if (this.stopped) return;
    t.record.status = delayMs > 0 ? 'retrying' : 'pending';
    t.timer = setTimeout(() => {
      t.timer = undefined;
      void this.attempt(t);
    }, delayMs);
  }

  private backoff(attempt: number): number {
    const s = this.settings;
    return Math.min(s.maxBackoffMs, s.initialBackoffMs * s.backoffMultiplier ** (attempt - 1));
  }

  private async attempt(t: Tracked): Promise<void> {
    const record = t.record;
    if (this.stopped || record.status === 'dropped') return this.checkIdle();
    if (this.settings.paused) {
      record.status = 'paused';
      return this.checkIdle();
    }
    record.status = 'delivering';
    const n = record.attempts.length + 1;
    const timestamp = String(Math.floor(this.clock.now() / 1000));
    const at = this.clock.iso();
    const started = Date.now();
    let status: number | undefined;
    let error: string | undefined;
    let signature = '';
    if (!isLoopbackUrl(t.target.url)) {
      error = 'refused: only loopback URLs are delivered to';
    } else {
      const url = new URL(t.target.url);
      signature = signDelivery(t.target.secret, {
        path: `${url.pathname}${url.search}`,
        apiKey: t.target.apiKey,
        timestamp,
        body: t.body,
      });
      const controller = new AbortController();
      t.controller = controller;
      const timer = setTimeout(() => controller.abort(), this.settings.timeoutMs);
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            [SIGNATURE_HEADERS.apiKey]: t.target.apiKey,
            [SIGNATURE_HEADERS.timestamp]: timestamp,
            [SIGNATURE_HEADERS.signature]: signature,
          },
          body: t.body,
          redirect: 'manual',
          signal: controller.signal,
        });
        await res.arrayBuffer();
        status = res.status;
      } catch (err) {
        error = describeError(err);
      } finally {
        clearTimeout(timer);
        t.controller = undefined;
      }
    }
    if (this.stopped || t.generation !== this.generation) return;
    const attempt: DeliveryAttempt = {
      attempt: n,
      at,
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined
        ? { error }
        : status !== undefined && (status < 200 || status > 299)
          ? { error: `HTTP ${status}` }
          : {}),
      durationMs: Date.now() - started,
      timestamp,
      signature,
    };
    record.attempts.push(attempt);
    this.counters.delivery('attempts');
    const ok = status !== undefined && status >= 200 && status <= 299;
    if (statusOf(record) === 'dropped') {
      // dropped while in flight: the attempt is recorded, nothing more is sent
    } else if (ok) {
      record.status = 'delivered';
      record.deliveredAt = this.clock.iso();
      this.counters.delivery('delivered');
    } else if (n < this.settings.maxAttempts && isLoopbackUrl(t.target.url)) {
      if (this.settings.paused) record.status = 'paused';
      else this.schedule(t, this.backoff(n));
    } else {
      record.status = 'failed';
      this.counters.delivery('failed');
    }
    this.checkIdle();
  }

  private pauseOpen(): void {
    for (const t of this.tracked) {
      if (t.timer && (t.record.status === 'pending' || t.record.status === 'retrying')) {
        clearTimeout(t.timer);
        t.timer = undefined;
        t.record.status = 'paused';
      }
    }
    this.checkIdle();
  }

  private resumePaused(): void {
    for (const t of this.tracked) if (t.record.status === 'paused') this.schedule(t, 0);
  }

  list(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return this.tracked
      .map((t) => t.record)
      .filter(
        (r) =>
          (filter.orgId === undefined || r.orgId === filter.orgId) &&
          (filter.eventId === undefined || r.eventId === filter.eventId) &&
          (filter.destinationId === undefined || r.destinationId === filter.destinationId) &&
          (filter.status === undefined || r.status === filter.status),
      )
      .map((r) => structuredClone(r));
  }

  /** Destinations that earlier deliveries of the event went to. */
  targetsOf(eventId: string): DeliveryTarget[] {
    const seen = new Map<string, DeliveryTarget>();
    for (const t of this.tracked)
      if (t.record.eventId === eventId) seen.set(t.target.destinationId, t.target);
    return [...seen.values()];
  }

  /** Drops every not yet delivered delivery of an event; returns how many. */
  dropEvent(eventId: string): number {
    let n = 0;
    for (const t of this.tracked) {
      if (t.record.eventId === eventId && (OPEN.has(t.record.status) || t.record.status === 'delivering')) {
        if (t.timer) clearTimeout(t.timer);
        t.timer = undefined;
        t.record.status = 'dropped';
        this.counters.delivery('dropped');
        n += 1;
      }
    }
    this.checkIdle();
    return n;
  }

  dropNext(rule: DropRule): void {
    this.dropRules.push({
      ...(rule.eventName !== undefined ? { eventName: rule.eventName } : {}),
      ...(rule.destinationId !== undefined ? { destinationId: rule.destinationId } : {}),
      remaining: Math.max(1, rule.count ?? 1),
    });
  }

  busy(): number {
    return this.tracked.filter((t) => BUSY.has(t.record.status)).length;
  }

  /** Resolves once nothing is pending, in flight or waiting to retry (paused deliveries do not count). */
  whenIdle(timeoutMs = 10_000): Promise<void> {
    if (this.busy() === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== done);
        reject(new ControlError(`deliveries still busy after ${timeoutMs} ms (${this.busy()} open)`, 408));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.waiters.push(done);
    });
  }

  private checkIdle(): void {
    if (this.busy() > 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Cancels timers and in-flight requests. */
  stop(): void {
    this.stopped = true;
    this.generation += 1;
    for (const t of this.tracked) {
      if (t.timer) clearTimeout(t.timer);
      t.timer = undefined;
      t.controller?.abort();
    }
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  reset(): void {
    this.stop();
    this.tracked.length = 0;
    this.dropRules = [];
    this.settings = { ...DEFAULT_DELIVERY_SETTINGS, ...this.defaults };
    this.stopped = false;
  }
}
