import { randomUUID } from 'node:crypto';
import type { Db } from '../db/pool';
import { metrics, secondsSince } from '../platform/metrics';

/** One permitted QuickBooks request: release it when the response (or error) is in. */
export interface Permit {
  release(): Promise<void>;
}

export interface RateGovernor {
  /** A permit for one request to the realm, or RealmBusyError when none frees up within the wait. */
  acquire(realmId: string): Promise<Permit>;
  /** A permit at once, or undefined (nothing taken): for a budget the caller can do without. */
  tryAcquire(realmId: string): Promise<Permit | undefined>;
}

/** No permit within the wait: the caller should give its worker slot back and come back after `retryAfterMs`. */
export class RealmBusyError extends Error {
  constructor(
    readonly realmId: string,
    readonly retryAfterMs: number,
  ) {
    super(
      `QuickBooks company ${realmId} is at its request limit; retry in ${Math.ceil(retryAfterMs / 1000)} s`,
    );
    this.name = 'RealmBusyError';
  }
}

export interface GovernorOptions {
  /** Sustained requests per minute per realm (QBO allows 500; a little headroom by default). */
  requestsPerMinute?: number;
  /** Requests that may go at once after a quiet spell; burst + rate × 60 s never exceeds QBO's 500 per minute. */
  burst?: number;
  /** Requests in flight per realm (QBO allows 10). */
  concurrency?: number;
  /** A slot held longer than this (a crashed process) is free again. */
  leaseMs?: number;
  /** How long acquire() waits before giving up with RealmBusyError. */
  maxWaitMs?: number;
}

const MIN_RETRY_AFTER_MS = 250;

const DEFAULTS = { requestsPerMinute: 490, burst: 10, concurrency: 10, leaseMs: 150_000, maxWaitMs: 5_000 };

/**
 * QuickBooks' per-realm limits enforced across every worker process through PostgreSQL: a leased slot
 * (at most `concurrency` in flight) and a token from the realm's bucket (the rate). Waits a little for
 * both; past `maxWaitMs` it gives up so a busy realm cannot hold all of a worker's activity slots and
 * starve the other realms.
 */
