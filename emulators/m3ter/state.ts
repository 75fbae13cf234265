/** Everything one emulator instance holds, built from its options; events are made and delivered here. */
import { randomUUID } from 'node:crypto';
import { AuthServer } from './auth';
import { calculationHolds } from './calculation';
import { EmulatorClock } from './clock';
import { Counters } from './counters';
import { DeliveryEngine, type DeliveryTarget } from './delivery';
import { billHeader, buildOrgConfig, type BuildContext } from './entities';
import { ControlError } from './errors';
import { FaultInjector } from './faults';
import { clone, type JsonObject } from './json';
import { Organization } from './store';
import type {
  ApiCredentials,
  AuthSettings,
  Bill,
  DeliveryRecord,
  DeliverySettings,
  EventVerb,
  FaultSettings,
  M3terEvent,
  OrganizationConfigInput,
} from './types';

export interface M3terEmulatorOptions {
  /** Port to listen on (0, the default, picks a free one). */
  port?: number;
  /** Loopback address to bind (default 127.0.0.1). */
  host?: string;
  /** Seed of the fault generator (default 1). */
  seed?: number;
  /** The organization that exists from the start (default DEFAULT_ORG_ID). */
  defaultOrgId?: string;
  defaultOrgConfig?: OrganizationConfigInput;
  /** API key and secret of the default organization (default DEFAULT_API_KEY / DEFAULT_API_SECRET). */
  defaultCredentials?: { apiKey: string; apiSecret: string };
  auth?: Partial<AuthSettings>;
  delivery?: Partial<DeliverySettings>;
  faults?: FaultSettings;
  /** Start time of the emulator clock (default: now). */
  clockStart?: number | string | Date;
}

export const DEFAULT_ORG_ID = '00000000-0000-4000-8000-00000000e3e7';
export const DEFAULT_API_KEY = 'm3ter-emulator-api-key';
export const DEFAULT_API_SECRET = 'm3ter-emulator-api-secret-0000000000000000';

/** Who the control's changes are attributed to (createdBy / lastModifiedBy). */
export const CONTROL_ACTOR = 'm3ter-emulator';

export type EventEntity = 'account' | 'product' | 'aggregation' | 'compoundaggregation' | 'bill';

export function eventNameFor(entity: EventEntity, verb: EventVerb): string {
  return entity === 'bill' ? `billing.bill.${verb}` : `configuration.${entity}.${verb}`;
}

export class EmulatorState {
  readonly clock: EmulatorClock;
  readonly auth: AuthServer;
  readonly faults: FaultInjector;
  readonly counters = new Counters();
  readonly deliveries: DeliveryEngine;
  readonly defaultOrgId: string;
  readonly defaultCredentials: { apiKey: string; apiSecret: string };
  private readonly orgs = new Map<string, Organization>();
  private seq = 0;

  constructor(private readonly options: M3terEmulatorOptions = {}) {
    this.clock = new EmulatorClock(options.clockStart);
    this.auth = new AuthServer(this.clock, options.auth);
    this.faults = new FaultInjector(options.seed ?? 1);
    this.deliveries = new DeliveryEngine(this.clock, this.counters, options.delivery);
    this.defaultOrgId = options.defaultOrgId ?? DEFAULT_ORG_ID;
    this.defaultCredentials = options.defaultCredentials ?? {
      apiKey: DEFAULT_API_KEY,
      apiSecret: DEFAULT_API_SECRET,
    };
    this.applyStartOptions();
  }

  private applyStartOptions(): void {
    if (this.options.faults) this.faults.setFaults(this.options.faults);
    this.createOrg(this.defaultOrgId, this.options.defaultOrgConfig ?? {});
    this.auth.register({ orgId: this.defaultOrgId, ...this.defaultCredentials });
  }

  nextSeq = (): number => {
    this.seq += 1;
    return this.seq;
  };

  ctx(actor = CONTROL_ACTOR): BuildContext {
    return { now: this.clock.iso(), actor };
  }

  createOrg(orgId: string, config: OrganizationConfigInput): Organization {
    if (this.orgs.has(orgId)) throw new ControlError(`organization ${orgId} already exists`, 409);
    if (!/^[A-Za-z0-9_-]{1,100}$/.test(orgId)) throw new ControlError(`invalid organization id ${orgId}`);
    const org = new Organization(orgId, buildOrgConfig(orgId, config, this.ctx()), this.nextSeq);
    this.orgs.set(orgId, org);
    return org;
  }

  hasOrg(orgId: string): boolean {
    return this.orgs.has(orgId);
  }

  org(orgId: string): Organization {
    const org = this.orgs.get(orgId);
    if (!org) throw new ControlError(`unknown organization ${orgId}`, 404);
    return org;
  }

