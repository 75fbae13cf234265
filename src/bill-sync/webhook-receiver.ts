import type { Db } from '../db/pool';
import {
  claimWebhookEvent,
  getBill,
  markWebhookEventProcessed,
  storeBill,
} from '../db/repositories/bills.repository';
import { listIntegrations } from '../db/repositories/integrations';
import { accountInScope } from '../domain/account-scope';
import { ValidationError } from '../domain/errors';
import { accountFromBill, BillSchema, type Account, type Bill } from '../domain/m3ter';
import { assertPgInteger, parseOrThrow } from '../domain/validation';
import { z } from 'zod';
import type { M3terClient } from '../m3ter/client';
import type { Logger } from '../platform/logger';
import type { CachedKind, ReferenceCache } from '../settings/reference-cache';
import {
  ACCOUNTS,
  AGGREGATIONS,
  COMPOUND_AGGREGATIONS,
  PRODUCTS,
  deleteReferenceObject,
  getReferenceObject,
  upsertReferenceObject,
  type ReferenceKind,
} from '../settings/reference-data';
import { accountOfBillInM3ter } from './bill-fetch';
import { actionFor, type EventAction, type M3terEvent } from './m3ter-event';
import type { SyncRequester, SyncTrigger } from './sync-requester';

export interface WebhookDeps {
  db: Db;
  syncs: SyncRequester;
  logger: Logger;
  /** m3ter reference data on demand (the accounts a fan-out scopes by). */
  reference: ReferenceCache;
  /**
   * m3ter's API: a delivery is then only a trigger (which bill, which object changed) and everything is read
   * from m3ter. Absent: the deployment chose to run from webhook bodies, stored as they arrive.
   */
  m3ter?: M3terClient;
}

export interface WebhookOutcome {
  result: 'processed' | 'duplicate' | 'ignored' | 'stale';
  eventId: string;
  /** Workflows signalled or started for a bill event. */
  workflows: string[];
  detail?: string;
}

const REFERENCE_KINDS = {
  account: ACCOUNTS,
  product: PRODUCTS,
  aggregation: AGGREGATIONS,
  compoundaggregation: COMPOUND_AGGREGATIONS,
} as const;

const DTO_PATH = 'm3terEvent.eventData';

/** What a delivery says when it is only a trigger: which object (and, for a bill, whose). */
const TriggerSchema = z.looseObject({
  id: z.string().min(1).max(200),
  accountId: z.string().min(1).max(200).nullish(),
  version: z.number().int().nullish(),
});

/**
 * One m3ter event: configuration events keep the reference data current; bill events ask every integration
 * whose scope includes the account for a sync. With m3ter's API the body is only a trigger — the bill and the
 * objects are read from m3ter (a forged delivery can at worst make us re-read a real bill); without it, the
 * body is validated and stored. Validation happens before anything is written; an event whose work finished
 * before is a duplicate and starts nothing.
 */
export async function receiveM3terEvent(deps: WebhookDeps, event: M3terEvent): Promise<WebhookOutcome> {
  const action = actionFor(event.eventName);
  const { newDto, oldDto } = event.m3terEvent.eventData;
  const base = { eventId: event.id, workflows: [] as string[] };
  if (action.kind === 'ignored')
    return { ...base, result: 'ignored', detail: `${event.eventName} is not used by this service` };

  const dto = action.op === 'delete' ? (oldDto ?? newDto) : newDto;
  const dtoField = `${DTO_PATH}.${action.op === 'delete' && oldDto ? 'oldDto' : 'newDto'}`;
  if (!dto) throw ValidationError.field(dtoField, 'required: the object the event is about');

  if (deps.m3ter) return receiveTrigger(deps, deps.m3ter, event, action, dto, dtoField);

  if (action.kind === 'reference') {
    const kind = REFERENCE_KINDS[action.entity] as ReferenceKind<{ id: string; version?: number | null }>;
    const object = parseOrThrow(kind.schema, dto, dtoField);
    assertPgInteger(object.version, `${dtoField}.version`);
    const claim = await claimWebhookEvent(deps.db, event.id, event.eventName, object.id);
    if (claim === 'processed') return { ...base, result: 'duplicate' };
    const applied =
      action.op === 'delete'
        ? (await deleteReferenceObject(deps.db, kind, object.id, object.version ?? null)).applied
        : (await upsertReferenceObject(deps.db, kind, object)).applied;
    await markWebhookEventProcessed(deps.db, event.id);
    return { ...base, result: applied ? 'processed' : 'stale' };
  }

  const bill = parseOrThrow(BillSchema, dto, dtoField);
  checkBillFits(bill, dtoField);
  const claim = await claimWebhookEvent(deps.db, event.id, event.eventName, bill.id);
  if (claim === 'processed') return { ...base, result: 'duplicate' };
  if (action.op === 'delete') {
    await markWebhookEventProcessed(deps.db, event.id);
    return { ...base, result: 'ignored', detail: 'deleted bills are not removed from QuickBooks' };
  }
  const stored = await storeBill(deps.db, bill);
  // A redelivery of an event that stopped half-way fans out again even though the bill is already stored.
  if (claim === 'new' && (stored.outcome === 'stale' || stored.outcome === 'unchanged')) {
    await markWebhookEventProcessed(deps.db, event.id);
    return {
      ...base,
      result: stored.outcome === 'stale' ? 'stale' : 'duplicate',
      detail: `bill version ${bill.version} is ${stored.outcome}`,
    };
  }
  // Stored: this is the newest version; otherwise (a redelivery) the stored one is.
  const current =
    stored.outcome === 'stored' || stored.outcome === 'updated'
      ? bill
      : ((await getBill(deps.db, bill.id))?.bill ?? bill);
  const workflows = await fanOut(deps, current, 'webhook');
  await markWebhookEventProcessed(deps.db, event.id);
  return { ...base, result: 'processed', workflows };
}

