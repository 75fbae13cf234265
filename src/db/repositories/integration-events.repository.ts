import { z } from 'zod';
import type { Queryable } from './common';
import { INTEGRATION_EVENT_TYPES, type IntegrationEventType } from '../../domain/run-status';

const iso = z.union([z.date(), z.string()]).transform((v) => (v instanceof Date ? v.toISOString() : v));

const EventRowSchema = z
  .object({
    id: z.string(),
    integration_id: z.string(),
    event_type: z.enum(INTEGRATION_EVENT_TYPES),
    message: z.string(),
    run_id: z.string().nullable(),
    bill_id: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    actioned: z.boolean(),
    actioned_at: iso.nullable(),
    created_at: iso,
  })
  .transform((r) => ({
    id: r.id,
    integrationId: r.integration_id,
    eventType: r.event_type,
    message: r.message,
    runId: r.run_id,
    billId: r.bill_id,
    details: r.details,
    actioned: r.actioned,
    actionedAt: r.actioned_at,
    createdAt: r.created_at,
  }));
export type IntegrationEvent = z.infer<typeof EventRowSchema>;

export interface NewIntegrationEvent {
  integrationId: string;
  eventType: IntegrationEventType;
  message: string;
  runId?: string | null;
  billId?: string | null;
  details?: Record<string, unknown>;
}

/** Records an event; a run records each event type at most once (activity retries add nothing). */
export async function recordIntegrationEvent(db: Queryable, e: NewIntegrationEvent): Promise<void> {
  await db.query(
    `INSERT INTO integration_events (integration_id, event_type, message, run_id, bill_id, details)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (run_id, event_type) WHERE run_id IS NOT NULL DO NOTHING`,
    [
      e.integrationId,
      e.eventType,
      e.message,
      e.runId ?? null,
      e.billId ?? null,
      JSON.stringify(e.details ?? {}),
    ],
  );
}

export interface EventFilter {
  integrationId?: string;
  eventType?: IntegrationEventType;
  actioned?: boolean;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

export async function listIntegrationEvents(db: Queryable, filter: EventFilter): Promise<IntegrationEvent[]> {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (column: string, op: string, value: unknown) => {
    values.push(value);
    where.push(`${column} ${op} $${values.length}`);
  };
  if (filter.integrationId) add('integration_id', '=', filter.integrationId);
  if (filter.eventType) add('event_type', '=', filter.eventType);
  if (filter.actioned !== undefined) add('actioned', '=', filter.actioned);
  if (filter.from) add('created_at', '>=', filter.from);
  if (filter.to) add('created_at', '<', filter.to);
  values.push(Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0);
  const { rows } = await db.query(
    `SELECT * FROM integration_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  return rows.map((r) => EventRowSchema.parse(r));
}

export async function getIntegrationEvent(db: Queryable, id: string): Promise<IntegrationEvent | undefined> {
  const { rows } = await db.query('SELECT * FROM integration_events WHERE id = $1', [id]);
  return rows[0] ? EventRowSchema.parse(rows[0]) : undefined;
}

export async function markEventActioned(
  db: Queryable,
  id: string,
  actioned: boolean,
): Promise<IntegrationEvent | undefined> {
  const { rows } = await db.query(
    `UPDATE integration_events SET actioned = $2, actioned_at = CASE WHEN $2 THEN coalesce(actioned_at, now()) ELSE NULL END
     WHERE id = $1 RETURNING *`,
    [id, actioned],
  );
  return rows[0] ? EventRowSchema.parse(rows[0]) : undefined;
}

/** The disablement a run's failure caused, if any (named by the run's integration.disabled.error event). */
export async function disablementCausedByRun(db: Queryable, runId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ disablement_id: string | null }>(
    `SELECT details->>'disablementId' AS disablement_id FROM integration_events
     WHERE run_id = $1 AND event_type = 'integration.disabled.error'`,
    [runId],
  );
  return rows[0]?.disablement_id ?? undefined;
}

export async function createDisablement(
  db: Queryable,
  d: { integrationId: string; reason: string; lastErrors: unknown[] },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO integration_disablements (integration_id, reason, last_errors) VALUES ($1, $2, $3) RETURNING id',
    [d.integrationId, d.reason, JSON.stringify(d.lastErrors)],
  );
  return rows[0]!.id;
}

export async function getDisablement(
  db: Queryable,
  id: string,
): Promise<
  { id: string; integrationId: string; reason: string; lastErrors: unknown[]; createdAt: string } | undefined
> {
  const { rows } = await db.query<{
    id: string;
    integration_id: string;
    reason: string;
    last_errors: unknown[];
    created_at: Date;
  }>('SELECT * FROM integration_disablements WHERE id = $1', [id]);
  const r = rows[0];
  return (
    r && {
      id: r.id,
      integrationId: r.integration_id,
      reason: r.reason,
      lastErrors: r.last_errors,
      createdAt: r.created_at.toISOString(),
    }
  );
}

/** A claim this old whose send never settled belonged to a worker that died mid-send: take it again. */
export const NOTIFICATION_CLAIM_STALE_MS = 5 * 60_000;

/**
 * Claims the e-mail of one user for one disablement: `claimed` for the first claim (or after a failed or
 * abandoned send), so a retried activity or a second worker never sends it twice; `sent` once it went out;
 * `in-progress` while another attempt holds a fresh claim.
 */
export async function claimNotification(
  db: Queryable,
  disablementId: string,
  userId: string,
  email: string,
): Promise<'claimed' | 'sent' | 'in-progress'> {
  const { rowCount } = await db.query(
    `INSERT INTO disablement_notifications (disablement_id, user_id, email, state) VALUES ($1, $2, $3, 'sending')
     ON CONFLICT (disablement_id, user_id) DO UPDATE SET state = 'sending', updated_at = now()
       WHERE disablement_notifications.state = 'failed'
          OR (disablement_notifications.state = 'sending'
              AND disablement_notifications.updated_at < now() - $4::int * interval '1 millisecond')`,
    [disablementId, userId, email, NOTIFICATION_CLAIM_STALE_MS],
  );
  if (rowCount === 1) return 'claimed';
  const { rows } = await db.query<{ state: string }>(
    `SELECT state FROM disablement_notifications WHERE disablement_id = $1 AND user_id = $2`,
    [disablementId, userId],
  );
  return rows[0]?.state === 'sent' ? 'sent' : 'in-progress';
}

export async function settleNotification(
  db: Queryable,
  disablementId: string,
  userId: string,
  outcome: { sent: true; messageId?: string } | { sent: false; error: string },
): Promise<void> {
  await db.query(
    `UPDATE disablement_notifications SET state = $3, message_id = $4, error = $5, updated_at = now()
     WHERE disablement_id = $1 AND user_id = $2`,
    [
      disablementId,
      userId,
      outcome.sent ? 'sent' : 'failed',
      outcome.sent ? (outcome.messageId ?? null) : null,
      outcome.sent ? null : outcome.error,
    ],
  );
}
