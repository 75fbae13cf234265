import { randomUUID } from 'node:crypto';
import type { Db } from '../../src/db/pool';
import type { Bill } from '../../src/domain/m3ter';
import { line, sampleBill } from '../../test/support/bills';
import type { AccountSpec, RealmIntegration, Stack, WebhookResult } from './stack';

/** One bill of a run: where it goes and the total its document must carry. */
export interface PlannedBill {
  bill: Bill;
  realm: RealmIntegration;
  expectedTotalCents: number;
}

export function accountsFor(prefix: string, realmIndex: number, count: number): AccountSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `${prefix}-r${realmIndex}-a${i}`,
    name: `${prefix} Realm ${realmIndex} Account ${i}`,
  }));
}

/**
 * A monthly bill (standing charge + usage) whose amounts vary with `n`, so that every document has a total
 * of its own to check to the cent.
 */
export function makeBill(
  id: string,
  accountId: string,
  n: number,
): { bill: Bill; expectedTotalCents: number } {
  const feeCents = 10_000 + (n % 97) * 101;
  const usageUnits = 1_000 + ((n * 7919) % 50_000);
  const usageCents = usageUnits + (n % 13);
  const bill = sampleBill({
    id,
    accountId,
    accountCode: accountId.toUpperCase(),
    lineItems: [
      line({
        description: 'Platform fee',
        lineItemType: 'STANDING_CHARGE',
        quantity: 1,
        subtotal: feeCents / 100,
        productId: 'prod-platform',
      }),
      line({
        description: 'API calls',
        lineItemType: 'USAGE',
        quantity: usageUnits,
        units: usageUnits,
        subtotal: usageCents / 100,
        averageUnitPrice: usageCents / 100 / usageUnits,
        productId: 'prod-api',
        aggregationId: 'agg-calls',
      }),
    ],
  });
  return { bill, expectedTotalCents: feeCents + usageCents };
}

/** `count` bills spread round-robin over the realms and, within a realm, over its accounts. Ids start with `prefix`. */
export function planBills(
  prefix: string,
  realms: RealmIntegration[],
  count: number,
  offset = 0,
): PlannedBill[] {
  return Array.from({ length: count }, (_, i) => {
    const realm = realms[i % realms.length]!;
    const account = realm.accounts[Math.floor(i / realms.length) % realm.accounts.length]!;
    const { bill, expectedTotalCents } = makeBill(
      `${prefix}-${String(i).padStart(6, '0')}`,
      account.id,
      i + offset,
    );
    return { bill, realm, expectedTotalCents };
  });
}

/** One bill of every account of every realm (the first bill of an account resolves its customer). */
export function firstBillPerAccount(prefix: string, realms: RealmIntegration[]): PlannedBill[] {
  return realms.flatMap((realm) =>
    realm.accounts.map((account, i) => {
      const { bill, expectedTotalCents } = makeBill(`${prefix}-${account.id}`, account.id, 100_000 + i);
      return { bill, realm, expectedTotalCents };
    }),
  );
}

export interface SendReport {
  results: Array<WebhookResult & { billId: string }>;
  /** Non-202 answers (the message of the first few). */
  rejected: string[];
  /** 503 answers (the service's PostgreSQL or Temporal down), each delivered again. */
  unavailable: number;
  startedAt: number;
  finishedAt: number;
}

const REDELIVER_FOR_MS = 180_000;
const REDELIVER_PAUSE_MS = 1_000;

/** Sends the bills' webhooks with `senders` requests at a time, as fast as the API answers. */
export async function sendAll(
  stack: Stack,
  bills: PlannedBill[],
  senders: number,
  onAck?: () => void,
  /** Bills generated per second (m3ter's month-end is not instant); omitted: as fast as the API answers. */
  perSecond?: number,
): Promise<SendReport> {
  const results: SendReport['results'] = [];
  const rejected: string[] = [];
  let next = 0;
  const startedAt = Date.now();
  let unavailable = 0;
  const lane = async () => {
    while (next < bills.length) {
      const index = next++;
      const planned = bills[index]!;
      if (perSecond) await sleep(Math.max(0, startedAt + (index * 1000) / perSecond - Date.now()));
      // As m3ter does: the same event again after a failed delivery (an error, or a 503 while PostgreSQL or
      // Temporal is down), with a pause, for up to REDELIVER_FOR_MS.
      const eventId = randomUUID();
      const giveUpAt = Date.now() + REDELIVER_FOR_MS;
      let result: WebhookResult | undefined;
      let lastError = '';
      for (;;) {
        try {
          result = await stack.sendBill(planned.bill, eventId);
          if (result.status !== 503) break;
          unavailable += 1;
          lastError = 'HTTP 503';
        } catch (err) {
          result = undefined;
          lastError = (err as Error).message;
        }
        if (Date.now() >= giveUpAt) break;
        await sleep(REDELIVER_PAUSE_MS);
      }
      if (!result) {
        rejected.push(`${planned.bill.id}: ${lastError}`);
        continue;
      }
      results.push({ ...result, billId: planned.bill.id });
      if (result.status !== 202) rejected.push(`${planned.bill.id}: HTTP ${result.status}`);
      else onAck?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, senders) }, lane));
  return { results, rejected, unavailable, startedAt, finishedAt: Date.now() };
}