  allOrgs(): Organization[] {
    return [...this.orgs.values()];
  }

  registerCredentials(credentials: ApiCredentials): ApiCredentials {
    this.org(credentials.orgId);
    try {
      return this.auth.register(credentials);
    } catch (e) {
      if (e instanceof RangeError) throw new ControlError(e.message, 409);
      throw e;
    }
  }

  // ---- events ---------------------------------------------------------------------------------------

  /** The object as an event carries it: a bill without its line items unless configured otherwise. */
  private dto(entity: EventEntity, value: JsonObject): JsonObject {
    if (entity === 'bill' && !this.deliveries.settings.includeBillLineItems)
      return clone(billHeader(value as Bill));
    return clone(value);
  }

  /** Records the event of a change and delivers it to every matching destination. */
  emit(
    org: Organization,
    entity: EventEntity,
    verb: EventVerb,
    newValue?: JsonObject,
    oldValue?: JsonObject,
  ): M3terEvent {
    const eventName = eventNameFor(entity, verb);
    const eventData: { newDto?: JsonObject; oldDto?: JsonObject } = {};
    if (verb !== 'deleted' && newValue) eventData.newDto = this.dto(entity, newValue);
    if (verb !== 'created' && oldValue) eventData.oldDto = this.dto(entity, oldValue);
    const event: M3terEvent = {
      id: randomUUID(),
      eventName,
      eventTime: this.clock.iso(),
      dtActioned: null,
      m3terEvent: { orgId: org.id, eventData },
    };
    org.events.put(event);
    this.counters.event(eventName);
    const targets = this.targetsFor(org, eventName, { new: newValue, old: oldValue });
    if (targets.length > 0) this.deliveries.deliver(org.id, event, targets);
    return clone(event);
  }

  /** Active webhook destinations whose active notification rule for `eventName` holds (one delivery each). */
  targetsFor(
    org: Organization,
    eventName: string,
    scope: { new?: JsonObject; old?: JsonObject },
  ): DeliveryTarget[] {
    const targets = new Map<string, DeliveryTarget>();
    const rules = org.notifications
      .values()
      .filter(
        (r) =>
          r.active &&
          r.eventName === eventName &&
          (r.alwaysFireEvent || (r.calculation !== '' && calculationHolds(r.calculation, scope))),
      );
    for (const rule of rules) {
      for (const ic of org.integrationConfigs.values()) {
        if (
          ic.entityType !== 'Notification' ||
          ic.entityId !== rule.id ||
          ic.destination.toLowerCase() !== 'webhook' ||
          !ic.enabled ||
          ic.destinationId === undefined
        )
          continue;
        const wh = org.webhooks.get(ic.destinationId);
        if (!wh || !wh.active || targets.has(wh.id)) continue;
        targets.set(wh.id, {
          destinationId: wh.id,
          url: wh.url,
          apiKey: wh.credentials.apiKey,
          secret: wh.credentials.secret,
        });
      }
    }
    return [...targets.values()];
  }

  findEvent(eventId: string): { org: Organization; event: M3terEvent } | undefined {
    for (const org of this.orgs.values()) {
      const event = org.events.get(eventId);
      if (event) return { org, event };
    }
    return undefined;
  }

  /**
   * Sends an event again: to `destinationId`, else to the destinations it went to before, else to the
   * destinations whose rules match now.
   */
  redeliver(eventId: string, destinationId?: string): DeliveryRecord[] {
    const found = this.findEvent(eventId);
    if (!found) throw new ControlError(`unknown event ${eventId}`, 404);
    const { org, event } = found;
    let targets: DeliveryTarget[];
    if (destinationId !== undefined) {
      const wh = org.webhooks.get(destinationId);
      if (!wh) throw new ControlError(`unknown webhook destination ${destinationId}`, 404);
      targets = [
        { destinationId: wh.id, url: wh.url, apiKey: wh.credentials.apiKey, secret: wh.credentials.secret },
      ];
    } else {
      targets = this.deliveries.targetsOf(eventId);
      if (targets.length === 0) {
        const data = event.m3terEvent.eventData;
        targets = this.targetsFor(org, event.eventName, { new: data.newDto, old: data.oldDto });
      }
    }
    const previous = this.deliveries.list({ eventId }).at(-1)?.id ?? eventId;
    return this.deliveries.deliver(org.id, event, targets, previous);
  }

  /** Back to the state right after start. */
  reset(): void {
    this.deliveries.reset();
    this.orgs.clear();
    this.auth.reset();
    this.faults.clear();
    this.counters.reset();
    if (this.options.clockStart !== undefined) this.clock.set(this.options.clockStart);
    else this.clock.reset();
    this.applyStartOptions();
  }

  /** Stops deliveries (timers, in-flight requests). */
  close(): void {
    this.deliveries.stop();
  }
}
