import type { Db } from '../db/pool';
import { isUuid } from '../db/repositories/common';
import { NotFoundError } from '../domain/errors';

/** Runs of one UTC day, by status (statuses with no run that day are absent). */
export interface OverviewDay {
  day: string;
  counts: Record<string, number>;
  total: number;
}

export interface IntegrationOverview {
  integrationId: string;
  name: string;
  days: number;
  from: string;
  to: string;
  /** One entry per UTC day of the window, oldest first, days without runs included. */
  runsByDay: OverviewDay[];
  /**
   * Bill-to-document latency of the window's COMPLETE runs: completed_at − started_at (the run is created when
   * the bill event arrives), in milliseconds; null when no run completed.
   */
  latency: { completedRuns: number; p50Ms: number | null; p95Ms: number | null };
  needsAction: {
    enabled: boolean;
    autoDisabled: boolean;
    disabledAt: string | null;
    disabledReason: string | null;
    unactionedEvents: number;
    /** Bills whose latest run (in the window) is in ERROR. */
    runsInError: number;
    credential: {
      id: string;
      status: string;
      /** The refresh token's hard expiry (re-authorization needed after it). */
      expiresAt: string | null;
      /** Expired, not authorized, or expiring within 14 days. */
      needsAttention: boolean;
    } | null;
  };
}

const MS_PER_DAY = 86_400_000;
const EXPIRY_WARNING_DAYS = 14;

/** The console's overview of one integration over the last `days` UTC days (today included), computed in SQL. */
export async function integrationOverview(
  db: Db,
  integrationId: string,
  days: number,
  now: Date = new Date(),
): Promise<IntegrationOverview> {
  const integration = isUuid(integrationId)
    ? (
        await db.query<{
          id: string;
          name: string;
          enabled: boolean;
          disabled_at: Date | null;
          disabled_reason: string | null;
          credential_id: string | null;
          cred_status: string | null;
          expires_at: Date | null;
        }>(
          `SELECT i.id, i.name, i.enabled, i.disabled_at, i.disabled_reason, i.credential_id,
                  c.status AS cred_status,
                  COALESCE(c.refresh_token_hard_expires_at, c.refresh_token_expires_at) AS expires_at
             FROM integrations i LEFT JOIN credentials c ON c.id = i.credential_id
            WHERE i.id = $1`,
          [integrationId],
        )
      ).rows[0]
    : undefined;
  if (!integration) throw new NotFoundError('Integration', integrationId);

  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const from = new Date(today - (days - 1) * MS_PER_DAY);
  const to = new Date(today + MS_PER_DAY);

  const [byDay, latency, events, errors] = await Promise.all([
    db.query<{ day: string; status: string; n: number }>(
      `SELECT to_char(date_trunc('day', started_at AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, status, count(*)::int AS n
         FROM integration_runs
        WHERE integration_id = $1 AND started_at >= $2 AND started_at < $3
        GROUP BY 1, 2`,
      [integrationId, from, to],
    ),
    db.query<{ n: number; p50: number | null; p95: number | null }>(
      `SELECT count(*)::int AS n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50,
              percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
         FROM (SELECT extract(epoch FROM (completed_at - started_at)) * 1000 AS ms
                 FROM integration_runs
                WHERE integration_id = $1 AND status = 'COMPLETE' AND completed_at IS NOT NULL
                  AND started_at >= $2 AND started_at < $3) r`,
      [integrationId, from, to],
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM integration_events WHERE integration_id = $1 AND NOT actioned`,
      [integrationId],
    ),
    db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT DISTINCT ON (bill_id) status FROM integration_runs
          WHERE integration_id = $1 AND started_at >= $2 AND started_at < $3
          ORDER BY bill_id, started_at DESC) latest
        WHERE status = 'ERROR'`,
      [integrationId, from, to],
    ),
  ]);

  const runsByDay: OverviewDay[] = [];
  for (let t = from.getTime(); t < to.getTime(); t += MS_PER_DAY) {
    runsByDay.push({ day: new Date(t).toISOString().slice(0, 10), counts: {}, total: 0 });
  }
  const index = new Map(runsByDay.map((d) => [d.day, d]));
  for (const row of byDay.rows) {
    const day = index.get(row.day);
    if (!day) continue;
    day.counts[row.status] = row.n;
    day.total += row.n;
  }

  const round = (v: number | null) => (v === null ? null : Math.round(Number(v)));
  const expiresAt = integration.expires_at;
  const credential = integration.credential_id
    ? {
        id: integration.credential_id,
        status: integration.cred_status ?? 'UNKNOWN',
        expiresAt: expiresAt ? expiresAt.toISOString() : null,
        needsAttention:
          integration.cred_status !== 'AUTHORIZED' ||
          (expiresAt !== null && expiresAt.getTime() - now.getTime() < EXPIRY_WARNING_DAYS * MS_PER_DAY),
      }
    : null;

  return {
    integrationId: integration.id,
    name: integration.name,
    days,
    from: from.toISOString(),
    to: to.toISOString(),
    runsByDay,
    latency: {
      completedRuns: latency.rows[0]?.n ?? 0,
      p50Ms: round(latency.rows[0]?.p50 ?? null),
      p95Ms: round(latency.rows[0]?.p95 ?? null),
    },
    needsAction: {
      enabled: integration.enabled,
      autoDisabled: !integration.enabled && integration.disabled_at !== null,
      disabledAt: integration.disabled_at ? integration.disabled_at.toISOString() : null,
      disabledReason: integration.disabled_reason,
      unactionedEvents: events.rows[0]?.n ?? 0,
      runsInError: errors.rows[0]?.n ?? 0,
      credential,
    },
  };
}