/** Bills (of ids starting with `prefix`) whose run has ended, whatever its status. */
export async function countFinished(db: Db, prefix: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(DISTINCT bill_id)::int AS n FROM integration_runs WHERE bill_id LIKE $1 AND completed_at IS NOT NULL`,
    [`${prefix}-%`],
  );
  return rows[0]?.n ?? 0;
}

export interface BillOutcome {
  billId: string;
  integrationId: string;
  /** Status of the bill's latest run. */
  status: string;
  runs: number;
  /** How many of its runs are COMPLETE. */
  completeRuns: number;
  message: string | null;
  startedAt: number;
  completedAt: number | null;
  /** When the document was recorded as created (bill_documents, state synced). */
  documentAt: number | null;
  documentState: string | null;
  externalId: string | null;
}

/** The latest run and the document link of every bill whose id starts with `prefix`. */
export async function outcomes(db: Db, prefix: string): Promise<BillOutcome[]> {
  const { rows } = await db.query<{
    bill_id: string;
    integration_id: string;
    status: string;
    runs: number;
    complete_runs: number;
    message: string | null;
    started_at: Date;
    completed_at: Date | null;
    document_at: Date | null;
    document_state: string | null;
    external_id: string | null;
  }>(
    `SELECT DISTINCT ON (r.bill_id, r.integration_id) r.bill_id, r.integration_id, r.status, r.message, r.started_at, r.completed_at,
            count(*) OVER (PARTITION BY r.bill_id, r.integration_id)::int AS runs,
            count(*) FILTER (WHERE r.status = 'COMPLETE') OVER (PARTITION BY r.bill_id, r.integration_id)::int AS complete_runs,
            d.updated_at AS document_at, d.state AS document_state, d.external_id
     FROM integration_runs r
     LEFT JOIN bill_documents d ON d.integration_id = r.integration_id AND d.bill_id = r.bill_id
     WHERE r.bill_id LIKE $1
     ORDER BY r.bill_id, r.integration_id, r.started_at DESC`,
    [`${prefix}-%`],
  );
  return rows.map((r) => ({
    billId: r.bill_id,
    integrationId: r.integration_id,
    status: r.status,
    runs: r.runs,
    completeRuns: r.complete_runs,
    message: r.message,
    startedAt: r.started_at.getTime(),
    completedAt: r.completed_at ? r.completed_at.getTime() : null,
    documentAt: r.document_state === 'synced' && r.document_at ? r.document_at.getTime() : null,
    documentState: r.document_state,
    externalId: r.external_id,
  }));
}

/**
 * The bill's sync ended well: its last run is COMPLETE, or a later pass (a redelivered webhook, a coalesced
 * signal) found the document a COMPLETE run had sent unchanged and said so (SKIPPED).
 */
export function endedWell(o: BillOutcome): boolean {
  if (o.status === 'COMPLETE') return true;
  return o.status === 'SKIPPED' && o.completeRuns > 0 && (o.message ?? '').startsWith('unchanged');
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** A document the emulator holds for a bill (found by its PrivateNote marker). */
export interface EmittedDocument {
  Id: string;
  TotalAmt: number;
}

/**
 * Invoices and credit memos in the realms, by the bill they name; `strays` are documents naming no bill of
 * `billIds`.
 */
export function documentsByBill(
  stack: Pick<Stack, 'emulator'>,
  realmIds: readonly string[],
  billIds: ReadonlySet<string>,
): { byBill: Map<string, EmittedDocument[]>; strays: number } {
  const byBill = new Map<string, EmittedDocument[]>();
  let strays = 0;
  for (const realmId of realmIds) {
    const docs = stack.emulator.control.documents(realmId);
    for (const doc of [...docs.Invoice, ...docs.CreditMemo] as unknown as Array<
      EmittedDocument & { PrivateNote?: string }
    >) {
      const billId = /\[m3ter-bill:([^\]]+)\]/.exec(doc.PrivateNote ?? '')?.[1];
      if (!billId || !billIds.has(billId)) {
        strays += 1;
        continue;
      }
      byBill.set(billId, [...(byBill.get(billId) ?? []), { Id: doc.Id, TotalAmt: doc.TotalAmt }]);
    }
  }
  return { byBill, strays };
}
