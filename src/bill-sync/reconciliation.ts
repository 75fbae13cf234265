import type { Db } from '../db/pool';
import {
  listBillDocuments,
  markSynced,
  type BillDocument,
} from '../db/repositories/bill-documents.repository';
import { getBill } from '../db/repositories/bills.repository';
import { isUuid } from '../db/repositories/common';
import { findIntegration, listIntegrations } from '../db/repositories/integrations';
import type { Logger } from '../platform/logger';
import type { IntegrationListener } from '../settings/integrations';
import {
  failReconciliationRun,
  finishReconciliationRun,
  getReconciliationRun,
  insertReconciliationRun,
  listReconciliationResults,
  listReconciliationRuns,
  recordReconciliationProgress,
  type ReconciliationRun,
} from '../db/repositories/reconciliations.repository';
import { listRuns, updateRun } from '../db/repositories/runs.repository';
import { decideEligibility } from '../domain/eligibility';
import { DomainError, ERROR_CODES, NotFoundError, ValidationError } from '../domain/errors';
import type { Integration } from '../domain/integration-settings';
import type { QboDocumentType } from '../domain/invoice';
import { accountFromBill, BillSchema, type Account, type Bill } from '../domain/m3ter';
import {
  billIdOfMarker,
  orphanedDocuments,
  paymentState,
  reconcileBill,
  summarize,
  type BillReconciliation,
  type Expectation,
  type HeldDocument,
  type ReconciliationResultKind,
} from '../domain/reconciliation';
import type { M3terClient } from '../m3ter/client';
import { BATCH_MAX_ITEMS, QUERY_MAX_RESULTS, type QuickBooksClient } from '../quickbooks/client';
import type { QuickBooksConnector } from '../quickbooks/connector';
import type { CreditMemo, Invoice } from '../quickbooks/types';
import type { ReferenceCache } from '../settings/reference-cache';
import { listBillPage, splitByScope, type ListedBill } from './bill-discovery';
import { createRealmCaches, resolveCustomer, type ResolvedCustomer } from './customer-resolution';
import { buildBillDocument } from './document-build';
import { notePaymentState } from './paid-documents';

/**
 * Reconciliation (issue 14): every bill m3ter dates in [from, to) against what QuickBooks holds, one result
 * per bill, stored with a summary. QuickBooks is read cheaply — the documents dated in the range and the
 * linked ones by id, 30 queries of up to 1000 rows per batch request — and never written to. A document
 * found by its marker after an uncertain create (our link still 'creating') is adopted: the link and the
 * bill's last run record it, so the run no longer says "no document".
 */

export interface ReconciliationDeps {
  db: Db;
  m3ter?: M3terClient;
  reference: ReferenceCache;
  connector: QuickBooksConnector;
}

export interface ReconciliationRequest {
  /** First bill date (YYYY-MM-DD), inclusive. */
  from: string;
  /** Last bill date (YYYY-MM-DD), exclusive. */
  to: string;
}

export interface ReconciliationOutcome {
  run: ReconciliationRun;
  results: BillReconciliation[];
}

/** Bills between two progress records. */
const PROGRESS_EVERY = 100;

/** Ids per `Id IN (…)` query. */
const IDS_PER_QUERY = 200;

/** Starts reconciliation workflows (implemented on Temporal). */
export interface ReconciliationStarter {
  startReconciliation(input: { runId: string; integrationId: string }): Promise<void>;
}

/** The schedules behind the daily reconciliations (implemented on Temporal). */
export interface ReconciliationScheduler {
  ensure(integrationId: string): Promise<void>;
  remove(integrationId: string): Promise<void>;
}

/** The period a scheduled run covers: the last two billing months (the previous and the current), by bill date. */
export function scheduledPeriod(now: Date): ReconciliationRequest {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const day = (year: number, month: number) => new Date(Date.UTC(year, month, 1)).toISOString().slice(0, 10);
  return { from: day(y, m - 1), to: day(y, m + 1) };
}

/**
 * The schedule's run: recorded for the last two billing months; null when the integration is gone (its
 * schedule is then removed) or m3ter's API is not configured.
 */
