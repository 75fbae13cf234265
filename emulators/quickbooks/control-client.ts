/**
 * A typed HTTP client for /_emulator, for processes that do not run the emulator in-process (benchmarks,
 * a separately started `npm run emulator`). Mirrors EmulatorControl, with promises.
 */
import type { EditChanges } from './control';
import type { WebhookAttempt, WebhookSettings, WebhookSettingsView } from './webhooks';
import type { JsonObject } from './json';
import type {
  ClockSnapshot,
  CountersSnapshot,
  FaultAction,
  FaultMatch,
  FaultSettings,
  FaultState,
  LimitSettings,
  MintedTokens,
  MintOptions,
  OAuthClientRegistration,
  OAuthSettings,
  QueuedFault,
  RealmDocuments,
  RealmSettings,
  RealmSummary,
  ReplySettings,
} from './types';

export class EmulatorControlError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EmulatorControlError';
  }
}

export interface EmulatorClockClient {
  now(): Promise<ClockSnapshot>;
  advance(ms: number): Promise<ClockSnapshot>;
  set(time: number | string): Promise<ClockSnapshot>;
}

export class EmulatorControlClient {
  readonly clock: EmulatorClockClient;
  private readonly base: string;

  /** `url` is the emulator's base URL, e.g. http://127.0.0.1:4010. */
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
      throw new EmulatorControlError(res.status, `${method} ${path}: ${res.status} ${message}`);
    }
    return data as T;
  }

  private async done(method: string, path: string, body?: unknown): Promise<void> {
    await this.call<unknown>(method, path, body);
  }

  private realmPath(realmId: string, rest = ''): string {
    return `/realms/${encodeURIComponent(realmId)}${rest}`;
  }

  health(): Promise<{ ok: boolean; defaultRealmId: string }> {
    return this.call('GET', '/health');
  }

  reset(): Promise<void> {
    return this.done('POST', '/reset');
  }

  counters(): Promise<CountersSnapshot> {
    return this.call('GET', '/counters');
  }

  resetCounters(): Promise<void> {
    return this.done('POST', '/counters/reset');
  }

  faults(): Promise<FaultState> {
    return this.call('GET', '/faults');
  }

  setFaults(settings: FaultSettings, realmId?: string): Promise<FaultState> {
    return this.call('PUT', realmId === undefined ? '/faults' : this.realmPath(realmId, '/faults'), settings);
  }

  failNext(count: number, action: FaultAction, match?: FaultMatch): Promise<FaultState> {
    return this.enqueueFaults([{ action, match, count }]);
  }

  enqueueFaults(faults: QueuedFault[]): Promise<FaultState> {
    return this.call('POST', '/faults/queue', { faults });
  }

  clearFaults(seed?: number): Promise<FaultState> {
    return this.call('DELETE', '/faults', seed === undefined ? {} : { seed });
  }

  setLimits(settings: Partial<LimitSettings>, realmId?: string): Promise<LimitSettings> {
    return this.call('PUT', realmId === undefined ? '/limits' : this.realmPath(realmId, '/limits'), settings);
  }

  setReplies(settings: Partial<ReplySettings>, realmId?: string): Promise<ReplySettings> {
    return this.call(
      'PUT',
      realmId === undefined ? '/replies' : this.realmPath(realmId, '/replies'),
      settings,
    );
  }

  replies(realmId?: string): Promise<ReplySettings> {
    return this.call('GET', realmId === undefined ? '/replies' : this.realmPath(realmId, '/replies'));
  }

  async expireAccessTokens(realmId?: string): Promise<number> {
    return (
      await this.call<{ expired: number }>('POST', '/tokens/expire', realmId === undefined ? {} : { realmId })
    ).expired;
  }

  async revokeToken(token: string): Promise<boolean> {
    return (await this.call<{ revoked: boolean }>('POST', '/tokens/revoke', { token })).revoked;
  }

  mintTokens(realmId: string, options: MintOptions = {}): Promise<MintedTokens> {
    return this.call('POST', this.realmPath(realmId, '/tokens'), options);
  }

  registerClient(client: OAuthClientRegistration): Promise<void> {
    return this.done('POST', '/oauth/clients', client);
  }

  clients(): Promise<OAuthClientRegistration[]> {
    return this.call('GET', '/oauth/clients');
  }

  setOAuthSettings(settings: Partial<OAuthSettings>): Promise<OAuthSettings> {
    return this.call('PUT', '/oauth/settings', settings);
  }

  realms(): Promise<RealmSummary[]> {
    return this.call('GET', '/realms');
  }

  createRealm(realmId?: string, settings?: Partial<RealmSettings>): Promise<RealmSummary> {
    return this.call('POST', '/realms', { realmId, settings });
  }

  realmSummary(realmId: string): Promise<RealmSummary> {
    return this.call('GET', this.realmPath(realmId));
  }

  updateRealm(realmId: string, settings: Partial<RealmSettings>): Promise<RealmSettings> {
    return this.call('PATCH', this.realmPath(realmId), settings);
  }

  setMultiCurrency(realmId: string, enabled: boolean, homeCurrency?: string): Promise<RealmSettings> {
    return this.call('POST', this.realmPath(realmId, '/multicurrency'), { enabled, homeCurrency });
  }

  setExchangeRate(realmId: string, currency: string, rate: number): Promise<void> {
    return this.done('PUT', this.realmPath(realmId, `/exchange-rates/${encodeURIComponent(currency)}`), {
      rate,
    });
  }

  documents(realmId: string): Promise<RealmDocuments> {
    return this.call('GET', this.realmPath(realmId, '/documents'));
  }

  /** A person's edit in the app (see EmulatorControl.editDocument). */
  editDocument(
    realmId: string,
    entity: 'Invoice' | 'CreditMemo',
    id: string,
    changes: EditChanges,
  ): Promise<JsonObject> {
    return this.call('POST', this.docPath(realmId, entity, id, 'edit'), changes);
  }

  /** Webhook delivery (see EmulatorControl.setWebhook). */
  setWebhook(
    settings: Partial<WebhookSettings> & { url: string; verifierToken: string },
  ): Promise<WebhookSettingsView> {
    return this.call('PUT', '/webhooks', settings);
  }

  async webhook(): Promise<WebhookSettingsView | null> {
    return (await this.call<{ webhook: WebhookSettingsView | null }>('GET', '/webhooks')).webhook;
  }

  async clearWebhook(): Promise<void> {
    await this.call('DELETE', '/webhooks');
  }

  async flushWebhooks(): Promise<WebhookAttempt | null> {
    return (await this.call<{ attempt: WebhookAttempt | null }>('POST', '/webhooks/flush', {})).attempt;
  }

  async webhookAttempts(): Promise<WebhookAttempt[]> {
    return (await this.call<{ attempts: WebhookAttempt[] }>('GET', '/webhooks/attempts')).attempts;
  }

  voidDocument(realmId: string, entity: 'Invoice' | 'CreditMemo', id: string): Promise<JsonObject> {
    return this.call('POST', this.docPath(realmId, entity, id, 'void'), {});
  }

  deleteDocument(realmId: string, entity: 'Invoice' | 'CreditMemo', id: string): Promise<void> {
    return this.done('POST', this.docPath(realmId, entity, id, 'delete'), {});
  }

  private docPath(realmId: string, entity: string, id: string, action: string): string {
    return this.realmPath(realmId, `/${entity.toLowerCase()}/${encodeURIComponent(id)}/${action}`);
  }

  applyPayment(
    realmId: string,
    entity: 'Invoice' | 'CreditMemo',
    id: string,
    amount?: number,
  ): Promise<JsonObject> {
    return this.call(
      'POST',
      this.realmPath(realmId, `/${entity.toLowerCase()}/${encodeURIComponent(id)}/payment`),
      { amount },
    );
  }
}
