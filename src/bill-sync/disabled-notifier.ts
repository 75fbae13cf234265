import type { Db } from '../db/pool';
import { findIntegration } from '../db/repositories/integrations';
import {
  claimNotification,
  getDisablement,
  settleNotification,
} from '../db/repositories/integration-events.repository';
import { FAILURE_RUN_STATUSES } from '../domain/run-status';
import type { Logger } from '../platform/logger';
import type { Mailer } from '../platform/mailer';
import type { ReferenceCache } from '../settings/reference-cache';
import { getReferenceObject, ORG_USERS } from '../settings/reference-data';

export interface DisabledNotifier {
  /** E-mails every notification user of the integration once for this disablement. */
  notify(integrationId: string, disablementId: string): Promise<void>;
}

export function createDisabledNotifier(deps: {
  db: Db;
  mailer: Mailer | undefined;
  logger: Logger;
  publicBaseUrl: string;
  /** Users are read from m3ter when not stored (or stale). */
  reference?: ReferenceCache;
}): DisabledNotifier {
  return {
    async notify(integrationId, disablementId) {
      const { db, mailer, logger } = deps;
      const integration = await findIntegration(db, integrationId);
      const disablement = await getDisablement(db, disablementId);
      if (!integration || !disablement) return;
      const failures: string[] = [];
      const userIds = integration.integrationDisabledNotificationUserIds;
      await deps.reference
        ?.ensure(userIds.map((id) => ({ kind: 'OrgUser' as const, id })))
        .catch((err: unknown) =>
          logger.warn({ err, integrationId }, 'm3ter users could not be read; e-mailing the users stored'),
        );
      for (const userId of userIds) {
        const user = await getReferenceObject(db, ORG_USERS, userId);
        if (!user) {
          logger.warn({ integrationId, userId }, 'notification user unknown; no e-mail sent');
          continue;
        }
        const claim = await claimNotification(db, disablementId, userId, user.email);
        if (claim === 'sent') continue;
        if (claim === 'in-progress') {
          // Another attempt is sending it, or died doing so: look again on the next retry.
          failures.push(`${userId}: a send is in progress`);
          continue;
        }
        if (!mailer) {
          logger.warn({ integrationId, userId }, 'SMTP_URL is not set; the disablement e-mail was not sent');
          await settleNotification(db, disablementId, userId, { sent: false, error: 'SMTP_URL is not set' });
          continue;
        }
        try {
          const { messageId } = await mailer.send({
            to: user.email,
            subject: `QuickBooks integration "${integration.name}" was disabled`,
            text: disabledEmailText({
              integrationName: integration.name,
              integrationId,
              reason: disablement.reason,
              lastErrors: disablement.lastErrors,
              disabledAt: disablement.createdAt,
              publicBaseUrl: deps.publicBaseUrl,
            }),
          });
          await settleNotification(db, disablementId, userId, { sent: true, messageId });
        } catch (err) {
          await settleNotification(db, disablementId, userId, { sent: false, error: (err as Error).message });
          failures.push(`${userId}: ${(err as Error).message}`);
        }
      }
      // Throwing lets Temporal retry; only the failed recipients are sent again (claims of the others stand).
      if (failures.length) throw new Error(`disablement e-mail failed for ${failures.join('; ')}`);
    },
  };
}

export function disabledEmailText(d: {
  integrationName: string;
  integrationId: string;
  reason: string;
  lastErrors: unknown[];
  disabledAt: string;
  publicBaseUrl: string;
}): string {
  const errors = d.lastErrors
    .map((e) => {
      const r = e as { billId?: string; status?: string; message?: string; at?: string };
      return `  - bill ${r.billId ?? '?'}: ${r.status ?? 'ERROR'}: ${r.message ?? ''}${r.at ? ` (${r.at})` : ''}`;
    })
    .join('\n');
  return [
    `The QuickBooks integration "${d.integrationName}" (${d.integrationId}) was disabled automatically at ${d.disabledAt}.`,
    '',
    `Why: ${d.reason}`,
    '',
    'Last errors:',
    errors || '  (none recorded)',
    '',
    'While it is disabled, bills are recorded as DISABLED runs and nothing is sent to QuickBooks.',
    '',
    'To re-enable it, fix the cause, then:',
    `  curl -X POST -H "Authorization: Bearer $ADMIN_API_KEY" ${d.publicBaseUrl}/integrations/${d.integrationId}/enable`,
    'and replay what failed or was skipped while it was disabled:',
    `  curl -X POST -H "Authorization: Bearer $ADMIN_API_KEY" -H "Content-Type: application/json" \\`,
    `    -d '${JSON.stringify({ statuses: [...FAILURE_RUN_STATUSES, 'DISABLED'] })}' ${d.publicBaseUrl}/integrations/${d.integrationId}/replay`,
  ].join('\n');
}