export async function openScheduledReconciliation(
  deps: { db: Db; m3ter?: M3terClient; schedules?: ReconciliationScheduler; now?: () => Date },
  integrationId: string,
): Promise<{ runId: string } | null> {
  if (!(await findIntegration(deps.db, integrationId))) {
    await deps.schedules?.remove(integrationId);
    return null;
  }
  if (!deps.m3ter) return null;
  const run = await insertReconciliationRun(deps.db, {
    integrationId,
    ...scheduledPeriod(deps.now?.() ?? new Date()),
  });
  return { runId: run.id };
}

/** Keeps one reconciliation schedule per integration: made when it is created, removed when it is deleted. */
export function reconciliationSchedulesFollow(
  schedules: ReconciliationScheduler,
  logger: Logger,
): IntegrationListener {
  const quietly = async (what: string, integrationId: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (err) {
      logger.warn({ err, integrationId }, `reconciliation schedule could not be ${what}`);
    }
  };
  return {
    created: (id) => quietly('created', id, () => schedules.ensure(id)),
    deleted: (id) => quietly('removed', id, () => schedules.remove(id)),
  };
}

/** At start-up: every integration has its reconciliation schedule (an existing one is left as it is). */
export async function ensureReconciliationSchedules(
  db: Db,
  schedules: ReconciliationScheduler,
): Promise<number> {
  const { data } = await listIntegrations(db, {}, { limit: 10_000, offset: 0 });
  for (const integration of data) await schedules.ensure(integration.id);
  return data.length;
}

/** On demand or from the schedule: the run is recorded (RUNNING) and its workflow started. */
export async function requestReconciliation(
  deps: { db: Db; reconciliations: ReconciliationStarter; m3ter?: M3terClient },
  integrationId: string,
  request: ReconciliationRequest,
): Promise<ReconciliationRun> {
  await checkRequest(deps, integrationId, request);
  const run = await insertReconciliationRun(deps.db, { integrationId, ...request });
  await deps.reconciliations.startReconciliation({ runId: run.id, integrationId });
  return run;
}

/** Records a run and carries it out here and now (the workflow's activity, tests, the bench). */
export async function runReconciliation(
  deps: ReconciliationDeps,
  integrationId: string,
  request: ReconciliationRequest,
): Promise<ReconciliationOutcome> {
  await checkRequest(deps, integrationId, request);
  const run = await insertReconciliationRun(deps.db, { integrationId, ...request });
  try {
    return await executeReconciliation(deps, run.id);
  } catch (err) {
    await recordReconciliationFailure(deps.db, run.id, message(err));
    throw err;
  }
}

async function checkRequest(
  deps: { db: Db; m3ter?: M3terClient },
  integrationId: string,
  request: ReconciliationRequest,
): Promise<void> {
  const integration = isUuid(integrationId) ? await findIntegration(deps.db, integrationId) : null;
  if (!integration) throw new NotFoundError('Integration', integrationId);
  if (request.from >= request.to) throw ValidationError.field('to', `must be after from (${request.from})`);
  if (!deps.m3ter)
    throw new DomainError(
      ERROR_CODES.INVALID_STATE,
      'A reconciliation lists bills in m3ter: it needs m3ter API credentials (M3TER_BILL_SOURCE=webhook has none)',
    );
}

