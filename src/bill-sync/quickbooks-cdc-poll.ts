import type { Db } from '../db/pool';
import { findCredential } from '../db/repositories/credentials';
import { findIntegration } from '../db/repositories/integrations';
import { getCdcCursor, saveCdcCursor } from '../db/repositories/quickbooks-cdc.repository';
import { isVoided } from '../domain/reconciliation';
import type { ChangedDocument } from '../quickbooks/client';
import type { QuickBooksConnector } from '../quickbooks/connector';
import type { Logger } from '../platform/logger';
import {
  processQuickBooksNotifications,
  type QuickBooksChange,
  type QuickBooksChangesOutcome,
} from './quickbooks-notifications';
import { heldDocument } from './reconciliation';

/**
 * The webhooks' fallback (issue 14 §4): ChangeDataCapture of the integration's QuickBooks company since the
 * last poll (its cursor is kept in PostgreSQL per company), fed to the same handler as a webhook — a change
 * either has delivered is kept once, so a poll after a delivered webhook (or two polls) changes nothing twice.
 * One QuickBooks read per poll. Run by the integration's daily schedule before its reconciliation.
 */

export interface CdcPollDeps {
  db: Db;
  connector: QuickBooksConnector;
  logger?: Logger;
  now?: () => Date;
}

export interface CdcPollOutcome extends QuickBooksChangesOutcome {
  realmId: string;
  /** Documents ChangeDataCapture reported. */
  changes: number;
  since: string;
  /** The cursor now. */
  until: string;
}

/** QuickBooks keeps 30 days of changes; a first poll reads what it still has. */
const FIRST_LOOKBACK_MS = 29 * 24 * 60 * 60_000;
/** Each poll reads a little before the cursor, against clock skew (repeats are ignored). */
const OVERLAP_MS = 5 * 60_000;
/** ChangeDataCapture answers at most this many objects. */
const CDC_MAX_OBJECTS = 1000;

/** Polls the company of the integration's credential; null when it is gone or not connected. */
export async function pollQuickBooksChanges(
  deps: CdcPollDeps,
  integrationId: string,
): Promise<CdcPollOutcome | null> {
  const integration = await findIntegration(deps.db, integrationId);
  if (!integration?.credentialId) return null;
  const realmId = (await findCredential(deps.db, integration.credentialId))?.realmId;
  if (!realmId) return null;
  const now = deps.now?.() ?? new Date();
  const cursor = await getCdcCursor(deps.db, realmId);
  const since = new Date(cursor ? cursor.getTime() - OVERLAP_MS : now.getTime() - FIRST_LOOKBACK_MS);
  const changed = await deps.connector.withClient(integration.credentialId, (client) =>
    client.changedDocuments(since),
  );
  const notifications = changed.map((c) => notificationOf(realmId, c));
  const outcome = await processQuickBooksNotifications(
    { db: deps.db, logger: deps.logger },
    notifications,
    'ChangeDataCapture poll',
  );
  // A full answer may have left changes out: the next poll starts from the latest one it read.
  const latest = Math.max(...notifications.map((n) => Date.parse(n.lastUpdated)).filter(Number.isFinite));
  const until = changed.length >= CDC_MAX_OBJECTS && Number.isFinite(latest) ? new Date(latest) : now;
  await saveCdcCursor(deps.db, realmId, until, changed.length);
  return {
    ...outcome,
    realmId,
    changes: changed.length,
    since: since.toISOString(),
    until: until.toISOString(),
  };
}

/** A ChangeDataCapture entry as the notification a webhook would have sent for it. */
function notificationOf(realmId: string, change: ChangedDocument): QuickBooksChange {
  if (change.status === 'deleted')
    return {
      realmId,
      entity: change.type,
      id: change.id,
      operation: 'Delete',
      lastUpdated: change.lastUpdated ?? '',
    };
  const doc = change.document;
  const meta = doc.MetaData;
  const operation = isVoided(heldDocument(change.type, doc))
    ? 'Void'
    : doc.SyncToken === '0'
      ? 'Create'
      : 'Update';
  return {
    realmId,
    entity: change.type,
    id: doc.Id,
    operation,
    lastUpdated: meta?.LastUpdatedTime ?? '',
    document: doc,
  };
}
