/**
 * The emulator's control surface for tests and other programs: organizations, credentials, reference data,
 * bills and their lifecycle (each change makes an m3ter Event and delivers it), webhook set-up, deliveries,
 * faults, counters and the clock. In-process as `RunningM3terEmulator.control`; over HTTP under /_emulator.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  billTotal,
  buildAccount,
  buildAggregation,
  buildBill,
  buildCompoundAggregation,
  buildIntegrationConfig,
  buildLineItem,
  buildNotification,
  buildOrgConfig,
  buildProduct,
  buildUser,
  buildWebhook,
} from './entities';
import { ApiError, ControlError } from './errors';
import { clone, type JsonObject } from './json';
import { CONTROL_ACTOR, type EmulatorState, type EventEntity } from './state';
import type { Collection, Organization } from './store';
import type {
  Account,
  AccountInput,
  Aggregation,
  AggregationInput,
  ApiCredentials,
  AuthSettings,
  Bill,
  BillInput,
  ClockSnapshot,
  CompoundAggregation,
  CompoundAggregationInput,
  CountersSnapshot,
  DeliveryFilter,
  DeliveryRecord,
  DeliverySettings,
  DropRule,
  FaultAction,
  FaultMatch,
  FaultSettings,
  FaultState,
  GenerateBillInput,
  IntegrationConfig,
  IntegrationConfigInput,
  M3terEvent,
  NotificationConfiguration,
  NotificationConfigurationInput,
  OrganizationConfig,
  OrganizationConfigInput,
  OrganizationSummary,
  OrgUser,
  OrgUserInput,
  Product,
  ProductInput,
  QueuedFault,
  RecalculateBillInput,
  Subscription,
  SubscriptionInput,
  TokenGrantSnapshot,
  WebhookDestination,
  WebhookDestinationInput,
} from './types';

/** Every event name the emulator produces. */
export const EMULATED_EVENT_NAMES: readonly string[] = [
  'billing.bill.created',
  'billing.bill.updated',
  'billing.bill.deleted',
  ...['account', 'product', 'aggregation', 'compoundaggregation'].flatMap((e) =>
    ['created', 'updated', 'deleted'].map((v) => `configuration.${e}.${v}`),
  ),
];

export interface M3terEmulatorClockControl {
  now(): number;
  advance(ms: number): number;
  set(time: number | string): number;
  snapshot(): ClockSnapshot;
}

type ReferenceKind = 'account' | 'product' | 'aggregation' | 'compoundaggregation';

export class M3terEmulatorControl {
  readonly clock: M3terEmulatorClockControl;

  constructor(private readonly state: EmulatorState) {
    const clock = state.clock;
    this.clock = {
      now: () => clock.now(),
      advance: (ms) => clock.advance(ms),
      set: (time) => clock.set(time),
      snapshot: () => ({ nowMs: clock.now(), iso: clock.iso() }),
    };
  }

  get defaultOrgId(): string {
    return this.state.defaultOrgId;
  }

  /** Back to the state right after start: only the default organization and its credentials. */
  reset(): void {
    this.state.reset();
  }

  // ---- organizations and credentials ---------------------------------------------------------------

  private org(orgId: string): Organization {
    return this.state.org(orgId);
  }

  private summary(org: Organization): OrganizationSummary {
    return { orgId: org.id, config: clone(org.config), counts: org.counts() };
  }

  /** Creates an organization (a new UUID when no id is given) with its configuration. */
  createOrganization(orgId?: string, config: OrganizationConfigInput = {}): OrganizationSummary {
    let id = orgId;
    while (id === undefined || (orgId === undefined && this.state.hasOrg(id))) id = randomUUID();
    return this.summary(this.state.createOrg(id, config));
  }

  organizations(): OrganizationSummary[] {
    return this.state.allOrgs().map((o) => this.summary(o));
  }

  organization(orgId: string): OrganizationSummary {
    return this.summary(this.org(orgId));
  }

  updateOrganizationConfig(orgId: string, config: OrganizationConfigInput): OrganizationConfig {
    const org = this.org(orgId);
    org.config = buildOrgConfig(orgId, config, this.state.ctx(), org.config);
    return clone(org.config);
  }