/** Carries out a recorded run; a run already finished (a retried activity) is returned as it is. */
export async function executeReconciliation(
  deps: ReconciliationDeps,
  runId: string,
): Promise<ReconciliationOutcome> {
  const run = await getReconciliationRun(deps.db, runId);
  if (!run) throw new NotFoundError('Reconciliation', runId);
  if (run.status !== 'RUNNING') return { run, results: await listReconciliationResults(deps.db, runId) };
  const integrationId = run.integrationId;
  const request = { from: run.from, to: run.to };
  const integration = await findIntegration(deps.db, integrationId);
  const m3ter = deps.m3ter;
  if (!integration) throw new NotFoundError('Integration', integrationId);
  if (!m3ter)
    throw new DomainError(ERROR_CODES.INVALID_STATE, 'A reconciliation needs m3ter API credentials');
  const listed = await listAll(m3ter, request);
  await recordReconciliationProgress(deps.db, runId, { listed: listed.length, checked: 0 });
  const { inScope, outOfScope } = await splitByScope(deps.reference, integration, listed);
  const links = new Map((await listBillDocuments(deps.db, integrationId)).map((l) => [l.billId, l]));
  const outcome = await deps.connector.withClient(integration.credentialId, async (client) => {
    const caches = createRealmCaches();
    const expectations = new Map<string, Expectation>();
    let homeCurrency: string | undefined;
    for (const bill of outOfScope)
      expectations.set(bill.id, {
        kind: 'not-expected',
        reason: 'the account is out of the integration scope',
      });
    for (const listedBill of inScope) {
      const e = await expectationOf(deps, client, caches, integration, listedBill, links.get(listedBill.id));
      homeCurrency ??= e.homeCurrency;
      expectations.set(listedBill.id, e.expectation);
      if (expectations.size % PROGRESS_EVERY === 0)
        await recordReconciliationProgress(deps.db, runId, {
          listed: listed.length,
          checked: expectations.size,
        });
    }
    const held = await readDocuments(client, request, [...links.values()]);
    return { expectations, held, homeCurrency };
  });
  const home = outcome.homeCurrency ?? firstCurrency(outcome.held.byKey) ?? 'USD';
  const results: BillReconciliation[] = [];
  let adopted = 0;
  for (const bill of listed) {
    const link = links.get(bill.id) ?? null;
    const linkedId = link?.state === 'synced' ? link.externalId : null;
    const result = reconcileBill({
      billId: bill.id,
      expectation: outcome.expectations.get(bill.id) ?? { kind: 'not-expected', reason: 'not listed' },
      link,
      linked: linkedId ? (outcome.held.byKey.get(`${link?.documentType}/${linkedId}`) ?? null) : undefined,
      marked: (outcome.held.marked.get(bill.id) ?? []).filter((d) => d.id !== linkedId),
      homeCurrency: home,
    });
    if (result.result === 'UNLINKED' && link?.state === 'creating' && result.externalId) {
      const doc = outcome.held.byKey.get(`${result.documentType}/${result.externalId}`);
      if (doc) {
        await adopt(deps.db, link, doc);
        adopted += 1;
        result.detail += '; adopted: the link and the last run now record it';
      }
    }
    const linkedDoc = linkedId ? outcome.held.byKey.get(`${link?.documentType}/${linkedId}`) : undefined;
    if (link && linkedDoc && (paymentState(linkedDoc) ?? null) !== link.paidState)
      await notePaymentState(deps.db, link, linkedDoc, 'reconciliation');
    results.push(result);
  }
  results.push(...orphanedDocuments(outcome.held.marked, new Set(listed.map((b) => b.id)), home));
  await finishReconciliationRun(deps.db, run.id, {
    results,
    summary: summarize(results),
    quickBooksReads: outcome.held.reads,
    adopted,
  });
  return { run: (await getReconciliationRun(deps.db, run.id)) ?? run, results };
}

/** A run that could not be carried out: FAILED with the reason. */
export async function recordReconciliationFailure(db: Db, runId: string, error: string): Promise<void> {
  await failReconciliationRun(db, runId, error);
}

async function listAll(m3ter: M3terClient, range: ReconciliationRequest): Promise<ListedBill[]> {
  const bills: ListedBill[] = [];
  let nextToken: string | undefined;
  do {
    const page = await listBillPage(m3ter, { ...range, nextToken });
    bills.push(...page.bills);
    nextToken = page.nextToken;
  } while (nextToken);
  return bills;
}

