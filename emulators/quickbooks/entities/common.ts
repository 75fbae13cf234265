/**
 * What every QBO entity shares: system fields (Id, SyncToken, MetaData, domain, sparse), the SyncToken check,
 * sparse vs full update, unknown-property rejection and reference lookups. `defineEntity` wires an entity's
 * own rules (`build`) into create / update / void / delete.
 */
import { formatDateTime } from '../clock';
import { errors, faults } from '../errors';
import { asString, clone, isObject, type JsonObject } from '../json';
import type { Realm, StoredDoc } from '../store';
import type { EntityName } from '../types';

export interface OpContext {
  realm: Realm;
  nowMs: number;
  /** `include=allowduplicatedocnum` was sent. */
  allowDuplicateDocNumber: boolean;
}

export interface EntityRules {
  name: EntityName;
  /** Every property QBO accepts on this entity (from Intuit's XSD); anything else is a 2010 error. */
  known: ReadonlySet<string>;
  /** Properties the client may send back but that the server computes (ignored on input). */
  readOnly: ReadonlySet<string>;
  /** Validates the input and returns the business fields of the stored document (no Id/SyncToken/MetaData). */
  build(ctx: OpContext, input: JsonObject, previous: JsonObject | undefined): JsonObject;
  /** The response form of a stored document (default: as stored). */
  present?(ctx: OpContext, doc: JsonObject): JsonObject;
  /** `?operation=void`: the voided business fields. Absent: void is unsupported. */
  voidFields?(ctx: OpContext, doc: JsonObject): JsonObject;
  /** `?operation=delete`: throws when the document may not be deleted. Absent: delete is unsupported. */
  checkDelete?(ctx: OpContext, doc: JsonObject): void;
}

export interface EntityModule {
  name: EntityName;
  create(ctx: OpContext, body: JsonObject): JsonObject;
  update(ctx: OpContext, body: JsonObject, sparse: boolean): JsonObject;
  void(ctx: OpContext, body: JsonObject): JsonObject;
  delete(ctx: OpContext, body: JsonObject): JsonObject;
  read(ctx: OpContext, id: string): JsonObject;
  present(ctx: OpContext, doc: JsonObject): JsonObject;
}

/** Fields the server owns on every entity. */
export const SYSTEM_FIELDS = ['Id', 'SyncToken', 'MetaData', 'domain', 'sparse', 'status'] as const;

export function timestamp(ctx: OpContext): string {
  return formatDateTime(ctx.nowMs, ctx.realm.settings.utcOffset);
}

/** Replaces a stored document's business fields and stamps the system fields (SyncToken +1 on changes). */
export function stamp(
  ctx: OpContext,
  fields: JsonObject,
  id: string,
  previous: JsonObject | undefined,
): JsonObject {
  const now = timestamp(ctx);
  const prevMeta = previous && isObject(previous.MetaData) ? previous.MetaData : undefined;
  return {
    ...fields,
    domain: 'QBO',
    sparse: false,
    Id: id,
    SyncToken: previous ? String(Number(previous.SyncToken ?? 0) + 1) : '0',
    MetaData: { CreateTime: asString(prevMeta?.CreateTime) ?? now, LastUpdatedTime: now },
  };
}

/** Tells the realm's listener (webhook delivery) of a change. */
export function changed(
  ctx: OpContext,
  entity: EntityName,
  id: string,
  operation: 'Create' | 'Update' | 'Void' | 'Delete',
): void {
  // A deletion's time as ChangeDataCapture reports it (with milliseconds), so both tell the same change.
  const lastUpdated =
    operation === 'Delete' ? formatDateTime(ctx.nowMs, ctx.realm.settings.utcOffset, true) : timestamp(ctx);
  ctx.realm.onChange?.({ entity, id, operation, lastUpdated });
}

/** A live (not deleted) document, or 610 Object Not Found. */
export function requireLive(ctx: OpContext, entity: EntityName, id: string | undefined): StoredDoc {
  if (id === undefined || id === '') throw errors.validation(faults.requiredParam('Id'));
  const stored = ctx.realm.get(entity, id);
  if (!stored || stored.deleted) throw errors.objectNotFound('Id');
  return stored;
}

export function checkSyncToken(stored: StoredDoc, body: JsonObject): void {
  const token = asString(body.SyncToken);
  if (token === undefined || token === '') throw errors.validation(faults.requiredParam('SyncToken'));
  if (token !== stored.doc.SyncToken) throw errors.staleObject();
}

