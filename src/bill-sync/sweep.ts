import type { Db } from '../db/pool';
import {
  insertSweepRun,
  listSweepRuns,
  syncedVersions,
  type SweepRun,
} from '../db/repositories/backfills.repository';
import { isUuid } from '../db/repositories/common';
import { findIntegration, listIntegrations } from '../db/repositories/integrations';
import { DomainError, ERROR_CODES, NotFoundError } from '../domain/errors';
import type { M3terClient } from '../m3ter/client';
import type { Logger } from '../platform/logger';
import type { IntegrationListener } from '../settings/integrations';
import type { ReferenceCache } from '../settings/reference-cache';
import { listBillPage, type ListedBill } from './bill-discovery';
import { requestSyncsInScope } from './backfill';
import type { SyncRequester } from './sync-requester';

/**
 * The sweep for missed webhooks: m3ter is listed for the bills dated in the last `lookbackDays` (headers only,
 * 100 a call), and every bill the integration runs for whose newest version no run of it has seen is synced —
 * so a webhook lost for any reason is caught within one interval. A version that was seen and failed is not
 * retried here (its run says why; replay it). Runs from a Temporal Schedule per integration (SweepScheduler).
 */

export interface SweepSettings {
  intervalMinutes: number;
  paused: boolean;
}

export interface SweepState extends SweepSettings {
  scheduleId: string;
  nextRunAt: string | null;
  recent: SweepRun[];
}

/** The schedules behind the sweeps (implemented on Temporal). */
export interface SweepScheduler {
  ensure(integrationId: string, settings?: Partial<SweepSettings>): Promise<void>;
  describe(
    integrationId: string,
  ): Promise<(SweepSettings & { scheduleId: string; nextRunAt: string | null }) | null>;
  update(integrationId: string, settings: Partial<SweepSettings>): Promise<void>;
  trigger(integrationId: string): Promise<void>;
  remove(integrationId: string): Promise<void>;
}

export const DEFAULT_SWEEP: SweepSettings = { intervalMinutes: 15, paused: false };
export const SWEEP_LOOKBACK_DAYS = 35;

export async function sweepIntegration(
  deps: {
    db: Db;
    m3ter: M3terClient;
    reference: ReferenceCache;
    syncs: SyncRequester;
    sweeps?: SweepScheduler;
    now?: () => Date;
  },
  integrationId: string,
  lookbackDays = SWEEP_LOOKBACK_DAYS,
): Promise<{ listed: number; requested: number }> {
  const now = deps.now?.() ?? new Date();
  if (!(await findIntegration(deps.db, integrationId))) {
    // Deleted while no API process was there to remove its schedule.
    await deps.sweeps?.remove(integrationId);
    return { listed: 0, requested: 0 };
  }
  const from = new Date(now.getTime() - lookbackDays * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
  let listed = 0;
  const requested: ListedBill[] = [];
  let nextToken: string | undefined;
  do {
    const page = await listBillPage(deps.m3ter, { from, to, nextToken });
    listed += page.bills.length;
    const seen = await syncedVersions(
      deps.db,
      integrationId,
      page.bills.map((b) => b.id),
    );
    const unseen = page.bills.filter((bill) => (seen.get(bill.id) ?? 0) < bill.version);
    if (unseen.length)
      requested.push(...(await requestSyncsInScope(deps, integrationId, unseen, 'sweep')).requested);
    nextToken = page.nextToken;
  } while (nextToken);
  await insertSweepRun(deps.db, {
    integrationId,
    listed,
    requested: requested.length,
    requestedBillIds: requested.map((b) => b.id),
    startedAt: now.toISOString(),
  });
  return { listed, requested: requested.length };
}

export async function sweepStateOf(
  deps: { db: Db; sweeps?: SweepScheduler },
  integrationId: string,
): Promise<SweepState> {
  const sweeps = await schedulerFor(deps, integrationId);
  await sweeps.ensure(integrationId);
  const schedule = await sweeps.describe(integrationId);
  if (!schedule) throw new NotFoundError('Sweep schedule', integrationId);
  return { ...schedule, recent: await listSweepRuns(deps.db, integrationId) };
}

export async function changeSweep(
  deps: { db: Db; sweeps?: SweepScheduler },
  integrationId: string,
  settings: Partial<SweepSettings>,
): Promise<SweepState> {
  const sweeps = await schedulerFor(deps, integrationId);
  await sweeps.ensure(integrationId, settings);
  await sweeps.update(integrationId, settings);
  return sweepStateOf(deps, integrationId);
}

export async function sweepNow(
  deps: { db: Db; sweeps?: SweepScheduler },
  integrationId: string,
): Promise<void> {
  const sweeps = await schedulerFor(deps, integrationId);
  await sweeps.ensure(integrationId);
  await sweeps.trigger(integrationId);
}

async function schedulerFor(
  deps: { db: Db; sweeps?: SweepScheduler },
  integrationId: string,
): Promise<SweepScheduler> {
  if (!isUuid(integrationId) || !(await findIntegration(deps.db, integrationId)))
    throw new NotFoundError('Integration', integrationId);
  if (!deps.sweeps)
    throw new DomainError(
      ERROR_CODES.INVALID_STATE,
      'The sweep lists bills in m3ter: it needs m3ter API credentials (M3TER_BILL_SOURCE=webhook has none)',
    );
  return deps.sweeps;
}

/** Keeps one sweep schedule per integration: made when it is created, removed when it is deleted. */
export function sweepSchedulesFollow(sweeps: SweepScheduler, logger: Logger): IntegrationListener {
  // Best effort: the integration is saved either way; the next start-up (ensureSweepSchedules) or a GET of
  // its sweep makes a schedule that could not be made now, and a sweep of a deleted one removes its own.
  const quietly = async (what: string, integrationId: string, action: () => Promise<void>) => {
    try {
      await action();
    } catch (err) {
      logger.warn({ err, integrationId }, `sweep schedule could not be ${what}`);
    }
  };
  return {
    created: (id) => quietly('created', id, () => sweeps.ensure(id)),
    deleted: (id) => quietly('removed', id, () => sweeps.remove(id)),
  };
}

/** At start-up: every integration has its sweep schedule (an existing one is left as it is). */
export async function ensureSweepSchedules(db: Db, sweeps: SweepScheduler): Promise<number> {
  const { data } = await listIntegrations(db, {}, { limit: 10_000, offset: 0 });
  for (const integration of data) await sweeps.ensure(integration.id);
  return data.length;
}