/** What the builder would send today for the bill (its newest version, today's settings and mappings). */
async function expectationOf(
  deps: ReconciliationDeps,
  client: QuickBooksClient,
  caches: ReturnType<typeof createRealmCaches>,
  integration: Integration,
  listed: ListedBill,
  link: BillDocument | undefined,
): Promise<{ expectation: Expectation; homeCurrency?: string }> {
  const bill = await currentBill(deps, listed);
  if (!bill) return { expectation: { kind: 'not-expected', reason: 'm3ter no longer has the bill' } };
  const account = (await deps.reference.account(bill.accountId)) ?? accountFromBill(bill);
  const decision = decideEligibility(integration, bill, account);
  if (!decision.send) return { expectation: { kind: 'not-expected', reason: decision.reason } };
  let customer: Pick<ResolvedCustomer, 'customerId' | 'currency'>;
  try {
    customer = await customerOf(deps, client, caches, { integration, account, bill });
  } catch (err) {
    // No mapping (and none allowed by name): compare against the customer of the document we made.
    if (!link) return { expectation: { kind: 'not-expected', reason: message(err) } };
    customer = {
      customerId: link.customerId,
      currency: { multiCurrencyEnabled: false, homeCurrency: bill.currency ?? 'USD' },
    };
  }
  try {
    const built = await buildBillDocument(deps, { integration, bill, account }, customer);
    const homeCurrency = customer.currency.homeCurrency;
    return built.kind === 'skip'
      ? { expectation: { kind: 'not-expected', reason: built.reason }, homeCurrency }
      : { expectation: { kind: 'document', document: built.document }, homeCurrency };
  } catch (err) {
    return { expectation: { kind: 'not-expected', reason: `cannot be built: ${message(err)}` } };
  }
}

/**
 * The account's customer, looked up once per account and run (an unmapped account would otherwise cost a
 * QuickBooks query per bill).
 */
async function customerOf(
  deps: ReconciliationDeps,
  client: QuickBooksClient,
  caches: ReturnType<typeof createRealmCaches> & {
    reconciled?: Map<string, Promise<Pick<ResolvedCustomer, 'customerId' | 'currency'>>>;
  },
  ctx: { integration: Integration; account: Account; bill: Bill },
): Promise<Pick<ResolvedCustomer, 'customerId' | 'currency'>> {
  const byAccount = (caches.reconciled ??= new Map());
  let found = byAccount.get(ctx.account.id);
  if (!found) {
    found = resolveCustomer({ db: deps.db, client, caches }, ctx, { readOnly: true });
    byAccount.set(ctx.account.id, found);
  }
  return found;
}

/** The newest version of the bill: ours when it is current, else m3ter's (read, not stored). */
async function currentBill(deps: ReconciliationDeps, listed: ListedBill): Promise<Bill | null> {
  const stored = await getBill(deps.db, listed.id);
  if (stored && stored.version >= listed.version) return stored.bill;
  if (!deps.m3ter) return stored?.bill ?? null;
  const parsed = BillSchema.safeParse(await deps.m3ter.getBill(listed.id));
  return parsed.success ? parsed.data : (stored?.bill ?? null);
}

interface HeldDocuments {
  /** `Invoice/42` → the document. */
  byKey: Map<string, HeldDocument>;
  /** Bill id → documents carrying its marker. */
  marked: Map<string, HeldDocument[]>;
  reads: number;
}

/**
 * The documents dated in the range (both types, paged by 1000) and the linked ones by id, 30 queries a
 * request: 1,000 bills cost one or two reads.
 */
async function readDocuments(
  client: QuickBooksClient,
  range: ReconciliationRequest,
  links: readonly BillDocument[],
): Promise<HeldDocuments> {
  const out: HeldDocuments = { byKey: new Map(), marked: new Map(), reads: 0 };
  type Query = { type: QboDocumentType; query: string; page?: number };
  const inRange = (type: QboDocumentType, page: number): Query => ({
    type,
    page,
    query: `SELECT * FROM ${type} WHERE TxnDate >= '${range.from}' AND TxnDate < '${range.to}' STARTPOSITION ${
      1 + page * QUERY_MAX_RESULTS
    } MAXRESULTS ${QUERY_MAX_RESULTS}`,
  });
  let pending: Query[] = [inRange('Invoice', 0), inRange('CreditMemo', 0)];
  for (const type of ['Invoice', 'CreditMemo'] as const) {
    const ids = links.filter((l) => l.state === 'synced' && l.externalId && l.documentType === type);
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const chunk = ids.slice(i, i + IDS_PER_QUERY).map((l) => `'${l.externalId}'`);
      pending.push({
        type,
        query: `SELECT * FROM ${type} WHERE Id IN (${chunk.join(', ')}) MAXRESULTS 1000`,
      });
    }
  }
  while (pending.length) {
    const batch = pending.slice(0, BATCH_MAX_ITEMS);
    pending = pending.slice(BATCH_MAX_ITEMS);
    const answers = await client.batchQuery(batch);
    out.reads += 1;
    batch.forEach((q, i) => {
      const rows = answers[i] ?? [];
      for (const row of rows) add(out, q.type, row);
      if (q.page !== undefined && rows.length === QUERY_MAX_RESULTS)
        pending.push(inRange(q.type, q.page + 1));
    });
  }
  return out;
}

