/**
 * The emulator's clock: real time plus an offset that tests move forward (token expiry, rate windows,
 * default TxnDate, MetaData times). It never goes backwards unless set explicitly.
 */
export class EmulatorClock {
  private offsetMs = 0;

  constructor(start?: number | string | Date) {
    if (start !== undefined) this.set(start);
  }

  /** Milliseconds since the epoch, on the emulator's clock. */
  now(): number {
    return Date.now() + this.offsetMs;
  }

  advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0)
      throw new RangeError(`clock.advance needs a non-negative number of ms, got ${ms}`);
    this.offsetMs += ms;
    return this.now();
  }

  /** Jump to an absolute time (epoch ms, ISO string or Date); time keeps running from there. */
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

/** `+HH:MM` / `-HH:MM` → minutes east of UTC. */
export function parseUtcOffset(offset: string): number {
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(offset);
  if (!m) throw new RangeError(`A UTC offset looks like -07:00, got ${offset}`);
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

function shifted(ms: number, offset: string): Date {
  return new Date(ms + parseUtcOffset(offset) * 60_000);
}

/** `2015-07-24T10:33:39-07:00` (QBO MetaData style); with `millis`, `2017-09-29T09:17:31.892-07:00` (Fault `time`). */
export function formatDateTime(ms: number, offset: string, millis = false): string {
  const iso = shifted(ms, offset).toISOString();
  return `${millis ? iso.slice(0, 23) : iso.slice(0, 19)}${offset}`;
}

/** The calendar date (`YYYY-MM-DD`) at `ms` in the company's time zone. */
export function formatDate(ms: number, offset: string): string {
  return shifted(ms, offset).toISOString().slice(0, 10);
}

/** `YYYY-MM-DD` plus whole days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

export function isValidDate(date: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return false;
  const d = new Date(`${date}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === date;
}
