/**
 * The emulator's control surface for tests and benchmarks: clock, realms and their switches, tokens,
 * faults, limits, counters, documents. Used in-process (RunningEmulator.control) and behind /_emulator/*.
 */
import { isKnownCurrency } from './currencies';
import { applyPayment, ENTITIES, type OpContext } from './entities';
import type { JsonObject } from './json';
import type { EmulatorState } from './state';
import { isValidRealmId, type Realm } from './store';
import type { WebhookAttempt, WebhookSettings, WebhookSettingsView } from './webhooks';
import {
  ENTITY_NAMES,
  type ClockSnapshot,
  type CountersSnapshot,
  type FaultAction,
  type FaultMatch,
  type FaultSettings,
  type FaultState,
  type LimitSettings,
  type MintedTokens,
  type MintOptions,
  type OAuthClientRegistration,
  type OAuthSettings,
  type QueuedFault,
  type RealmDocuments,
  type RealmSettings,
  type RealmSummary,
  type ReplySettings,
} from './types';

/** A person's edit of an invoice or credit memo in the app (see EmulatorControl.editDocument). */
export interface EditChanges {
  lineAmounts?: number[];
  lines?: Array<{ description?: string; qty?: number; unitPrice?: number } | null>;
  customerId?: string;
  privateNote?: string;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export class ControlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ControlError';
  }
}

export interface EmulatorClockControl {
  now(): number;
  /** Move the emulator clock forward; returns the new time (epoch ms). */
  advance(ms: number): number;
  /** Jump to a time (epoch ms or ISO string); returns it. */
  set(time: number | string): number;
  snapshot(): ClockSnapshot;
}

export class EmulatorControl {
  readonly clock: EmulatorClockControl;
  private generatedRealms = 0;

  constructor(private readonly state: EmulatorState) {
    const clock = state.clock;
    this.clock = {
      now: () => clock.now(),
      advance: (ms) => clock.advance(ms),
      set: (time) => clock.set(time),
      snapshot: () => ({ nowMs: clock.now(), iso: new Date(clock.now()).toISOString() }),
    };
  }

  get defaultRealmId(): string {
    return this.state.defaultRealmId;
  }

  /** Everything back to its state right after start (realms re-seeded, tokens forgotten, faults and limits off). */
  reset(): void {
    this.state.reset();
  }

  // ---- realms ---------------------------------------------------------------------------------------

  private realm(realmId: string): Realm {
    if (!isValidRealmId(realmId)) throw new ControlError(`invalid realm id: ${realmId}`);
    return this.state.store.realm(realmId);
  }

  private summary(realm: Realm): RealmSummary {
    return {
      realmId: realm.id,
      settings: { ...realm.settings },
      limits: this.state.limiter.effective(realm.id),
      documentCounts: realm.documentCounts(),
    };
  }

  /** Creates (and seeds) a realm; without an id, a new numeric one is made up. */
  createRealm(realmId?: string, settings: Partial<RealmSettings> = {}): RealmSummary {
    let id = realmId;
    while (id === undefined || (realmId === undefined && this.state.store.has(id))) {
      this.generatedRealms += 1;
      id = `91303577669${String(10000 + this.generatedRealms).slice(-5)}`;
    }
    this.checkSettings(settings);
    return this.summary(this.realm(id).settingsUpdate(settings));
  }

  realms(): RealmSummary[] {
    return this.state.store.list().map((r) => this.summary(r));
  }

  realmSummary(realmId: string): RealmSummary {
    return this.summary(this.realm(realmId));
  }

  private checkSettings(settings: Partial<RealmSettings>): void {
    if (settings.homeCurrency !== undefined && !isKnownCurrency(settings.homeCurrency)) {
      throw new ControlError(`unknown currency ${settings.homeCurrency}`);
    }
    if (settings.utcOffset !== undefined && !/^[+-]\d{2}:\d{2}$/.test(settings.utcOffset)) {
      throw new ControlError(`utcOffset looks like -07:00, got ${settings.utcOffset}`);
    }
    if (settings.country !== undefined && !/^[A-Z]{2}$/.test(settings.country)) {
      throw new ControlError(`country is a two-letter code like US, got ${settings.country}`);
    }
  }

  /** Change a realm's switches (multicurrency, home currency, CustomTxnNumbers, time zone, company name, country). */
  updateRealm(realmId: string, settings: Partial<RealmSettings>): RealmSettings {
    this.checkSettings(settings);
    return { ...this.realm(realmId).settingsUpdate(settings).settings };
  }

  setMultiCurrency(realmId: string, enabled: boolean, homeCurrency?: string): RealmSettings {
    return this.updateRealm(
      realmId,
      homeCurrency === undefined ? { multiCurrency: enabled } : { multiCurrency: enabled, homeCurrency },
    );
  }

