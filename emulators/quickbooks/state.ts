/** Everything one emulator instance holds, built from its options. */
import { EmulatorClock } from './clock';
import { Counters } from './counters';
import { FaultInjector } from './faults';
import { Limiter } from './limits';
import { ReplyStyles } from './replies';
import { DEFAULT_CLIENT, OAuthServer } from './oauth';
import { seedRealm } from './seed';
import { DEFAULT_REALM_SETTINGS, Store } from './store';
import { WebhookDelivery } from './webhooks';
import type {
  FaultSettings,
  LimitSettings,
  OAuthClientRegistration,
  OAuthSettings,
  RealmSettings,
  ReplySettings,
} from './types';

export interface EmulatorOptions {
  /** Port to listen on (0, the default, picks a free one). */
  port?: number;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Seed of the fault-injection generator (default 1). */
  seed?: number;
  /** The realm the authorize endpoint picks when the request names none (default 9130357766900001). */
  defaultRealmId?: string;
  /** Realms created at start (others are created on first use). */
  realms?: string[];
  /** Settings every new realm starts with. */
  realmDefaults?: Partial<RealmSettings>;
  oauth?: Partial<OAuthSettings>;
  /** Registered OAuth clients (default: one client, see DEFAULT_CLIENT). */
  clients?: OAuthClientRegistration[];
  /** Global limits (default off; 500/min, 10 concurrent when on). */
  limits?: Partial<LimitSettings>;
  /** Global share-based faults (default none). */
  faults?: FaultSettings;
  /** Global reply styles (default: as QBO answers today: XML 429 throttles, JSON 401s, XML 504s). */
  replies?: Partial<ReplySettings>;
  /** Start time of the emulator clock (default: now). */
  clockStart?: number | string | Date;
  /** Also record 4xx replies for requestid replay (default false: only successful writes are replayed). */
  recordErrorReplies?: boolean;
}

export const DEFAULT_REALM_ID = '9130357766900001';

export class EmulatorState {
  readonly clock: EmulatorClock;
  readonly store: Store;
  readonly oauth: OAuthServer;
  readonly faults: FaultInjector;
  readonly limiter: Limiter;
  readonly replies: ReplyStyles;
  readonly counters = new Counters();
  readonly webhooks = new WebhookDelivery();
  readonly defaultRealmId: string;
  readonly seed: number;
  recordErrorReplies: boolean;

  constructor(private readonly options: EmulatorOptions = {}) {
    this.seed = options.seed ?? 1;
    this.clock = new EmulatorClock(options.clockStart);
    this.store = new Store(this.clock, { ...DEFAULT_REALM_SETTINGS, ...options.realmDefaults }, seedRealm);
    this.oauth = new OAuthServer(this.clock, options.oauth, options.clients ?? [DEFAULT_CLIENT]);
    this.faults = new FaultInjector(this.seed);
    this.limiter = new Limiter();
    this.replies = new ReplyStyles(options.replies);
    this.defaultRealmId = options.defaultRealmId ?? DEFAULT_REALM_ID;
    this.recordErrorReplies = options.recordErrorReplies ?? false;
    this.store.onChange = (realmId, change) =>
      this.webhooks.record(realmId, {
        name: change.entity,
        id: change.id,
        operation: change.operation,
        lastUpdated: change.lastUpdated,
      });
    this.applyStartOptions();
  }

  private applyStartOptions(): void {
    if (this.options.faults) this.faults.setFaults(this.options.faults);
    if (this.options.limits) this.limiter.setLimits(this.options.limits);
    for (const realmId of [this.defaultRealmId, ...(this.options.realms ?? [])]) this.store.realm(realmId);
  }

  /** Back to the state right after start: realms re-seeded; tokens, OAuth clients and settings, faults, limits, reply styles, counters and clock reset. */
  reset(): void {
    this.store.reset();
    this.oauth.reset(this.options.oauth ?? {}, this.options.clients ?? [DEFAULT_CLIENT]);
    this.faults.clear();
    this.limiter.reset();
    this.replies.reset();
    this.counters.reset();
    this.webhooks.reset();
    if (this.options.clockStart !== undefined) this.clock.set(this.options.clockStart);
    else this.clock.reset();
    this.applyStartOptions();
  }
}