const JAVA_CLASS: Record<EntityName, string> = {
  Invoice: 'Invoice',
  CreditMemo: 'CreditMemo',
  Customer: 'Customer',
  Item: 'Item',
};

export function rejectUnknownFields(entity: EntityName, body: JsonObject, known: ReadonlySet<string>): void {
  for (const key of Object.keys(body)) {
    if (!known.has(key)) {
      throw errors.invalidProperty(
        `Unrecognized field "${key}" (class com.intuit.schema.finance.v3.${JAVA_CLASS[entity]}), not marked as ignorable`,
        key,
      );
    }
  }
}

function writable(doc: JsonObject, readOnly: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(doc)) {
    if (v === undefined || readOnly.has(k) || (SYSTEM_FIELDS as readonly string[]).includes(k)) continue;
    out[k] = v;
  }
  return clone(out);
}

/**
 * A found, active document referenced by `{value}`. A missing one is 2500 Invalid Reference Id naming the
 * field; an inactive item is 2500 too (with an empty element, as QBO answers); an inactive customer is 610.
 */
export function requireReference(realm: Realm, entity: EntityName, id: string, element: string): JsonObject {
  const stored = realm.get(entity, id);
  if (!stored || stored.deleted) throw errors.validation(faults.invalidReference(element));
  if (stored.doc.Active === false)
    throw errors.validation(entity === 'Item' ? faults.inactiveReference() : faults.inactiveObject(element));
  return stored.doc;
}

export function defineEntity(rules: EntityRules): EntityModule {
  const known = new Set<string>([...SYSTEM_FIELDS, ...rules.known, ...rules.readOnly]);
  const present = (ctx: OpContext, doc: JsonObject): JsonObject =>
    rules.present ? rules.present(ctx, doc) : clone(doc);

  const save = (
    ctx: OpContext,
    fields: JsonObject,
    id: string,
    previous: JsonObject | undefined,
    operation: 'Create' | 'Update' | 'Void',
  ): JsonObject => {
    const doc = stamp(ctx, fields, id, previous);
    ctx.realm.put(rules.name, doc);
    changed(ctx, rules.name, id, operation);
    return present(ctx, doc);
  };

  const existing = (ctx: OpContext, body: JsonObject): StoredDoc => {
    const stored = requireLive(ctx, rules.name, asString(body.Id));
    checkSyncToken(stored, body);
    return stored;
  };

  return {
    name: rules.name,
    present,
    create(ctx, body) {
      rejectUnknownFields(rules.name, body, known);
      const fields = rules.build(ctx, writable(body, rules.readOnly), undefined);
      return save(ctx, fields, ctx.realm.nextId(rules.name), undefined, 'Create');
    },
    update(ctx, body, sparse) {
      const stored = existing(ctx, body);
      rejectUnknownFields(rules.name, body, known);
      const sent = writable(body, rules.readOnly);
      const input = sparse ? { ...writable(stored.doc, rules.readOnly), ...sent } : sent;
      const fields = rules.build(ctx, input, stored.doc);
      return save(ctx, fields, stored.doc.Id as string, stored.doc, 'Update');
    },
    void(ctx, body) {
      if (!rules.voidFields) throw errors.unsupportedOperation(`Void for ${rules.name}`);
      const stored = existing(ctx, body);
      return save(ctx, rules.voidFields(ctx, stored.doc), stored.doc.Id as string, stored.doc, 'Void');
    },
    delete(ctx, body) {
      if (!rules.checkDelete) throw errors.unsupportedOperation(`Delete for ${rules.name}`);
      const stored = existing(ctx, body);
      rules.checkDelete(ctx, stored.doc);
      ctx.realm.markDeleted(rules.name, stored.doc.Id as string, ctx.nowMs);
      changed(ctx, rules.name, stored.doc.Id as string, 'Delete');
      return { status: 'Deleted', domain: 'QBO', Id: stored.doc.Id };
    },
    read(ctx, id) {
      const stored = ctx.realm.get(rules.name, id);
      if (!stored || stored.deleted) throw errors.objectNotFound();
      return present(ctx, stored.doc);
    },
  };
}

/** Case- and space-insensitive name comparison (DisplayName, Item Name uniqueness). */
export function sameName(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();
}

/** Throws 6240 when another live document of `entity` already has `name` in `field`. */
export function requireUniqueName(
  realm: Realm,
  entity: EntityName,
  field: string,
  name: string,
  selfId: unknown,
): void {
  const clash = realm.live(entity).find((d) => d.Id !== selfId && sameName(d[field], name));
  if (clash) throw errors.duplicateName(String(clash.Id), field);
}