async function receiveTrigger(
  deps: WebhookDeps,
  m3ter: M3terClient,
  event: M3terEvent,
  action: Exclude<EventAction, { kind: 'ignored' }>,
  dto: Record<string, unknown>,
  dtoField: string,
): Promise<WebhookOutcome> {
  const base = { eventId: event.id, workflows: [] as string[] };
  const trigger = parseOrThrow(TriggerSchema, dto, dtoField);
  assertPgInteger(trigger.version, `${dtoField}.version`);
  const claim = await claimWebhookEvent(deps.db, event.id, event.eventName, trigger.id);
  if (claim === 'processed') return { ...base, result: 'duplicate' };
  if (action.kind === 'reference') {
    const kind = REFERENCE_KINDS[action.entity].kind as CachedKind;
    if (action.op === 'delete') await deps.reference.forget(kind, trigger.id, trigger.version);
    else await deps.reference.refresh(kind, trigger.id);
    await markWebhookEventProcessed(deps.db, event.id);
    return { ...base, result: 'processed' };
  }
  if (action.op === 'delete') {
    await markWebhookEventProcessed(deps.db, event.id);
    return { ...base, result: 'ignored', detail: 'deleted bills are not removed from QuickBooks' };
  }
  // The account scopes the fan-out; a delivery that does not name it costs one header read from m3ter.
  const accountId = trigger.accountId ?? (await accountOfBillInM3ter(m3ter, trigger.id));
  if (!accountId) {
    await markWebhookEventProcessed(deps.db, event.id);
    return { ...base, result: 'ignored', detail: `bill ${trigger.id} is not in m3ter (or has no account)` };
  }
  const account =
    (await deps.reference.account(accountId)) ?? accountFromBill({ accountId, accountCode: null });
  const workflows = await fanOutTo(deps, { billId: trigger.id, account }, 'webhook');
  await markWebhookEventProcessed(deps.db, event.id);
  return { ...base, result: 'processed', workflows };
}

/** m3ter ids are UUIDs; a much longer one would not fit a Temporal workflow id (1000 bytes) or search attribute. */
const MAX_ID_LENGTH = 200;

/** What the schema does not say but storage and Temporal need, checked before anything is written. */
function checkBillFits(bill: Bill, dtoField: string): void {
  for (const key of ['id', 'accountId'] as const) {
    if (bill[key].length > MAX_ID_LENGTH)
      throw ValidationError.field(`${dtoField}.${key}`, `longer than ${MAX_ID_LENGTH} characters`);
  }
  assertPgInteger(bill.version, `${dtoField}.version`);
}

/**
 * Signal-with-start of the bill's workflow for every integration whose account scope matches. Disabled
 * integrations are included: their workflow records a DISABLED run, to be replayed once re-enabled.
 */
export async function fanOut(deps: WebhookDeps, bill: Bill, trigger: SyncTrigger): Promise<string[]> {
  const account = (await getReferenceObject(deps.db, ACCOUNTS, bill.accountId)) ?? accountFromBill(bill);
  return fanOutTo(deps, { billId: bill.id, account }, trigger);
}

async function fanOutTo(
  deps: Pick<WebhookDeps, 'db' | 'syncs' | 'logger'>,
  { billId, account }: { billId: string; account: Account },
  trigger: SyncTrigger,
): Promise<string[]> {
  const { data: integrations } = await listIntegrations(deps.db, {}, { limit: 10_000, offset: 0 });
  const started: string[] = [];
  for (const integration of integrations) {
    if (!accountInScope(integration, account).inScope) continue;
    const { workflowId } = await deps.syncs.requestBillSync({
      integrationId: integration.id,
      billId,
      accountId: account.id,
      trigger,
    });
    started.push(workflowId);
  }
  deps.logger.info({ billId, workflows: started.length }, 'bill sync requested');
  return started;
}
