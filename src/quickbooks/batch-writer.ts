import { createHash } from 'node:crypto';
import type { QboDocument } from '../domain/invoice';
import {
  BATCH_MAX_ITEMS,
  type BatchWrite,
  type DocumentVersion,
  type QuickBooksClient,
  type WriteOptions,
} from './client';
import type { Db } from '../db/pool';
import { PgRateGovernor, RealmBusyError, type Permit, type RateGovernor } from './rate-governor';
import type { CreditMemo, Invoice } from './types';

/** The batch a write went out in: its `requestid` and how many writes it carried. */
export interface SentInBatch {
  requestId: string;
  size: number;
}

export interface DocumentWriteOptions extends Omit<WriteOptions, 'permit'> {
  /** Told when the write went out in a batch rather than alone. */
  onBatched?: (batch: SentInBatch) => void;
}

/** How the bill sync creates and updates documents: one request each, or batched when a company has a backlog. */
export interface DocumentWriter {
  create(
    client: QuickBooksClient,
    document: QboDocument,
    options: DocumentWriteOptions,
  ): Promise<Invoice | CreditMemo>;
  update(
    client: QuickBooksClient,
    document: QboDocument,
    existing: DocumentVersion,
    options: DocumentWriteOptions,
  ): Promise<Invoice | CreditMemo>;
}

/** Every write its own request. */
export const singleWriter: DocumentWriter = {
  create: (client, document, options) => client.createDocument(document, options),
  update: (client, document, existing, options) => client.updateDocument(document, existing, options),
};

export interface BatchWriterOptions {
  /** QuickBooks' batch budget per company (its own bucket, beside the 500 a minute every request counts against). */
  batchBudget: RateGovernor;
  /** Writes per batch (QuickBooks: 30 at most). */
  maxItems?: number;
  /** Requests in flight per company from this process (QuickBooks admits 10 at once). */
  maxSenders?: number;
  /**
   * A write that waited this long without going out is handed back (RealmBusyError), so the step can wait on
   * a durable timer; well inside the step's timeout, so a write never goes out after its step gave up.
   */
  maxQueueMs?: number;
}

interface Pending {
  client: QuickBooksClient;
  write:
    | { operation: 'create'; document: QboDocument }
    | { operation: 'update'; document: QboDocument; existing: DocumentVersion };
  options: DocumentWriteOptions;
  queuedAt: number;
  resolve: (doc: Invoice | CreditMemo) => void;
  reject: (err: unknown) => void;
}

/** The writes waiting for one company (and access token), and the senders working on them. */
interface Lane {
  key: string;
  realmId: string;
  governor: RateGovernor | undefined;
  queue: Pending[];
  senders: number;
  /** Senders waiting for a request permit to carry one write each (or a batch, if the budget has room then). */
  waiting: number;
  /** A sender is waiting for the batch budget: the writes at the head of the queue, up to a batch, are its. */
  batchPending: boolean;
}

/**
 * Group commit per QuickBooks company. Every write joins its company's lane. One write alone goes out at once
 * (a company without backlog keeps single calls and their latency); when several are queued, one sender waits
 * for the batch budget and carries up to a batch of them, and only what that batch cannot carry goes out alone
 * — a backlog smaller than a batch is not spent one request at a time while the next batch is a second away.
 * Every sender first takes the company's permit (rate and concurrency, as any request). Each write is announced
 * (`beforeSend`) just before its batch goes out, and each gets its own outcome; a failure of the whole request
 * fails every write in it, marked uncertain when it may have happened — the step's marker search then finds
 * what was made.
 */
export class BatchWriter implements DocumentWriter {
  private readonly lanes = new Map<string, Lane>();
  private readonly maxItems: number;
  private readonly maxSenders: number;
  private readonly maxQueueMs: number;

  constructor(private readonly o: BatchWriterOptions) {
    this.maxItems = Math.min(o.maxItems ?? BATCH_MAX_ITEMS, BATCH_MAX_ITEMS);
    this.maxSenders = o.maxSenders ?? 10;
    this.maxQueueMs = o.maxQueueMs ?? 60_000;
  }

  create(
    client: QuickBooksClient,
    document: QboDocument,
    options: DocumentWriteOptions,
  ): Promise<Invoice | CreditMemo> {
    return this.submit(client, { operation: 'create', document }, options);
  }

  update(
    client: QuickBooksClient,
    document: QboDocument,
    existing: DocumentVersion,
    options: DocumentWriteOptions,
  ): Promise<Invoice | CreditMemo> {
    return this.submit(client, { operation: 'update', document, existing }, options);
  }

  private submit(
    client: QuickBooksClient,
    write: Pending['write'],
    options: DocumentWriteOptions,
  ): Promise<Invoice | CreditMemo> {
    const lane = this.laneOf(client);
    return new Promise((resolve, reject) => {
      lane.queue.push({ client, write, options, queuedAt: Date.now(), resolve, reject });
      this.pump(lane);
    });
  }

  private laneOf(client: QuickBooksClient): Lane {
    const key = `${client.realmId}\u0000${client.options.accessToken}`;
    let lane = this.lanes.get(key);
    if (!lane) {
      lane = {
        key,
        realmId: client.realmId,
        governor: client.options.governor,
        queue: [],
        senders: 0,
        waiting: 0,
        batchPending: false,
      };
      this.lanes.set(key, lane);
    }
    return lane;
  }

