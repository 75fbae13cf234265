import { insertAuditEntry, listAuditEntries, type AuditRecord } from '../db/repositories/audit.repository';
import type { Page, PageRequest, Queryable } from '../db/repositories/common';
import { isUuid } from '../db/repositories/common';
import { NotFoundError } from '../domain/errors';
import { getIntegration } from './integrations';

export type { AuditRecord } from '../db/repositories/audit.repository';

/** Who made a change: the API key, or a console session by its short id. */
export type Actor = 'api-key' | `console-session:${string}`;

/** Field names whose values are never written to the audit, at any depth. */
const SECRET_NAME = /token|secret|password|apikey|api_key|authorization|realm/i;

/**
 * What a change touched, for the audit: each field sent, with its value — except secrets, which keep only
 * their name (`"[redacted]"`). Nested objects are walked; arrays and scalars are kept as they are.
 */
export function auditFields(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return {};
  return redact(body as Record<string, unknown>);
}

function redact(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (SECRET_NAME.test(k)) out[k] = '[redacted]';
    else if (typeof v === 'object' && v !== null && !Array.isArray(v))
      out[k] = redact(v as Record<string, unknown>);
    else out[k] = v;
  }
  return out;
}

export interface AuditChange {
  actor: Actor;
  /** The route's audit label, e.g. `integration created`. */
  action: string;
  /** `METHOD /path/{template}`. */
  route: string;
  entityId: string | null;
  integrationId: string | null;
  body: unknown;
}

export async function recordChange(db: Queryable, change: AuditChange): Promise<void> {
  await insertAuditEntry(db, {
    actor: change.actor,
    action: change.action,
    route: change.route,
    entityId: change.entityId,
    integrationId: change.integrationId,
    fields: auditFields(change.body),
  });
}

/** The audit of one integration, newest first; kept after the integration is deleted (404 only when neither exists). */
export async function integrationAudit(
  db: Queryable,
  integrationId: string,
  page: PageRequest,
): Promise<Page<AuditRecord>> {
  if (!isUuid(integrationId)) throw new NotFoundError('Integration', integrationId);
  const found = await listAuditEntries(db, integrationId, page);
  if (found.total === 0) await getIntegration(db, integrationId);
  return found;
}
