import type { Db } from '../db/pool';
import {
  insertSweepRun,
  listSweepRuns,
  syncedVersions,
  type SweepRun,
} from '../db/repositories/backfills.repository';
import { isUuid } from '../db/repositories/common';
import { findIntegration } from '../db/repositories/integrations';
import { DomainError, ERROR_CODES, NotFoundError } from '../domain/errors';
import type { M3terClient } from '../m3ter/client';
import { listBillPage, type ListedBill } from './bill-discovery';
import { requestSyncs } from './backfill';
import type { SyncRequester } from './sync-requester';

/**
 * The sweep for missed webhooks (issue "m3ter as the source of truth" §7): m3ter is listed for the bills dated
 * in the last `lookbackDays`, and every bill whose newest version no run of the integration has seen is
 * synced — so a webhook lost for any reason is caught within one interval. Runs from a Temporal Schedule per
 * integration (SweepScheduler).
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
  deps: { db: Db; m3ter: M3terClient; syncs: SyncRequester; now?: () => Date },
  integrationId: string,
  lookbackDays = SWEEP_LOOKBACK_DAYS,
): Promise<{ listed: number; requested: number }> {
  const now = deps.now?.() ?? new Date();
  const integration = await findIntegration(deps.db, integrationId);
  if (!integration) return { listed: 0, requested: 0 };
  const from = new Date(now.getTime() - lookbackDays * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(now.getTime() + 86_400_000).toISOString().slice(0, 10);
  let listed = 0;
  const due: ListedBill[] = [];
  let nextToken: string | undefined;
  do {
    const page = await listBillPage(deps.m3ter, { from, to, nextToken });
    listed += page.bills.length;
    const seen = await syncedVersions(
      deps.db,
      integrationId,
      page.bills.map((b) => b.id),
    );
    for (const bill of page.bills) if ((seen.get(bill.id) ?? 0) < bill.version) due.push(bill);
    nextToken = page.nextToken;
  } while (nextToken);
  await requestSyncs(deps.syncs, integrationId, due);
  await insertSweepRun(deps.db, {
    integrationId,
    listed,
    requested: due.length,
    requestedBillIds: due.map((b) => b.id),
    startedAt: now.toISOString(),
  });
  return { listed, requested: due.length };
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
