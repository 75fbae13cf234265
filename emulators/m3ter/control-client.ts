/**
 * A typed HTTP client for /_emulator, for processes that do not run the emulator in-process (a separately
 * started `npm run m3ter-emulator`, benchmarks). Mirrors M3terEmulatorControl, with promises.
 */
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

export class M3terEmulatorControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'M3terEmulatorControlError';
  }
}

export interface M3terEmulatorClockClient {
  now(): Promise<ClockSnapshot>;
  advance(ms: number): Promise<ClockSnapshot>;
  set(time: number | string): Promise<ClockSnapshot>;
}

export class M3terEmulatorControlClient {
  readonly clock: M3terEmulatorClockClient;
  private readonly base: string;

  /** `url` is the emulator's base URL, e.g. http://127.0.0.1:4020. */
  constructor(url: string) {
    this.base = `${url.replace(/\/+$/, '')}/_emulator`;
    this.clock = {
      now: () => this.call('GET', '/clock'),
      advance: (ms) => this.call('POST', '/clock/advance', { ms }),
      set: (time) => this.call('POST', '/clock/set', { time }),
    };
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    const data: unknown = text ? JSON.parse(text) : undefined;
    if (!res.ok) {
      const message =
        typeof data === 'object' && data !== null && 'error' in data
          ? String((data as { error: unknown }).error)
          : text;
      throw new M3terEmulatorControlError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return data as T;
  }

  private async done(method: string, path: string, body?: unknown): Promise<void> {
    await this.call<unknown>(method, path, body);
  }

  private orgPath(orgId: string, rest = ''): string {
    return `/organizations/${encodeURIComponent(orgId)}${rest}`;
  }

  private itemPath(orgId: string, kind: string, id: string, rest = ''): string {
    return this.orgPath(orgId, `/${kind}/${encodeURIComponent(id)}${rest}`);
  }

  health(): Promise<{ ok: boolean; defaultOrgId: string }> {
    return this.call('GET', '/health');
  }

  reset(): Promise<void> {
    return this.done('POST', '/reset');
  }

  // organizations and credentials
  createOrganization(orgId?: string, config?: OrganizationConfigInput): Promise<OrganizationSummary> {
    return this.call('POST', '/organizations', { orgId, config });
  }
  organizations(): Promise<OrganizationSummary[]> {
    return this.call('GET', '/organizations');
  }
  organization(orgId: string): Promise<OrganizationSummary> {
    return this.call('GET', this.orgPath(orgId));
  }
  updateOrganizationConfig(orgId: string, config: OrganizationConfigInput): Promise<OrganizationConfig> {
    return this.call('PATCH', this.orgPath(orgId, '/config'), config);
  }
  createApiCredentials(
    orgId: string,
    credentials: { apiKey?: string; apiSecret?: string } = {},
  ): Promise<ApiCredentials> {
    return this.call('POST', this.orgPath(orgId, '/credentials'), credentials);
  }
  apiCredentials(orgId: string): Promise<ApiCredentials[]> {
    return this.call('GET', this.orgPath(orgId, '/credentials'));
  }
  mintToken(orgId: string): Promise<TokenGrantSnapshot> {
    return this.call('POST', this.orgPath(orgId, '/tokens'), {});
  }
  async expireTokens(orgId?: string): Promise<number> {
    return (
      await this.call<{ expired: number }>('POST', '/tokens/expire', orgId === undefined ? {} : { orgId })
    ).expired;
  }
  setAuthSettings(settings: Partial<AuthSettings>): Promise<AuthSettings> {
    return this.call('PUT', '/auth/settings', settings);
  }

  // reference data
  createAccount(orgId: string, input: AccountInput): Promise<Account> {
    return this.call('POST', this.orgPath(orgId, '/accounts'), input);
  }
  updateAccount(orgId: string, id: string, patch: Partial<AccountInput>): Promise<Account> {
    return this.call('PATCH', this.itemPath(orgId, 'accounts', id), patch);
  }
  deleteAccount(orgId: string, id: string): Promise<Account> {
    return this.call('DELETE', this.itemPath(orgId, 'accounts', id));
  }
  accounts(orgId: string): Promise<Account[]> {
    return this.call('GET', this.orgPath(orgId, '/accounts'));
  }
  createProduct(orgId: string, input: ProductInput): Promise<Product> {
    return this.call('POST', this.orgPath(orgId, '/products'), input);
  }
  updateProduct(orgId: string, id: string, patch: Partial<ProductInput>): Promise<Product> {
    return this.call('PATCH', this.itemPath(orgId, 'products', id), patch);
  }
  deleteProduct(orgId: string, id: string): Promise<Product> {
    return this.call('DELETE', this.itemPath(orgId, 'products', id));
  }
  products(orgId: string): Promise<Product[]> {
    return this.call('GET', this.orgPath(orgId, '/products'));
  }
  createAggregation(orgId: string, input: AggregationInput): Promise<Aggregation> {
    return this.call('POST', this.orgPath(orgId, '/aggregations'), input);
  }
  updateAggregation(orgId: string, id: string, patch: Partial<AggregationInput>): Promise<Aggregation> {
    return this.call('PATCH', this.itemPath(orgId, 'aggregations', id), patch);
  }
  deleteAggregation(orgId: string, id: string): Promise<Aggregation> {
    return this.call('DELETE', this.itemPath(orgId, 'aggregations', id));
  }
  aggregations(orgId: string): Promise<Aggregation[]> {
    return this.call('GET', this.orgPath(orgId, '/aggregations'));
  }
  createCompoundAggregation(orgId: string, input: CompoundAggregationInput): Promise<CompoundAggregation> {
    return this.call('POST', this.orgPath(orgId, '/compoundaggregations'), input);
  }
  updateCompoundAggregation(
    orgId: string,
    id: string,
    patch: Partial<CompoundAggregationInput>,
  ): Promise<CompoundAggregation> {
    return this.call('PATCH', this.itemPath(orgId, 'compoundaggregations', id), patch);
  }
  deleteCompoundAggregation(orgId: string, id: string): Promise<CompoundAggregation> {
    return this.call('DELETE', this.itemPath(orgId, 'compoundaggregations', id));
  }
  compoundAggregations(orgId: string): Promise<CompoundAggregation[]> {
    return this.call('GET', this.orgPath(orgId, '/compoundaggregations'));
  }
  createUser(orgId: string, input: OrgUserInput): Promise<OrgUser> {
    return this.call('POST', this.orgPath(orgId, '/users'), input);
  }
  users(orgId: string): Promise<OrgUser[]> {
    return this.call('GET', this.orgPath(orgId, '/users'));
  }

  // bills
  createBill(orgId: string, input: BillInput): Promise<Bill> {
    return this.call('POST', this.orgPath(orgId, '/bills'), input);
  }
  putBill(orgId: string, bill: Bill): Promise<Bill> {
    return this.call('PUT', this.itemPath(orgId, 'bills', bill.id, ''), bill);
  }
  generateBill(orgId: string, input: GenerateBillInput): Promise<Bill> {
    return this.call('POST', this.orgPath(orgId, '/bills/generate'), input);
  }
  approveBill(orgId: string, billId: string): Promise<Bill> {
    return this.call('POST', this.itemPath(orgId, 'bills', billId, '/approve'), {});
  }
  recalculateBill(orgId: string, billId: string, change: RecalculateBillInput = {}): Promise<Bill> {
    return this.call('POST', this.itemPath(orgId, 'bills', billId, '/recalculate'), change);
  }
  deleteBill(orgId: string, billId: string): Promise<Bill> {
    return this.call('DELETE', this.itemPath(orgId, 'bills', billId));
  }
  bill(orgId: string, billId: string): Promise<Bill> {
    return this.call('GET', this.itemPath(orgId, 'bills', billId));
  }
  bills(orgId: string): Promise<Bill[]> {
    return this.call('GET', this.orgPath(orgId, '/bills'));
  }

  // events
  events(orgId: string, eventName?: string): Promise<M3terEvent[]> {
    const query = eventName === undefined ? '' : `?eventName=${encodeURIComponent(eventName)}`;
    return this.call('GET', this.orgPath(orgId, `/events${query}`));
  }
  event(orgId: string, eventId: string): Promise<M3terEvent> {
    return this.call('GET', this.itemPath(orgId, 'events', eventId));
  }

  // webhook set-up
  createWebhookDestination(orgId: string, input: WebhookDestinationInput): Promise<WebhookDestination> {
    return this.call('POST', this.orgPath(orgId, '/webhooks'), input);
  }
  updateWebhookDestination(
    orgId: string,
    id: string,
    patch: Partial<WebhookDestinationInput>,
  ): Promise<WebhookDestination> {
    return this.call('PATCH', this.itemPath(orgId, 'webhooks', id), patch);
  }
  webhookDestinations(orgId: string): Promise<WebhookDestination[]> {
    return this.call('GET', this.orgPath(orgId, '/webhooks'));
  }
  createNotificationConfiguration(
    orgId: string,
    input: NotificationConfigurationInput,
  ): Promise<NotificationConfiguration> {
    return this.call('POST', this.orgPath(orgId, '/notifications'), input);
  }
  notificationConfigurations(orgId: string): Promise<NotificationConfiguration[]> {
    return this.call('GET', this.orgPath(orgId, '/notifications'));
  }
  createIntegrationConfig(orgId: string, input: IntegrationConfigInput): Promise<IntegrationConfig> {
    return this.call('POST', this.orgPath(orgId, '/integrationconfigs'), input);
  }
  integrationConfigs(orgId: string): Promise<IntegrationConfig[]> {
    return this.call('GET', this.orgPath(orgId, '/integrationconfigs'));
  }
  subscribe(orgId: string, input: SubscriptionInput): Promise<Subscription> {
    return this.call('POST', this.orgPath(orgId, '/subscriptions'), input);
  }

  // deliveries
  deliveries(filter: DeliveryFilter = {}): Promise<DeliveryRecord[]> {
    const query = new URLSearchParams(
      Object.entries(filter).filter((e): e is [string, string] => typeof e[1] === 'string'),
    ).toString();
    return this.call('GET', `/deliveries${query ? `?${query}` : ''}`);
  }
  deliverySettings(): Promise<DeliverySettings> {
    return this.call('GET', '/deliveries/settings');
  }
  setDeliverySettings(settings: Partial<DeliverySettings>): Promise<DeliverySettings> {
    return this.call('PUT', '/deliveries/settings', settings);
  }
  pauseDeliveries(): Promise<DeliverySettings> {
    return this.call('POST', '/deliveries/pause', {});
  }
  resumeDeliveries(): Promise<DeliverySettings> {
    return this.call('POST', '/deliveries/resume', {});
  }
  async dropDelivery(eventId: string): Promise<number> {
    return (await this.call<{ dropped: number }>('POST', '/deliveries/drop', { eventId })).dropped;
  }
  dropNextDeliveries(rule: DropRule = {}): Promise<void> {
    return this.done('POST', '/deliveries/drop-next', rule);
  }
  redeliver(eventId: string, destinationId?: string): Promise<DeliveryRecord[]> {
    return this.call('POST', '/deliveries/redeliver', { eventId, destinationId });
  }
  async waitForDeliveries(timeoutMs?: number): Promise<void> {
    await this.call('POST', '/deliveries/wait', timeoutMs === undefined ? {} : { timeoutMs });
  }

  // faults and counters
  faults(): Promise<FaultState> {
    return this.call('GET', '/faults');
  }
  setFaults(settings: FaultSettings): Promise<FaultState> {
    return this.call('PUT', '/faults', settings);
  }
  failNext(count: number, action: FaultAction, match?: FaultMatch): Promise<FaultState> {
    return this.enqueueFaults([{ action, ...(match ? { match } : {}), count }]);
  }
  enqueueFaults(faults: QueuedFault[]): Promise<FaultState> {
    return this.call('POST', '/faults/queue', { faults });
  }
  clearFaults(seed?: number): Promise<FaultState> {
    return this.call('DELETE', '/faults', seed === undefined ? {} : { seed });
  }
  counters(): Promise<CountersSnapshot> {
    return this.call('GET', '/counters');
  }
  resetCounters(): Promise<void> {
    return this.done('POST', '/counters/reset');
  }
}
