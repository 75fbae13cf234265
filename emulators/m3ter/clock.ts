/**
 * The emulator's clock: real time plus an offset that tests move (token expiry, audit times, event times,
 * signature timestamps). Delivery retry delays run on real timers.
 */
export class EmulatorClock {
  private offsetMs = 0;

  constructor(start?: number | string | Date) {
    if (start !== undefined) this.set(start);
  }

  now(): number {
    return Date.now() + this.offsetMs;
  }

  iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** Today's date (`YYYY-MM-DD`, UTC) on the emulator clock. */
  today(): string {
    return this.iso().slice(0, 10);
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`clock.advance needs a non-negative number of ms, got ${ms}`);
    this.offsetMs += ms;
    return this.now();
  }

  set(time: number | string | Date): number {
    const target = time instanceof Date ? time.getTime() : typeof time === 'number' ? time : Date.parse(time);
    if (!Number.isFinite(target)) throw new RangeError(`clock.set got an invalid time: ${String(time)}`);
    this.offsetMs = target - Date.now();
    return this.now();
  }

  reset(): void {
    this.offsetMs = 0;
  }
}

export function isValidDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` plus whole months (day clamped to the month's end). */
export function addMonths(date: string, months: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString().slice(0, 10);
}
