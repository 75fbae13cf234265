/** Per-company (realm) state: documents, id and number sequences, exchange rates, the requestid store. */
import type { EmulatorClock } from './clock';
import { defaultExchangeRate } from './currencies';
import type { Json, JsonObject } from './json';
import { ENTITY_NAMES, type EntityName, type RealmSettings } from './types';

export interface StoredDoc {
  doc: JsonObject;
  deleted: boolean;
  /** When it was deleted (emulator clock, ms): ChangeDataCapture reports deletions since a time. */
  deletedAtMs?: number;
}

/** A reply kept for `requestid` replay. */
export interface RecordedReply {
  fingerprint: string;
  status: number;
  body: Json;
}

export const DEFAULT_REALM_SETTINGS: RealmSettings = {
  multiCurrency: false,
  homeCurrency: 'USD',
  customTxnNumbers: false,
  utcOffset: '-07:00',
  companyName: 'Sandbox Company_US_1',
  bookCloseDate: null,
  country: 'US',
};

/** Invoices and credit memos share QBO's transaction id space and the sales-form number sequence. */
function idSpace(entity: EntityName): 'txn' | 'customer' | 'item' {
  return entity === 'Customer' ? 'customer' : entity === 'Item' ? 'item' : 'txn';
}

export class Realm {
  readonly docs: Record<EntityName, Map<string, StoredDoc>> = {
    Invoice: new Map(),
    CreditMemo: new Map(),
    Customer: new Map(),
    Item: new Map(),
  };
  readonly requestIds = new Map<string, RecordedReply>();
  /** DocNumber → ids of live documents, per entity (duplicate checks and auto numbering without scans). */
  private readonly docNumbers = new Map<EntityName, Map<string, Set<string>>>();
  readonly exchangeRates = new Map<string, number>();
  /** Told of every change made through the entity rules (webhook delivery); seeding tells nothing. */
  onChange: ((change: DocumentChange) => void) | undefined;
  private readonly sequences = { txn: 0, customer: 0, item: 0, payment: 0, docNumber: 1000 };

  constructor(
    readonly id: string,
    public settings: RealmSettings,
    readonly createdAt: number,
  ) {}

  settingsUpdate(settings: Partial<RealmSettings>): this {
    this.settings = { ...this.settings, ...settings };
    return this;
  }

  nextId(entity: EntityName): string {
    const space = idSpace(entity);
    this.sequences[space] += 1;
    return String(this.sequences[space]);
  }

  nextPaymentId(): string {
    this.sequences.payment += 1;
    return String(this.sequences.payment);
  }

  /** The next automatic sales-form number that no live invoice or credit memo uses. */
  nextDocNumber(): string {
    const used = (n: string) =>
      this.idsWithDocNumber('Invoice', n).length > 0 || this.idsWithDocNumber('CreditMemo', n).length > 0;
    do this.sequences.docNumber += 1;
    while (used(String(this.sequences.docNumber)));
    return String(this.sequences.docNumber);
  }

  /** Ids of live documents of `entity` with this DocNumber. */
  idsWithDocNumber(entity: EntityName, docNumber: string): string[] {
    return [...(this.docNumbers.get(entity)?.get(docNumber) ?? [])];
  }

  private indexDocNumber(entity: EntityName, doc: JsonObject | undefined, add: boolean): void {
    if (!doc || typeof doc.DocNumber !== 'string' || typeof doc.Id !== 'string') return;
    let byNumber = this.docNumbers.get(entity);
    if (!byNumber) this.docNumbers.set(entity, (byNumber = new Map()));
    let ids = byNumber.get(doc.DocNumber);
    if (!ids) byNumber.set(doc.DocNumber, (ids = new Set()));
    if (add) ids.add(doc.Id);
    else ids.delete(doc.Id);
  }

  get(entity: EntityName, id: string): StoredDoc | undefined {
    return this.docs[entity].get(id);
  }

  /** Documents that are not deleted, in id order. */
  live(entity: EntityName): JsonObject[] {
    return [...this.docs[entity].values()].filter((s) => !s.deleted).map((s) => s.doc);
  }

  put(entity: EntityName, doc: JsonObject): void {
    const id = doc.Id;
    if (typeof id !== 'string') throw new Error(`${entity} without an Id`);
    this.indexDocNumber(entity, this.docs[entity].get(id)?.doc, false);
    this.docs[entity].set(id, { doc, deleted: false });
    this.indexDocNumber(entity, doc, true);
  }

  markDeleted(entity: EntityName, id: string, nowMs?: number): void {
    const stored = this.docs[entity].get(id);
    if (stored) {
      stored.deleted = true;
      stored.deletedAtMs = nowMs;
    }
    this.indexDocNumber(entity, stored?.doc, false);
  }

  /** Home-currency units per unit of `currency`: a rate set for this realm, else the built-in table. */
  exchangeRate(currency: string): number {
    if (currency === this.settings.homeCurrency) return 1;
    return this.exchangeRates.get(currency) ?? defaultExchangeRate(currency, this.settings.homeCurrency);
  }

  documentCounts(): Record<EntityName, number> {
    const counts = { Invoice: 0, CreditMemo: 0, Customer: 0, Item: 0 };
    for (const e of ENTITY_NAMES) counts[e] = this.live(e).length;
    return counts;
  }
}

/** A document created, updated, voided or deleted (through the API or a control switch). */
export interface DocumentChange {
  entity: EntityName;
  id: string;
  operation: 'Create' | 'Update' | 'Void' | 'Delete';
  /** The change's time in the company's offset, as MetaData.LastUpdatedTime gives it. */
  lastUpdated: string;
}

export type RealmSeeder = (realm: Realm, nowMs: number) => void;

const REALM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidRealmId(realmId: string): boolean {
  return REALM_ID.test(realmId);
}

export class Store {
  private readonly realms = new Map<string, Realm>();
  /** Told of every realm's document changes. */
  onChange: ((realmId: string, change: DocumentChange) => void) | undefined;

  constructor(
    private readonly clock: EmulatorClock,
    private defaults: RealmSettings,
    private readonly seeder: RealmSeeder,
  ) {}

  /** The realm, created and seeded on first use. */
  realm(realmId: string, settings?: Partial<RealmSettings>): Realm {
    let realm = this.realms.get(realmId);
    if (!realm) {
      if (!isValidRealmId(realmId)) throw new RangeError(`invalid realm id: ${realmId}`);
      const now = this.clock.now();
      realm = new Realm(realmId, { ...this.defaults, ...settings }, now);
      this.seeder(realm, now);
      realm.onChange = (change) => this.onChange?.(realmId, change);
      this.realms.set(realmId, realm);
    } else if (settings) {
      realm.settingsUpdate(settings);
    }
    return realm;
  }

  has(realmId: string): boolean {
    return this.realms.has(realmId);
  }

  list(): Realm[] {
    return [...this.realms.values()];
  }

  /** Forget every realm; they are re-created (and re-seeded) on next use. */
  reset(): void {
    this.realms.clear();
  }

  deleteRealm(realmId: string): boolean {
    return this.realms.delete(realmId);
  }
}
