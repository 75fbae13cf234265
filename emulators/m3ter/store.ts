/** Per-organization state: every entity collection, in creation order (lists serve them newest first). */
import type { JsonObject } from './json';
import type {
  Account,
  Aggregation,
  Bill,
  CompoundAggregation,
  EntityKind,
  IntegrationConfig,
  M3terEvent,
  NotificationConfiguration,
  OrganizationConfig,
  OrgUser,
  Product,
  WebhookDestination,
} from './types';

export interface Stored<T> {
  /** Creation order across the whole emulator; lists sort by it, newest first. */
  seq: number;
  value: T;
}

export class Collection<T extends JsonObject & { id: string }> {
  private readonly items = new Map<string, Stored<T>>();

  constructor(private readonly nextSeq: () => number) {}

  has(id: string): boolean {
    return this.items.has(id);
  }

  get(id: string): T | undefined {
    return this.items.get(id)?.value;
  }

  /** Adds a new entity (the id must be free) or replaces an existing one in place, keeping its position. */
  put(value: T): T {
    const existing = this.items.get(value.id);
    this.items.set(value.id, { seq: existing?.seq ?? this.nextSeq(), value });
    return value;
  }

  delete(id: string): T | undefined {
    const existing = this.items.get(id);
    this.items.delete(id);
    return existing?.value;
  }

  /** Newest first. */
  list(): Array<Stored<T>> {
    return [...this.items.values()].sort((a, b) => b.seq - a.seq);
  }

  values(): T[] {
    return this.list().map((s) => s.value);
  }

  get size(): number {
    return this.items.size;
  }
}

export class Organization {
  readonly accounts: Collection<Account>;
  readonly products: Collection<Product>;
  readonly aggregations: Collection<Aggregation>;
  readonly compoundAggregations: Collection<CompoundAggregation>;
  readonly users: Collection<OrgUser>;
  readonly bills: Collection<Bill>;
  readonly events: Collection<M3terEvent>;
  readonly webhooks: Collection<WebhookDestination>;
  readonly notifications: Collection<NotificationConfiguration>;
  readonly integrationConfigs: Collection<IntegrationConfig>;
  /** Bills numbered so far (for `sequentialInvoiceNumber`). */
  billsNumbered = 0;

  constructor(
    readonly id: string,
    public config: OrganizationConfig,
    nextSeq: () => number,
  ) {
    this.accounts = new Collection(nextSeq);
    this.products = new Collection(nextSeq);
    this.aggregations = new Collection(nextSeq);
    this.compoundAggregations = new Collection(nextSeq);
    this.users = new Collection(nextSeq);
    this.bills = new Collection(nextSeq);
    this.events = new Collection(nextSeq);
    this.webhooks = new Collection(nextSeq);
    this.notifications = new Collection(nextSeq);
    this.integrationConfigs = new Collection(nextSeq);
  }

  counts(): Record<EntityKind, number> {
    return {
      account: this.accounts.size,
      product: this.products.size,
      aggregation: this.aggregations.size,
      compoundaggregation: this.compoundAggregations.size,
      user: this.users.size,
      bill: this.bills.size,
      event: this.events.size,
      webhook: this.webhooks.size,
      notification: this.notifications.size,
      integrationconfig: this.integrationConfigs.size,
    };
  }
}