  /** Home-currency units per one unit of `currency`, used when a document sends no ExchangeRate. */
  setExchangeRate(realmId: string, currency: string, rate: number): void {
    if (!isKnownCurrency(currency)) throw new ControlError(`unknown currency ${currency}`);
    if (!(rate > 0)) throw new ControlError(`an exchange rate must be positive, got ${rate}`);
    this.realm(realmId).exchangeRates.set(currency, rate);
  }

  private opContext(realm: Realm): OpContext {
    return { realm, nowMs: this.state.clock.now(), allowDuplicateDocNumber: false };
  }

  /** Every document of the realm in API form (inactive customers and items included; deleted ones as ids). */
  documents(realmId: string): RealmDocuments {
    const realm = this.realm(realmId);
    const ctx = this.opContext(realm);
    const out: RealmDocuments = { realmId, Invoice: [], CreditMemo: [], Customer: [], Item: [], deleted: [] };
    for (const entity of ENTITY_NAMES) {
      for (const stored of realm.docs[entity].values()) {
        if (stored.deleted) out.deleted.push({ entity, Id: String(stored.doc.Id) });
        else out[entity].push(ENTITIES[entity].present(ctx, stored.doc));
      }
    }
    return out;
  }

  /**
   * Record a payment on an invoice (or apply a credit memo) so that Balance < TotalAmt: the document then
   * counts as paid / partly paid. `amount` defaults to the whole open balance.
   */
  applyPayment(realmId: string, entity: 'Invoice' | 'CreditMemo', id: string, amount?: number): JsonObject {
    return applyPayment(this.opContext(this.realm(realmId)), entity, id, amount);
  }

  /**
   * A person's edit in the QuickBooks app: a sparse update through the entity's own rules (totals
   * recomputed, SyncToken +1, LastUpdatedTime now). `lineAmounts` replace the sales lines' amounts in order;
   * `lines` change the sales lines' description, quantity and unit price in order, keeping their amounts (a
   * quantity and price must still make the amount).
   */
  editDocument(
    realmId: string,
    entity: 'Invoice' | 'CreditMemo',
    id: string,
    changes: EditChanges,
  ): JsonObject {
    const ctx = this.opContext(this.realm(realmId));
    const current = ENTITIES[entity].read(ctx, id);
    const body: JsonObject = { Id: current.Id ?? id, SyncToken: current.SyncToken ?? '0' };
    if (changes.lineAmounts) {
      const lines = Array.isArray(current.Line) ? current.Line : [];
      let i = 0;
      body.Line = lines.flatMap((line) => {
        if (typeof line !== 'object' || line === null || Array.isArray(line)) return [];
        if (line.DetailType !== 'SalesItemLineDetail') return [];
        const amount = changes.lineAmounts?.[i++];
        if (amount === undefined) return [line];
        // A person typing an amount: the rate and quantity no longer hold, so they go.
        const detail =
          typeof line.SalesItemLineDetail === 'object' &&
          line.SalesItemLineDetail !== null &&
          !Array.isArray(line.SalesItemLineDetail)
            ? line.SalesItemLineDetail
            : {};
        const { Qty: _qty, UnitPrice: _price, ...rest } = detail;
        return [{ ...line, Amount: amount, SalesItemLineDetail: rest }];
      });
    }
    if (changes.lines) {
      const source = Array.isArray(body.Line) ? body.Line : Array.isArray(current.Line) ? current.Line : [];
      let i = 0;
      body.Line = source.flatMap((line) => {
        if (typeof line !== 'object' || line === null || Array.isArray(line)) return [];
        if (line.DetailType !== 'SalesItemLineDetail') return [];
        const change = changes.lines?.[i++];
        if (!change) return [line];
        const detail =
          typeof line.SalesItemLineDetail === 'object' &&
          line.SalesItemLineDetail !== null &&
          !Array.isArray(line.SalesItemLineDetail)
            ? { ...line.SalesItemLineDetail }
            : {};
        if (change.qty !== undefined) detail.Qty = change.qty;
        if (change.unitPrice !== undefined) detail.UnitPrice = change.unitPrice;
        const edited: JsonObject = { ...line, SalesItemLineDetail: detail };
        if (change.description !== undefined) edited.Description = change.description;
        return [edited];
      });
    }
    if (changes.customerId) body.CustomerRef = { value: changes.customerId };
    if (changes.privateNote !== undefined) body.PrivateNote = changes.privateNote;
    return ENTITIES[entity].update(ctx, body, true);
  }

  /** Voids the document as a person would in the app (amounts 0, "Voided" before the PrivateNote). */
  voidDocument(realmId: string, entity: 'Invoice' | 'CreditMemo', id: string): JsonObject {
    const ctx = this.opContext(this.realm(realmId));
    const current = ENTITIES[entity].read(ctx, id);
    return ENTITIES[entity].void(ctx, { Id: current.Id ?? id, SyncToken: current.SyncToken ?? '0' });
  }

