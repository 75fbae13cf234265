import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * QuickBooks webhooks (reference/quickbooks.md §9): `intuit-signature` = base64 HMAC-SHA256 of the raw body
 * with the app's verifier token; the legacy `eventNotifications` body and the CloudEvents array both become
 * one notification per changed entity.
 */

export interface QuickBooksNotification {
  realmId: string;
  /** e.g. Invoice, CreditMemo, Customer */
  entity: string;
  id: string;
  /** Create, Update, Delete, Merge, Void (a CloudEvents verb becomes the same word) */
  operation: string;
  lastUpdated: string;
}

export function verifyIntuitSignature(
  verifierToken: string,
  rawBody: Buffer,
  header: string | undefined,
): boolean {
  if (!header) return false;
  const expected = createHmac('sha256', verifierToken).update(rawBody).digest();
  const given = Buffer.from(header, 'base64');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

const capitalise = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1).toLowerCase() : s);
const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

/** The notifications of a body in either format; what cannot be read is left out (and counted). */
export function parseIntuitNotifications(body: unknown): {
  notifications: QuickBooksNotification[];
  unreadable: number;
} {
  const out: QuickBooksNotification[] = [];
  let unreadable = 0;
  if (Array.isArray(body)) {
    // CloudEvents: {type: "qbo.invoice.updated.v1", intuitaccountid, intuitentityid, time}
    for (const e of body as Array<Record<string, unknown>>) {
      const type = /^qbo\.([a-z]+)\.([a-z]+)\.v\d+$/i.exec(str(e?.type) ?? '');
      const realmId = str(e?.intuitaccountid);
      const id = str(e?.intuitentityid);
      if (!type || !realmId || !id) {
        unreadable += 1;
        continue;
      }
      const entity = ENTITY_NAMES.get(type[1]!.toLowerCase()) ?? capitalise(type[1]!);
      out.push({
        realmId,
        entity,
        id,
        operation: VERBS.get(type[2]!.toLowerCase()) ?? capitalise(type[2]!),
        lastUpdated: str(e.time) ?? '',
      });
    }
    return { notifications: out, unreadable };
  }
  const notifications = (body as { eventNotifications?: unknown } | null)?.eventNotifications;
  if (!Array.isArray(notifications)) return { notifications: out, unreadable: 1 };
  for (const n of notifications as Array<Record<string, unknown>>) {
    const realmId = str(n?.realmId);
    const entities = (n?.dataChangeEvent as { entities?: unknown } | undefined)?.entities;
    if (!realmId || !Array.isArray(entities)) {
      unreadable += 1;
      continue;
    }
    for (const e of entities as Array<Record<string, unknown>>) {
      const entity = str(e?.name);
      const id = str(e?.id);
      const operation = str(e?.operation);
      if (!entity || !id || !operation) {
        unreadable += 1;
        continue;
      }
      out.push({ realmId, entity, id, operation, lastUpdated: str(e.lastUpdated) ?? '' });
    }
  }
  return { notifications: out, unreadable };
}

/** CloudEvents' verbs as the legacy body's operations. */
const VERBS = new Map([
  ['created', 'Create'],
  ['updated', 'Update'],
  ['deleted', 'Delete'],
  ['voided', 'Void'],
  ['merged', 'Merge'],
]);

const ENTITY_NAMES = new Map([
  ['invoice', 'Invoice'],
  ['creditmemo', 'CreditMemo'],
  ['customer', 'Customer'],
  ['item', 'Item'],
  ['payment', 'Payment'],
]);
