import { inTransaction, type Db } from '../db/pool';
import { findCredential, type Credential } from '../db/repositories/credentials';
import { integrationIdsUsingCredential } from '../db/repositories/integrations';
import { recordIntegrationEvent } from '../db/repositories/integration-events.repository';
import {
  claimExpiryWarnings,
  clearStaleExpiryWarnings,
  credentialsExpiringBefore,
  type ExpiryKind,
} from '../db/repositories/quickbooks-connection';
import type { Logger } from '../platform/logger';

/**
 * Warns operators before a QuickBooks connection runs out (quickbooks.md §7): the rolling refresh token
 * (~100 days, pushed out by every refresh) and Intuit's 5-year hard cap on the authorization. Each is an
 * `integration.authentication.error` event on every integration using the credential, recorded once per
 * credential, kind and threshold (e.g. 14 days, then 3 days). Checked whenever the connector uses a
 * credential (cheap: only a credential inside a window touches the database) and by a periodic sweep, which
 * catches the credentials nobody uses — the ones whose rolling refresh token actually runs out.
 */

export const DEFAULT_WARNING_DAYS: readonly number[] = [14, 3];
const DAY_MS = 86_400_000;

export interface DueWarning {
  kind: ExpiryKind;
  expiresAt: string;
  /** The tightest threshold the expiry is inside of. */
  thresholdDays: number;
  /** Every threshold the expiry is inside of (the tightest and the wider ones). */
  crossed: number[];
}

type ExpiryFacts = Pick<Credential, 'status' | 'refreshTokenExpiresAt' | 'refreshTokenHardExpiresAt'>;

/** Which warnings are due for a credential at `now` (pure). */
export function dueWarnings(
  credential: ExpiryFacts,
  now: Date,
  thresholdsDays: readonly number[],
): DueWarning[] {
  if (credential.status !== 'AUTHORIZED' || thresholdsDays.length === 0) return [];
  const due: DueWarning[] = [];
  const kinds: Array<[ExpiryKind, string | null]> = [
    ['refresh_token', credential.refreshTokenExpiresAt],
    ['hard_cap', credential.refreshTokenHardExpiresAt],
  ];
  for (const [kind, expiresAt] of kinds) {
    if (!expiresAt) continue;
    const remaining = Date.parse(expiresAt) - now.getTime();
    const crossed = thresholdsDays.filter((days) => remaining <= days * DAY_MS).sort((a, b) => a - b);
    const tightest = crossed[0];
    if (tightest !== undefined) due.push({ kind, expiresAt, thresholdDays: tightest, crossed });
  }
  return due;
}

export interface ExpiryWarningOptions {
  db: Db;
  logger?: Logger;
  thresholdsDays?: readonly number[];
  now?: () => Date;
}

/**
 * Records the due warnings of one credential that were not recorded yet; returns how many events were written.
 * A credential no integration uses is not marked as warned, so attaching it later still warns.
 */
export async function recordExpiryWarnings(
  options: ExpiryWarningOptions,
  credential: Credential,
): Promise<number> {
  const now = (options.now ?? (() => new Date()))();
  const due = dueWarnings(credential, now, options.thresholdsDays ?? DEFAULT_WARNING_DAYS);
  let written = 0;
  for (const warning of due) {
    written += await inTransaction(options.db, async (client) => {
      const integrationIds = await integrationIdsUsingCredential(client, credential.id);
      if (integrationIds.length === 0) return 0;
      const claimed = await claimExpiryWarnings(client, {
        credentialId: credential.id,
        kind: warning.kind,
        thresholdsDays: warning.crossed,
        expiresAt: warning.expiresAt,
      });
      if (!claimed.includes(warning.thresholdDays)) return 0;
      const message = warningMessage(credential, warning, now);
      for (const integrationId of integrationIds) {
        await recordIntegrationEvent(client, {
          integrationId,
          eventType: 'integration.authentication.error',
          message,
          details: {
            credentialId: credential.id,
            kind: warning.kind,
            expiresAt: warning.expiresAt,
            thresholdDays: warning.thresholdDays,
          },
        });
      }
      options.logger?.warn(
        { credentialId: credential.id, kind: warning.kind, expiresAt: warning.expiresAt },
        'QuickBooks credential expires soon',
      );
      return integrationIds.length;
    });
  }
  return written;
}

function warningMessage(credential: Credential, warning: DueWarning, now: Date): string {
  const days = Math.max(0, Math.floor((Date.parse(warning.expiresAt) - now.getTime()) / DAY_MS));
  const when = `${warning.expiresAt.slice(0, 10)} (in ${days} day${days === 1 ? '' : 's'})`;
  const what =
    warning.kind === 'hard_cap'
      ? `Intuit's 5-year limit on the authorization ends on ${when}`
      : `its refresh token expires on ${when} because it has not been used`;
  return (
    `QuickBooks credential "${credential.name}" (company ${credential.realmId ?? 'unknown'}): ${what}. ` +
    `Reconnect it (GET /credentials/${credential.id}/connect) before then, or syncs will end in AUTH_FAILED.`
  );
}

/** One pass over every credential: records due warnings and forgets the ones that no longer apply. */
export async function sweepExpiryWarnings(options: ExpiryWarningOptions): Promise<number> {
  const now = (options.now ?? (() => new Date()))();
  const thresholds = options.thresholdsDays ?? DEFAULT_WARNING_DAYS;
  await clearStaleExpiryWarnings(options.db, now);
  const widest = Math.max(0, ...thresholds);
  let written = 0;
  for (const id of await credentialsExpiringBefore(options.db, new Date(now.getTime() + widest * DAY_MS))) {
    const credential = await findCredential(options.db, id);
    if (credential) written += await recordExpiryWarnings({ ...options, now: () => now }, credential);
  }
  return written;
}

/** Runs the sweep now and then every `intervalMs` (default 6 hours) until stopped. Failures are logged, never thrown. */
export function startExpiryWatch(options: ExpiryWarningOptions & { intervalMs?: number }): {
  stop(): Promise<void>;
} {
  let running: Promise<unknown> = Promise.resolve();
  const tick = () => {
    running = sweepExpiryWarnings(options).catch((err: unknown) =>
      options.logger?.error({ err }, 'credential expiry check failed'),
    );
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? 6 * 3_600_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