  /**
   * A sender for the next batch when several writes are queued, and one more for each write beyond what that
   * batch will carry, up to the company's concurrency.
   */
  private pump(lane: Lane): void {
    if (lane.queue.length > 1 && !lane.batchPending && lane.senders < this.maxSenders)
      void this.sender(lane, true);
    const reserved = lane.batchPending ? Math.min(lane.queue.length, this.maxItems) : 0;
    while (lane.queue.length - reserved > lane.waiting && lane.senders < this.maxSenders)
      void this.sender(lane, false);
    if (lane.queue.length === 0 && lane.senders === 0) this.lanes.delete(lane.key);
  }

  /** Takes the company's permit (after the batch budget, for a batch sender), then what has queued meanwhile. */
  private async sender(lane: Lane, forBatch: boolean): Promise<void> {
    lane.senders += 1;
    if (forBatch) lane.batchPending = true;
    else lane.waiting += 1;
    const stopWaiting = () => {
      if (forBatch) lane.batchPending = false;
      else lane.waiting -= 1;
    };
    // No batch budget within its wait: this sender carries what it can once it has the company's permit.
    let budget = forBatch
      ? await this.o.batchBudget.acquire(`${lane.realmId}:batch`).catch(() => undefined)
      : undefined;
    let permit: Permit | undefined;
    try {
      permit = await lane.governor?.acquire(lane.realmId);
    } catch (err) {
      // The company stayed at its limit: every write waiting for it is handed back to wait on a timer.
      await budget?.release();
      stopWaiting();
      lane.senders -= 1;
      for (const p of lane.queue.splice(0)) p.reject(err);
      this.pump(lane);
      return;
    }
    stopWaiting();
    try {
      this.expire(lane);
      if (lane.queue.length === 0) return;
      if (!budget && lane.queue.length > 1)
        budget = await this.o.batchBudget.tryAcquire(`${lane.realmId}:batch`);
      const taken = lane.queue.splice(0, budget ? this.maxItems : 1);
      if (taken.length < 2 && budget) {
        await budget.release();
        budget = undefined;
      }
      if (taken.length === 1) await this.sendAlone(taken[0]!, permit);
      else if (taken.length > 1) await this.sendBatch(taken, permit);
    } finally {
      await budget?.release();
      await permit?.release();
      lane.senders -= 1;
      this.pump(lane);
    }
  }

  /** Writes that waited too long go back to their step (nothing of them was sent or announced). */
  private expire(lane: Lane): void {
    const now = Date.now();
    const stale = lane.queue.filter((p) => now - p.queuedAt >= this.maxQueueMs);
    if (stale.length === 0) return;
    lane.queue = lane.queue.filter((p) => now - p.queuedAt < this.maxQueueMs);
    for (const p of stale) p.reject(new RealmBusyError(lane.realmId, 1_000));
  }

  private async sendAlone(p: Pending, permit: Permit | undefined): Promise<void> {
    const options: WriteOptions = {
      requestId: p.options.requestId,
      beforeSend: p.options.beforeSend,
      permit,
    };
    try {
      p.resolve(
        p.write.operation === 'create'
          ? await p.client.createDocument(p.write.document, options)
          : await p.client.updateDocument(p.write.document, p.write.existing, options),
      );
    } catch (err) {
      p.reject(err);
    }
  }

  private async sendBatch(taken: Pending[], permit: Permit | undefined): Promise<void> {
    // Announced before the batch goes out; a write whose announcement failed stays out of it.
    const announced = await Promise.allSettled(taken.map((p) => p.options.beforeSend?.()));
    const items = taken.filter((p, i) => {
      const a = announced[i]!;
      if (a.status === 'rejected') p.reject(a.reason);
      return a.status === 'fulfilled';
    });
    if (items.length === 0) return;
    const requestId = batchRequestId(items.map((p) => p.options.requestId));
    const writes: BatchWrite[] = items.map((p, i) => ({ bId: `b${i}`, ...p.write }));
    let outcomes;
    try {
      outcomes = await items[0]!.client.batchWrite(writes, { requestId, permit });
    } catch (err) {
      for (const p of items) p.reject(err);
      return;
    }
    const batch = { requestId, size: items.length };
    outcomes.forEach((o, i) => {
      const p = items[i]!;
      if (!o.ok) return p.reject(o.error);
      p.options.onBatched?.(batch);
      p.resolve(o.document);
    });
  }
}

/** The batch's `requestid` (≤ 36 characters): fixed by its writes' own ids, so the same batch sent again is replayed. */
export function batchRequestId(itemRequestIds: readonly string[]): string {
  const hash = createHash('sha256')
    .update([...itemRequestIds].sort().join('\n'))
    .digest('base64url');
  return `batch-${hash.slice(0, 30)}`;
}

// Burst + rate × 60 s = the budget. One batch at once after a quiet spell, the rest as steady rate: a burst of 2
// held the sustained rate to 38 of Intuit's 40 a minute.
const BATCH_BURST = 1;

/** The deployed batch writer: its budget shared by every process through PostgreSQL, burst + rate never above it. */
export function createBatchWriter(
  db: Db,
  options: { batchesPerMinute: number; maxItems?: number },
): BatchWriter {
  return new BatchWriter({
    batchBudget: new PgRateGovernor(db, {
      requestsPerMinute: options.batchesPerMinute - BATCH_BURST,
      burst: BATCH_BURST,
    }),
    maxItems: options.maxItems,
  });
}