export class PgRateGovernor implements RateGovernor {
  private readonly o: typeof DEFAULTS;
  private readonly holder = randomUUID();
  private readonly knownRealms = new Set<string>();
  /** Per realm, the end of this process's line of callers waiting for a token. */
  private readonly tokenLines = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Db,
    options: GovernorOptions = {},
  ) {
    this.o = { ...DEFAULTS, ...options };
  }

  async acquire(realmId: string): Promise<Permit> {
    const started = process.hrtime.bigint();
    const deadline = Date.now() + this.o.maxWaitMs;
    await this.ensureRealm(realmId);
    // Most requests find a slot and a token at once: one statement takes both (or neither). Behind callers of
    // this process already waiting for a token it would only jump their line, or fail.
    const fast = this.tokenLines.has(realmId) ? undefined : await this.takeSlotAndToken(realmId);
    if (fast !== undefined) {
      metrics.governorWaits.observe({ result: 'granted' }, secondsSince(started));
      return this.permit(realmId, fast);
    }
    let slot: number;
    try {
      slot = await this.waitFor(deadline, realmId, () => this.takeSlot(realmId));
    } catch (err) {
      metrics.governorWaits.observe({ result: 'busy' }, secondsSince(started));
      throw err;
    }
    try {
      await this.waitInLineForToken(deadline, realmId);
    } catch (err) {
      await this.releaseSlot(realmId, slot);
      metrics.governorWaits.observe({ result: 'busy' }, secondsSince(started));
      throw err;
    }
    metrics.governorWaits.observe({ result: 'granted' }, secondsSince(started));
    return this.permit(realmId, slot);
  }

  async tryAcquire(realmId: string): Promise<Permit | undefined> {
    await this.ensureRealm(realmId);
    const slot = await this.takeSlotAndToken(realmId);
    return slot === undefined ? undefined : this.permit(realmId, slot);
  }

  private permit(realmId: string, slot: number): Permit {
    let released = false;
    return {
      release: async () => {
        if (released) return;
        released = true;
        await this.releaseSlot(realmId, slot);
      },
    };
  }

  /** A free slot and a token in one statement: the slot taken, or undefined (nothing taken). */
  private async takeSlotAndToken(realmId: string): Promise<number | undefined> {
    const { rows } = await this.db.query<{ slot: number | null }>(
      `WITH slot AS (
         SELECT realm_id, slot FROM qbo_concurrency_slots
         WHERE realm_id = $1 AND slot <= $3 AND (holder IS NULL OR expires_at < clock_timestamp())
         ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED),
       bucket AS (
         SELECT realm_id, LEAST($5::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - refilled_at)) * $6::float8) AS available
         FROM qbo_rate_buckets WHERE realm_id = $1 AND EXISTS (SELECT 1 FROM slot) FOR UPDATE),
       token AS (
         UPDATE qbo_rate_buckets q SET tokens = b.available - 1, refilled_at = clock_timestamp()
         FROM bucket b WHERE q.realm_id = b.realm_id AND b.available >= 1 RETURNING q.realm_id),
       claim AS (
         UPDATE qbo_concurrency_slots s SET holder = $2, expires_at = clock_timestamp() + ($4::int * interval '1 millisecond')
         FROM slot WHERE s.realm_id = slot.realm_id AND s.slot = slot.slot AND EXISTS (SELECT 1 FROM token)
         RETURNING s.slot)
       SELECT (SELECT slot FROM claim) AS slot`,
      [realmId, this.holder, this.o.concurrency, this.o.leaseMs, this.o.burst, this.o.requestsPerMinute / 60],
    );
    return rows[0]?.slot ?? undefined;
  }

  /**
   * Callers of one realm in this process wait for tokens in line: only the first asks the database (each token
   * then costs a statement or two, not one per waiting caller); a caller whose wait ends in the line gives up.
   */
  private async waitInLineForToken(deadline: number, realmId: string): Promise<void> {
    const ahead = this.tokenLines.get(realmId) ?? Promise.resolve();
    let leave!: () => void;
    const mine = new Promise<void>((resolve) => (leave = resolve));
    const line = ahead.then(() => mine);
    this.tokenLines.set(realmId, line);
    try {
      if (!(await before(ahead, deadline)))
        throw new RealmBusyError(realmId, await this.turnInQueue(realmId));
      await this.waitFor(deadline, realmId, () => this.takeToken(realmId));
    } finally {
      leave();
      if (this.tokenLines.get(realmId) === line) this.tokenLines.delete(realmId);
    }
  }

  /** Retries `attempt` (which returns a value, or the ms to wait) until it succeeds or the deadline passes. */
  private async waitFor<T>(
    deadline: number,
    realmId: string,
    attempt: () => Promise<{ ok: T } | { waitMs: number }>,
  ): Promise<T> {
    for (;;) {
      const r = await attempt();
      if ('ok' in r) return r.ok;
      const left = deadline - Date.now();
      if (left <= 0) throw new RealmBusyError(realmId, await this.turnInQueue(realmId));
      // Not before the moment the database named (a token, a slot): spread after it, not around it.
      await sleep(Math.min(r.waitMs, left) * (1 + Math.random() * 0.25));
    }
  }

  /**
   * When to come back: the realm's next free moment, which this caller then holds. Turns are spaced at the
   * realm's rate, so a backlog of callers comes back one after another instead of all at once.
   */
  private async turnInQueue(realmId: string): Promise<number> {
    const spacingMs = 60_000 / this.o.requestsPerMinute;
    const { rows } = await this.db.query<{ wait_ms: number }>(
      `UPDATE qbo_rate_buckets SET queue_until = GREATEST(queue_until, clock_timestamp()) + $2::float8 * interval '1 millisecond'
       WHERE realm_id = $1
       RETURNING EXTRACT(EPOCH FROM (queue_until - clock_timestamp())) * 1000 AS wait_ms`,
      [realmId, spacingMs],
    );
    return Math.max(MIN_RETRY_AFTER_MS, Math.ceil(Number(rows[0]?.wait_ms ?? spacingMs)));
  }

  private async ensureRealm(realmId: string): Promise<void> {
    if (this.knownRealms.has(realmId)) return;
    await this.db.query(
      `INSERT INTO qbo_rate_buckets (realm_id, tokens, refilled_at) VALUES ($1, $2, clock_timestamp()) ON CONFLICT DO NOTHING`,
      [realmId, this.o.burst],
    );
    await this.db.query(
      `INSERT INTO qbo_concurrency_slots (realm_id, slot) SELECT $1, g FROM generate_series(1, $2::int) g ON CONFLICT DO NOTHING`,
      [realmId, this.o.concurrency],
    );
    this.knownRealms.add(realmId);
  }

  private async takeSlot(realmId: string): Promise<{ ok: number } | { waitMs: number }> {
    const { rows } = await this.db.query<{ slot: number }>(
      `UPDATE qbo_concurrency_slots SET holder = $2, expires_at = clock_timestamp() + ($4::int * interval '1 millisecond')
       WHERE (realm_id, slot) = (
         SELECT realm_id, slot FROM qbo_concurrency_slots
         WHERE realm_id = $1 AND slot <= $3 AND (holder IS NULL OR expires_at < clock_timestamp())
         ORDER BY slot LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING slot`,
      [realmId, this.holder, this.o.concurrency, this.o.leaseMs],
    );
    return rows[0] ? { ok: rows[0].slot } : { waitMs: 50 };
  }

  private async takeToken(realmId: string): Promise<{ ok: true } | { waitMs: number }> {
    const perSecond = this.o.requestsPerMinute / 60;
    const { rows } = await this.db.query<{ taken: boolean; tokens: number }>(
      `WITH b AS (
         SELECT realm_id, LEAST($2::float8, tokens + EXTRACT(EPOCH FROM (clock_timestamp() - refilled_at)) * $3::float8) AS available
         FROM qbo_rate_buckets WHERE realm_id = $1 FOR UPDATE)
       UPDATE qbo_rate_buckets q
       SET tokens = CASE WHEN b.available >= 1 THEN b.available - 1 ELSE b.available END, refilled_at = clock_timestamp()
       FROM b WHERE q.realm_id = b.realm_id
       RETURNING b.available >= 1 AS taken, q.tokens`,
      [realmId, this.o.burst, perSecond],
    );
    const row = rows[0];
    if (!row) return { waitMs: 100 };
    if (row.taken) return { ok: true };
    return { waitMs: Math.ceil(((1 - row.tokens) / perSecond) * 1000) };
  }

  private async releaseSlot(realmId: string, slot: number): Promise<void> {
    await this.db.query(
      'UPDATE qbo_concurrency_slots SET holder = NULL, expires_at = NULL WHERE realm_id = $1 AND slot = $2 AND holder = $3',
      [realmId, slot, this.holder],
    );
  }
}

/** Whether `promise` settled before `deadline` (epoch ms). */
async function before(promise: Promise<void>, deadline: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()));
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(1, ms)));
}