  /** Registers an API key and secret for the organization (generated when not given). */
  createApiCredentials(
    orgId: string,
    credentials: { apiKey?: string; apiSecret?: string } = {},
  ): ApiCredentials {
    return this.state.registerCredentials({
      orgId,
      apiKey: credentials.apiKey ?? `m3emu-key-${randomBytes(8).toString('hex')}`,
      apiSecret: credentials.apiSecret ?? randomBytes(24).toString('base64url'),
    });
  }

  apiCredentials(orgId?: string): ApiCredentials[] {
    return this.state.auth.list(orgId);
  }

  /** An access token for the organization without the token call (counts as no grant). */
  mintToken(orgId: string): TokenGrantSnapshot {
    this.org(orgId);
    return this.state.auth.mint(orgId);
  }

  /** Every access token (of one organization, or all) expires now; returns how many did. */
  expireTokens(orgId?: string): number {
    return this.state.auth.expire(orgId);
  }

  setAuthSettings(settings: Partial<AuthSettings>): AuthSettings {
    if (settings.tokenTtlSeconds !== undefined && !(settings.tokenTtlSeconds >= 1))
      throw new ControlError('tokenTtlSeconds must be at least 1');
    this.state.auth.settings = { ...this.state.auth.settings, ...settings };
    return { ...this.state.auth.settings };
  }

  // ---- reference data (each change is an event) -----------------------------------------------------

  private collection(org: Organization, kind: ReferenceKind): Collection<JsonObject & { id: string }> {
    const map = {
      account: org.accounts,
      product: org.products,
      aggregation: org.aggregations,
      compoundaggregation: org.compoundAggregations,
    } as const;
    return map[kind] as unknown as Collection<JsonObject & { id: string }>;
  }

  private created<T extends JsonObject & { id: string }>(
    org: Organization,
    kind: EventEntity,
    value: T,
    into: Collection<T>,
  ): T {
    into.put(value);
    this.state.emit(org, kind, 'created', value);
    return clone(value);
  }

  private updated<T extends JsonObject & { id: string }>(
    org: Organization,
    kind: EventEntity,
    next: T,
    old: T,
    into: Collection<T>,
  ): T {
    into.put(next);
    this.state.emit(org, kind, 'updated', next, old);
    return clone(next);
  }

  private deleted(org: Organization, kind: ReferenceKind, id: string): JsonObject {
    const old = this.collection(org, kind).delete(id);
    if (!old) throw new ApiError(404, `${kind} ${id} not found`);
    this.state.emit(org, kind, 'deleted', undefined, old);
    return clone(old);
  }

  private existing<T extends JsonObject & { id: string }>(into: Collection<T>, kind: string, id: string): T {
    const value = into.get(id);
    if (!value) throw new ApiError(404, `${kind} ${id} not found`);
    return value;
  }

  createAccount(orgId: string, input: AccountInput): Account {
    const org = this.org(orgId);
    return this.created(org, 'account', buildAccount(org, input, this.state.ctx()), org.accounts);
  }

  updateAccount(orgId: string, id: string, patch: Partial<AccountInput>): Account {
    const org = this.org(orgId);
    const old = this.existing(org.accounts, 'account', id);
    const next = buildAccount(org, { ...old, ...patch, id: old.id }, this.state.ctx(), old);
    return this.updated(org, 'account', next, old, org.accounts);
  }

  deleteAccount(orgId: string, id: string): Account {
    return this.deleted(this.org(orgId), 'account', id) as Account;
  }

  accounts(orgId: string): Account[] {
    return clone(this.org(orgId).accounts.values());
  }

  createProduct(orgId: string, input: ProductInput): Product {
    const org = this.org(orgId);
    return this.created(org, 'product', buildProduct(org, input, this.state.ctx()), org.products);
  }

  updateProduct(orgId: string, id: string, patch: Partial<ProductInput>): Product {
    const org = this.org(orgId);
    const old = this.existing(org.products, 'product', id);
    const next = buildProduct(org, { ...old, ...patch, id: old.id }, this.state.ctx(), old);
    return this.updated(org, 'product', next, old, org.products);
  }

  deleteProduct(orgId: string, id: string): Product {
    return this.deleted(this.org(orgId), 'product', id) as Product;
  }