function add(out: HeldDocuments, type: QboDocumentType, doc: Invoice | CreditMemo): void {
  const key = `${type}/${doc.Id}`;
  if (out.byKey.has(key)) return;
  const held = heldDocument(type, doc);
  out.byKey.set(key, held);
  const billId = billIdOfMarker(doc.PrivateNote);
  if (billId) out.marked.set(billId, [...(out.marked.get(billId) ?? []), held]);
}

/** A QuickBooks document in the comparison's terms. */
export function heldDocument(type: QboDocumentType, doc: Invoice | CreditMemo): HeldDocument {
  const open = type === 'Invoice' ? doc.Balance : ((doc as CreditMemo).RemainingCredit ?? doc.Balance);
  return {
    type,
    id: doc.Id,
    syncToken: doc.SyncToken,
    customerId: doc.CustomerRef.value,
    currency: doc.CurrencyRef?.value,
    privateNote: doc.PrivateNote,
    totalAmt: doc.TotalAmt,
    open,
    lines: doc.Line.map((l) => ({
      detailType: l.DetailType,
      amount: l.Amount,
      description: l.Description,
      itemId: l.SalesItemLineDetail?.ItemRef?.value,
      qty: l.SalesItemLineDetail?.Qty,
      unitPrice: l.SalesItemLineDetail?.UnitPrice,
      serviceDate: l.SalesItemLineDetail?.ServiceDate,
    })),
  };
}

/** Records a document found by its marker as the bill's, on the link and on the bill's last run without one. */
async function adopt(db: Db, link: BillDocument, doc: HeldDocument): Promise<void> {
  await recordAdoptedDocument(db, {
    integrationId: link.integrationId,
    billId: link.billId,
    generation: link.generation,
    payloadHash: link.payloadHash ?? '',
    doc,
  });
}

/**
 * A document QuickBooks holds for the bill (found by its marker) becomes the bill's: the link records it
 * (later syncs update it, never create another) and so does the bill's last run when it names none.
 */
export async function recordAdoptedDocument(
  db: Db,
  adopted: {
    integrationId: string;
    billId: string;
    generation: number;
    payloadHash: string;
    doc: HeldDocument;
  },
): Promise<void> {
  const { doc } = adopted;
  await markSynced(db, {
    integrationId: adopted.integrationId,
    billId: adopted.billId,
    documentType: doc.type,
    generation: adopted.generation,
    customerId: doc.customerId,
    externalId: doc.id,
    syncToken: doc.syncToken,
    payloadHash: adopted.payloadHash,
  });
  const [last] = await listRuns(db, {
    integrationId: adopted.integrationId,
    billId: adopted.billId,
    limit: 1,
  });
  if (last && !last.externalId) await updateRun(db, last.id, { externalId: doc.id, externalType: doc.type });
}

function firstCurrency(docs: Map<string, HeldDocument>): string | undefined {
  for (const d of docs.values()) if (d.currency) return d.currency;
  return undefined;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function reconciliationById(
  db: Db,
  id: string,
  filter: { results?: ReconciliationResultKind[]; billId?: string } = {},
): Promise<ReconciliationOutcome> {
  const run = isUuid(id) ? await getReconciliationRun(db, id) : undefined;
  if (!run) throw new NotFoundError('Reconciliation', id);
  return { run, results: await listReconciliationResults(db, id, filter) };
}

export async function reconciliationsOf(db: Db, integrationId: string): Promise<ReconciliationRun[]> {
  if (!isUuid(integrationId) || !(await findIntegration(db, integrationId)))
    throw new NotFoundError('Integration', integrationId);
  return listReconciliationRuns(db, integrationId);
}