  /** Deletes the document as a person would in the app. */
  deleteDocument(realmId: string, entity: 'Invoice' | 'CreditMemo', id: string): void {
    const ctx = this.opContext(this.realm(realmId));
    const current = ENTITIES[entity].read(ctx, id);
    ENTITIES[entity].delete(ctx, { Id: current.Id ?? id, SyncToken: current.SyncToken ?? '0' });
  }

  // ---- OAuth ----------------------------------------------------------------------------------------

  /** A fresh grant for the realm (as if its admin had just connected the app), without the browser step. */
  mintTokens(realmId: string, options: MintOptions = {}): MintedTokens {
    this.realm(realmId);
    return { ...this.state.oauth.mint(realmId, options), realmId };
  }

  /** Every access token (of one realm, or all) expires now; returns how many did. */
  expireAccessTokens(realmId?: string): number {
    return this.state.oauth.expireAccessTokens(realmId);
  }

  revokeToken(token: string): boolean {
    return this.state.oauth.revoke(token);
  }

  registerClient(client: OAuthClientRegistration): void {
    this.state.oauth.registerClient(client);
  }

  clients(): OAuthClientRegistration[] {
    return this.state.oauth.listClients();
  }

  setOAuthSettings(settings: Partial<OAuthSettings>): OAuthSettings {
    this.state.oauth.settings = { ...this.state.oauth.settings, ...settings };
    return { ...this.state.oauth.settings };
  }

  // ---- faults, limits, counters ---------------------------------------------------------------------

  /** Share-based faults, globally or for one realm (replaces what was set there before). */
  setFaults(settings: FaultSettings, realmId?: string): FaultState {
    this.state.faults.setFaults(settings, realmId);
    return this.state.faults.state();
  }

  /** The next `count` requests matching `match` (default: any API request) get `action`. */
  failNext(count: number, action: FaultAction, match?: FaultMatch): FaultState {
    return this.enqueueFaults([{ action, match, count }]);
  }

  enqueueFaults(faults: QueuedFault[]): FaultState {
    this.state.faults.enqueue(faults);
    return this.state.faults.state();
  }

  /** No faults at all, and the generator restarts from the seed (or `seed`). */
  clearFaults(seed?: number): FaultState {
    this.state.faults.clear(seed);
    return this.state.faults.state();
  }

  faults(): FaultState {
    return this.state.faults.state();
  }

  /** QBO's limits, globally or for one realm: e.g. `{ enabled: true }` for 500/min and 10 concurrent. */
  setLimits(settings: Partial<LimitSettings>, realmId?: string): LimitSettings {
    return this.state.limiter.setLimits(settings, realmId);
  }

  /**
   * How throttles, 401s and 504s are answered, globally or for one realm (only the given switches change):
   * e.g. `{ throttleStatus: 403 }` for older QBO's 403 throttle, `{ throttleFormat: 'json' }` for a JSON one.
   */
  setReplies(settings: Partial<ReplySettings>, realmId?: string): ReplySettings {
    if (realmId !== undefined) this.realm(realmId);
    return this.state.replies.set(settings, realmId);
  }

  /** The reply styles in effect (for a realm: its own switches over the global ones). */
  replies(realmId?: string): ReplySettings {
    if (realmId !== undefined) this.realm(realmId);
    return this.state.replies.effective(realmId);
  }

  // ---- webhooks -------------------------------------------------------------------------------------

  /**
   * Deliver webhooks (signed, batched, retried) to `url` — a loopback address — for changes from now on.
   * Settings not given keep their value (or the defaults: 1 s window, 5 attempts, 1 s first retry delay).
   */
  setWebhook(
    settings: Partial<WebhookSettings> & { url: string; verifierToken: string },
  ): WebhookSettingsView {
    let url: URL;
    try {
      url = new URL(settings.url);
    } catch {
      throw new ControlError(`not a URL: ${settings.url}`);
    }
    if (!['http:', 'https:'].includes(url.protocol) || !LOOPBACK_HOSTS.has(url.hostname))
      throw new ControlError(`webhooks go to a loopback http(s) URL only, not ${settings.url}`);
    if (!settings.verifierToken) throw new ControlError('verifierToken is required');
    return this.state.webhooks.configure(settings);
  }

  /** The webhook settings (without the token), or null when none are configured. */
  webhook(): WebhookSettingsView | null {
    return this.state.webhooks.view();
  }

  /** Stop delivering: gathered changes and waiting retries are dropped. */
  clearWebhook(): void {
    this.state.webhooks.clear();
  }

  /** Delivers the changes gathered so far now; the first attempt, or null when nothing was gathered. */
  flushWebhooks(): Promise<WebhookAttempt | null> {
    return this.state.webhooks.flush();
  }

  /** Every delivery attempt (the last 1000), oldest first. */
  webhookAttempts(): WebhookAttempt[] {
    return [...this.state.webhooks.attempts];
  }

  counters(): CountersSnapshot {
    return this.state.counters.snapshot();
  }

  resetCounters(): void {
    this.state.counters.reset();
  }
}