  products(orgId: string): Product[] {
    return clone(this.org(orgId).products.values());
  }

  createAggregation(orgId: string, input: AggregationInput): Aggregation {
    const org = this.org(orgId);
    return this.created(org, 'aggregation', buildAggregation(org, input, this.state.ctx()), org.aggregations);
  }

  updateAggregation(orgId: string, id: string, patch: Partial<AggregationInput>): Aggregation {
    const org = this.org(orgId);
    const old = this.existing(org.aggregations, 'aggregation', id);
    const next = buildAggregation(org, { ...old, ...patch, id: old.id }, this.state.ctx(), old);
    return this.updated(org, 'aggregation', next, old, org.aggregations);
  }

  deleteAggregation(orgId: string, id: string): Aggregation {
    return this.deleted(this.org(orgId), 'aggregation', id) as Aggregation;
  }

  aggregations(orgId: string): Aggregation[] {
    return clone(this.org(orgId).aggregations.values());
  }

  createCompoundAggregation(orgId: string, input: CompoundAggregationInput): CompoundAggregation {
    const org = this.org(orgId);
    const value = buildCompoundAggregation(org, input, this.state.ctx());
    return this.created(org, 'compoundaggregation', value, org.compoundAggregations);
  }

  updateCompoundAggregation(
    orgId: string,
    id: string,
    patch: Partial<CompoundAggregationInput>,
  ): CompoundAggregation {
    const org = this.org(orgId);
    const old = this.existing(org.compoundAggregations, 'compound aggregation', id);
    const next = buildCompoundAggregation(org, { ...old, ...patch, id: old.id }, this.state.ctx(), old);
    return this.updated(org, 'compoundaggregation', next, old, org.compoundAggregations);
  }

  deleteCompoundAggregation(orgId: string, id: string): CompoundAggregation {
    return this.deleted(this.org(orgId), 'compoundaggregation', id) as CompoundAggregation;
  }

  compoundAggregations(orgId: string): CompoundAggregation[] {
    return clone(this.org(orgId).compoundAggregations.values());
  }

  /** Organization users (no event: m3ter's user changes are not among the events this emulates). */
  createUser(orgId: string, input: OrgUserInput): OrgUser {
    const org = this.org(orgId);
    return clone(org.users.put(buildUser(org, input, this.state.ctx())));
  }

  users(orgId: string): OrgUser[] {
    return clone(this.org(orgId).users.values());
  }

  // ---- bills -----------------------------------------------------------------------------------------

  /** A bill exactly as given (status and version included), defaults filled in; `billing.bill.created`. */
  createBill(orgId: string, input: BillInput): Bill {
    const org = this.org(orgId);
    const { bill, commit } = buildBill(org, input, this.state.ctx());
    commit();
    return this.created(org, 'bill', bill, org.bills);
  }

  /**
   * Serves exactly this bill from now on (no defaults filled in, no event): for a test that decides what
   * m3ter holds and delivers the event itself.
   */
  putBill(orgId: string, bill: Bill): Bill {
    const org = this.org(orgId);
    org.bills.put(clone(bill));
    return clone(bill);
  }

  /** What a bill run does: a new bill, PENDING, version 1; `billing.bill.created`. */
  generateBill(orgId: string, input: GenerateBillInput): Bill {
    const { status: _s, version: _v, ...rest } = input as BillInput;
    return this.createBill(orgId, { ...rest, status: 'PENDING', version: 1 });
  }

  /** PENDING → APPROVED, version + 1; `billing.bill.updated` with the old and new bill. */
  approveBill(orgId: string, billId: string): Bill {
    const org = this.org(orgId);
    const old = this.existing(org.bills, 'bill', billId);
    if (old.status === 'APPROVED') throw new ApiError(409, `bill ${billId} is already APPROVED`);
    const ctx = this.state.ctx();
    const next: Bill = {
      ...clone(old),
      status: 'APPROVED',
      version: old.version + 1,
      dtApproved: ctx.now,
      approvedBy: ctx.actor,
      dtLastModified: ctx.now,
      lastModifiedBy: ctx.actor,
    };
    return this.updated(org, 'bill', next, old, org.bills);
  }

