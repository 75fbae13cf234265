/**
 * QBO's per-realm limits (quickbooks.md §6): requests per minute in a sliding 60 s window on the emulator
 * clock, and requests in flight at once. Off unless enabled (globally or per realm).
 */
import type { LimitSettings } from './types';

export const DEFAULT_LIMITS: LimitSettings = {
  enabled: false,
  requestsPerMinute: 500,
  maxConcurrent: 10,
  batchesPerMinute: 40,
};
const WINDOW_MS = 60_000;

interface RealmUsage {
  inFlight: number;
  /** Admission times within the window, oldest first. */
  admitted: number[];
  /** The same, of batch requests. */
  batches: number[];
}

export type Admission =
  { ok: true; release: () => void } | { ok: false; reason: 'rate' | 'concurrency' | 'batch-rate' };

export class Limiter {
  private global: LimitSettings = { ...DEFAULT_LIMITS };
  private readonly realms = new Map<string, Partial<LimitSettings>>();
  private readonly usage = new Map<string, RealmUsage>();

  setLimits(settings: Partial<LimitSettings>, realmId?: string): LimitSettings {
    if (realmId === undefined) {
      this.global = { ...this.global, ...settings };
      return { ...this.global };
    }
    this.realms.set(realmId, { ...this.realms.get(realmId), ...settings });
    return this.effective(realmId);
  }

  effective(realmId: string): LimitSettings {
    return { ...this.global, ...this.realms.get(realmId) };
  }

  /** Admit a request (and hold a concurrency slot until `release`), or say which limit it hit. */
  admit(realmId: string, nowMs: number, isBatch = false): Admission {
    const limits = this.effective(realmId);
    let usage = this.usage.get(realmId);
    if (!usage) {
      usage = { inFlight: 0, admitted: [], batches: [] };
      this.usage.set(realmId, usage);
    }
    const u = usage;
    while (u.admitted.length > 0 && (u.admitted[0] ?? 0) <= nowMs - WINDOW_MS) u.admitted.shift();
    while (u.batches.length > 0 && (u.batches[0] ?? 0) <= nowMs - WINDOW_MS) u.batches.shift();
    if (limits.enabled) {
      if (u.inFlight >= limits.maxConcurrent) return { ok: false, reason: 'concurrency' };
      if (u.admitted.length >= limits.requestsPerMinute) return { ok: false, reason: 'rate' };
      if (isBatch && u.batches.length >= limits.batchesPerMinute) return { ok: false, reason: 'batch-rate' };
    }
    u.inFlight += 1;
    u.admitted.push(nowMs);
    if (isBatch) u.batches.push(nowMs);
    let released = false;
    return {
      ok: true,
      release: () => {
        if (!released) {
          released = true;
          u.inFlight -= 1;
        }
      },
    };
  }

  /** Back to the defaults (off); usage windows are forgotten but in-flight requests still release. */
  reset(): void {
    this.global = { ...DEFAULT_LIMITS };
    this.realms.clear();
    for (const u of this.usage.values()) {
      u.admitted = [];
      u.batches = [];
    }
  }
}