  /**
   * A recalculation: new line items (all replaced, new ids) and/or new subtotals of existing lines; version
   * + 1 and, as m3ter does, back to PENDING; `billing.bill.updated`.
   */
  recalculateBill(orgId: string, billId: string, change: RecalculateBillInput = {}): Bill {
    const org = this.org(orgId);
    const old = this.existing(org.bills, 'bill', billId);
    const period = { currency: old.currency, startDate: old.startDate, endDate: old.endDate };
    let lineItems = change.lineItems
      ? change.lineItems.map((li, i) => buildLineItem(org, li, i, period))
      : clone(old.lineItems);
    for (const [lineId, subtotal] of Object.entries(change.subtotals ?? {})) {
      const index = lineItems.findIndex((li) => li.id === lineId);
      const line = lineItems[index];
      if (!line) throw new ApiError(404, `bill ${billId} has no line item ${lineId}`);
      const { convertedSubtotal: _c, averageUnitPrice: _a, ...inputs } = line;
      lineItems = lineItems.map((li, i) =>
        i === index ? buildLineItem(org, { ...inputs, subtotal }, i, period) : li,
      );
    }
    const ctx = this.state.ctx();
    const { dtApproved: _d, approvedBy: _b, ...rest } = clone(old);
    const next: Bill = {
      ...rest,
      lineItems,
      billTotal: billTotal(lineItems),
      status: 'PENDING',
      version: old.version + 1,
      lastCalculatedDate: ctx.now,
      dtLastModified: ctx.now,
      lastModifiedBy: ctx.actor,
    };
    return this.updated(org, 'bill', next, old, org.bills);
  }

  /** `billing.bill.deleted` with the bill as oldDto. */
  deleteBill(orgId: string, billId: string): Bill {
    const org = this.org(orgId);
    const old = org.bills.delete(billId);
    if (!old) throw new ApiError(404, `bill ${billId} not found`);
    this.state.emit(org, 'bill', 'deleted', undefined, old);
    return clone(old);
  }

  bill(orgId: string, billId: string): Bill {
    return clone(this.existing(this.org(orgId).bills, 'bill', billId));
  }

  bills(orgId: string): Bill[] {
    return clone(this.org(orgId).bills.values());
  }

  // ---- events ----------------------------------------------------------------------------------------

  /** Newest first, optionally of one name. */
  events(orgId: string, eventName?: string): M3terEvent[] {
    return clone(
      this.org(orgId)
        .events.values()
        .filter((e) => eventName === undefined || e.eventName === eventName),
    );
  }

  event(orgId: string, eventId: string): M3terEvent {
    return clone(this.existing(this.org(orgId).events, 'event', eventId));
  }

  // ---- webhook set-up (the same objects the API's endpoints create) ---------------------------------

  createWebhookDestination(orgId: string, input: WebhookDestinationInput): WebhookDestination {
    const org = this.org(orgId);
    return clone(org.webhooks.put(buildWebhook(org, input, this.state.ctx())));
  }

  updateWebhookDestination(
    orgId: string,
    id: string,
    patch: Partial<WebhookDestinationInput>,
  ): WebhookDestination {
    const org = this.org(orgId);
    const old = this.existing(org.webhooks, 'webhook destination', id);
    return clone(org.webhooks.put(buildWebhook(org, { ...old, ...patch }, this.state.ctx(), old)));
  }

  webhookDestinations(orgId: string): WebhookDestination[] {
    return clone(this.org(orgId).webhooks.values());
  }

  createNotificationConfiguration(
    orgId: string,
    input: NotificationConfigurationInput,
  ): NotificationConfiguration {
    const org = this.org(orgId);
    return clone(org.notifications.put(buildNotification(org, input, this.state.ctx())));
  }

  notificationConfigurations(orgId: string): NotificationConfiguration[] {
    return clone(this.org(orgId).notifications.values());
  }

  createIntegrationConfig(orgId: string, input: IntegrationConfigInput): IntegrationConfig {
    const org = this.org(orgId);
    return clone(org.integrationConfigs.put(buildIntegrationConfig(org, input, this.state.ctx())));
  }

  integrationConfigs(orgId: string): IntegrationConfig[] {
    return clone(this.org(orgId).integrationConfigs.values());
  }

  /** A webhook destination, one always-firing rule per event name and the integration configs linking them. */
  subscribe(orgId: string, input: SubscriptionInput): Subscription {
    const org = this.org(orgId);
    const destination = this.createWebhookDestination(orgId, {
      name: input.name ?? 'm3ter emulator subscription',
      url: input.url,
      credentials: { type: 'M3TER_SIGNED_REQUEST', apiKey: input.apiKey, secret: input.secret },
    });
    const notifications: NotificationConfiguration[] = [];
    const integrationConfigs: IntegrationConfig[] = [];
    for (const eventName of input.eventNames ?? EMULATED_EVENT_NAMES) {
      const code = `${destination.code}_${eventName.replace(/\./g, '_')}`.slice(0, 200);
      const rule = this.createNotificationConfiguration(orgId, {
        code: org.notifications.values().some((n) => n.code === code)
          ? `${code}_${destination.id.slice(0, 8)}`
          : code,
        name: eventName,
        description: `${eventName} to ${input.url}`,
        eventName,
        alwaysFireEvent: true,
      });
      notifications.push(rule);
      integrationConfigs.push(
        this.createIntegrationConfig(orgId, {
          entityType: 'Notification',
          entityId: rule.id,
          destination: 'Webhook',
          destinationId: destination.id,
          name: eventName,
        }),
      );
    }
    return { destination, notifications, integrationConfigs };
  }

  // ---- deliveries ------------------------------------------------------------------------------------

  deliveries(filter: DeliveryFilter = {}): DeliveryRecord[] {
    return this.state.deliveries.list(filter);
  }

  deliverySettings(): DeliverySettings {
    return { ...this.state.deliveries.settings };
  }

  setDeliverySettings(settings: Partial<DeliverySettings>): DeliverySettings {
    const s = { ...this.state.deliveries.settings, ...settings };
    if (!Number.isInteger(s.maxAttempts) || s.maxAttempts < 1)
      throw new ControlError('maxAttempts must be ≥ 1');
    if (!(s.initialBackoffMs >= 0) || !(s.maxBackoffMs >= 0) || !(s.backoffMultiplier >= 1))
      throw new ControlError('backoff must be non-negative with a multiplier ≥ 1');
    if (!(s.timeoutMs >= 1)) throw new ControlError('timeoutMs must be ≥ 1');
    return this.state.deliveries.update(settings);
  }

  pauseDeliveries(): DeliverySettings {
    return this.state.deliveries.update({ paused: true });
  }

  resumeDeliveries(): DeliverySettings {
    return this.state.deliveries.update({ paused: false });
  }

  /** Drops the not yet delivered deliveries of an event (a lost webhook); returns how many. */
  dropDelivery(eventId: string): number {
    return this.state.deliveries.dropEvent(eventId);
  }

  /** Drops the next `count` deliveries matching the rule, before their first attempt. */
  dropNextDeliveries(rule: DropRule = {}): void {
    this.state.deliveries.dropNext(rule);
  }

  redeliver(eventId: string, destinationId?: string): DeliveryRecord[] {
    return this.state.redeliver(eventId, destinationId);
  }

  /** Resolves once no delivery is pending, in flight or waiting to retry; rejects after `timeoutMs`. */
  waitForDeliveries(timeoutMs = 10_000): Promise<void> {
    return this.state.deliveries.whenIdle(timeoutMs);
  }

  // ---- faults and counters ---------------------------------------------------------------------------

  setFaults(settings: FaultSettings): FaultState {
    this.state.faults.setFaults(settings);
    return this.state.faults.state();
  }

  failNext(count: number, action: FaultAction, match?: FaultMatch): FaultState {
    return this.enqueueFaults([{ action, ...(match ? { match } : {}), count }]);
  }

  enqueueFaults(faults: QueuedFault[]): FaultState {
    this.state.faults.enqueue(faults);
    return this.state.faults.state();
  }

  clearFaults(seed?: number): FaultState {
    this.state.faults.clear(seed);
    return this.state.faults.state();
  }

  faults(): FaultState {
    return this.state.faults.state();
  }

  counters(): CountersSnapshot {
    return this.state.counters.snapshot();
  }

  resetCounters(): void {
    this.state.counters.reset();
  }
}

export { CONTROL_ACTOR };
