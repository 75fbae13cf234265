import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/repositories/common';
import {
  listWebhookDestinations,
  saveWebhookDestination,
} from '../db/repositories/m3ter-webhook-destinations.repository';
import type { M3terClient } from '../m3ter/client';
import type { IntegrationConfig, NotificationConfiguration, WebhookDestination } from '../m3ter/types';
import type { SecretBox } from '../platform/secret-box';

/**
 * One-command m3ter set-up: in m3ter, through its API, the webhook destination that points at this service
 * (with credentials generated here, the secret stored sealed), one notification rule per event the service
 * acts on, and the integration configuration linking each rule to the destination. Idempotent: what exists
 * is kept, what is missing is made; a dry run says what it would make and makes nothing.
 */

/** The events the service acts on (README "Webhooks"). */
export const M3TER_WEBHOOK_EVENTS = [
  'billing.bill.created',
  'billing.bill.updated',
  'billing.bill.deleted',
  ...['account', 'product', 'aggregation', 'compoundaggregation'].flatMap((entity) =>
    ['created', 'updated', 'deleted'].map((op) => `configuration.${entity}.${op}`),
  ),
] as const;

const DESTINATION_CODE = 'quickbooks_bill_sync';

export interface M3terConnectionDeps {
  db: Queryable;
  m3ter: M3terClient;
  secretBox: SecretBox;
  /** `PUBLIC_BASE_URL/webhooks/m3ter`. */
  webhookUrl: string;
}

export interface ConnectionStep {
  object: 'WebhookDestination' | 'NotificationConfiguration' | 'IntegrationConfig';
  name: string;
  /** create: made now (or, in a dry run, would be); keep: already there; rotate: there, but its secret is not ours. */
  action: 'create' | 'keep' | 'rotate';
  /** m3ter's id (absent for what a dry run would create). */
  id?: string;
}

export interface ConnectionResult {
  webhookUrl: string;
  dryRun: boolean;
  steps: ConnectionStep[];
}

export async function connectM3terWebhooks(
  deps: M3terConnectionDeps,
  options: { dryRun?: boolean } = {},
): Promise<ConnectionResult> {
  const dryRun = options.dryRun ?? false;
  const steps: ConnectionStep[] = [];
  const destination = await ensureDestination(deps, dryRun, steps);

  const rules = await collect(deps.m3ter.iterateNotificationConfigurations());
  const links = destination
    ? await collect(deps.m3ter.iterateIntegrationConfigs({ destinationId: destination.id }))
    : [];
  for (const eventName of M3TER_WEBHOOK_EVENTS) {
    const code = `${DESTINATION_CODE}_${eventName.replace(/\./g, '_')}`;
    let rule: NotificationConfiguration | undefined = rules.find((r) => r.code === code);
    if (rule)
      steps.push({ object: 'NotificationConfiguration', name: eventName, action: 'keep', id: rule.id });
    else {
      if (!dryRun)
        rule = await deps.m3ter.createNotificationConfiguration({
          code,
          name: `QuickBooks bill sync: ${eventName}`,
          description: `Sends ${eventName} to ${deps.webhookUrl}`,
          eventName,
          alwaysFireEvent: true,
          active: true,
        });
      steps.push({ object: 'NotificationConfiguration', name: eventName, action: 'create', id: rule?.id });
    }
    const link: IntegrationConfig | undefined =
      rule && links.find((l) => l.entityType === 'Notification' && l.entityId === rule.id);
    if (link) steps.push({ object: 'IntegrationConfig', name: eventName, action: 'keep', id: link.id });
    else {
      const made =
        !dryRun && rule && destination
          ? await deps.m3ter.createIntegrationConfig({
              entityType: 'Notification',
              entityId: rule.id,
              destination: 'Webhook',
              destinationId: destination.id,
              name: `QuickBooks bill sync: ${eventName}`,
            })
          : undefined;
      steps.push({ object: 'IntegrationConfig', name: eventName, action: 'create', id: made?.id });
    }
  }
  return { webhookUrl: deps.webhookUrl, dryRun, steps };
}

/** The destination for our URL: kept when we hold its secret, otherwise made (or given new credentials). */
async function ensureDestination(
  deps: M3terConnectionDeps,
  dryRun: boolean,
  steps: ConnectionStep[],
): Promise<WebhookDestination | undefined> {
  const existing = (await collect(deps.m3ter.iterateWebhookDestinations())).find(
    (d) => d.url === deps.webhookUrl,
  );
  const stored =
    existing && (await listWebhookDestinations(deps.db)).find((s) => s.m3terDestinationId === existing.id);
  const name = deps.webhookUrl;
  if (existing && stored) {
    steps.push({ object: 'WebhookDestination', name, action: 'keep', id: existing.id });
    return existing;
  }
  const action = existing ? 'rotate' : 'create';
  if (dryRun) {
    steps.push({ object: 'WebhookDestination', name, action, id: existing?.id });
    return existing;
  }
  const credentials = {
    type: 'M3TER_SIGNED_REQUEST' as const,
    apiKey: `qbo-sync-${randomBytes(12).toString('base64url')}`,
    secret: randomBytes(32).toString('base64url'),
  };
  const request = {
    name: 'QuickBooks bill sync',
    code: DESTINATION_CODE,
    description: 'Bill and configuration events for the QuickBooks bill sync',
    url: deps.webhookUrl,
    active: true,
    credentials,
  };
  const destination = existing
    ? await deps.m3ter.updateWebhookDestination(existing.id, { ...request, version: existing.version ?? 1 })
    : await deps.m3ter.createWebhookDestination(request);
  await saveWebhookDestination(deps.db, {
    m3terDestinationId: destination.id,
    url: deps.webhookUrl,
    apiKey: credentials.apiKey,
    secretSealed: deps.secretBox.seal(credentials.secret, sealContext(destination.id)),
  });
  steps.push({ object: 'WebhookDestination', name, action, id: destination.id });
  return destination;
}

/** The credentials a delivery may be signed with: the configured one, and those of the destinations made here. */
export interface WebhookKeyring {
  /** The secret for a delivery carrying this API key, or undefined when none is known. */
  secretFor(apiKey: string | undefined): Promise<{ secret: string; apiKey?: string } | undefined>;
}

/**
 * Destinations are reread at most every `cacheMs` (30 s), or after a second when a delivery names an API key
 * not seen yet (one made a moment ago): a flood of deliveries costs no query each.
 */
export function webhookKeyring(deps: {
  db: Queryable;
  secretBox: SecretBox;
  /** M3TER_WEBHOOK_SECRET (and M3TER_WEBHOOK_API_KEY), when set. */
  configured?: { secret?: string; apiKey?: string };
  cacheMs?: number;
}): WebhookKeyring {
  let cached: { at: number; byKey: Map<string, string> } | undefined;
  const load = async (maxAgeMs: number): Promise<Map<string, string>> => {
    if (cached && Date.now() - cached.at < maxAgeMs) return cached.byKey;
    const byKey = new Map(
      (await listWebhookDestinations(deps.db)).map((d) => [
        d.apiKey,
        deps.secretBox.open(d.secretSealed, sealContext(d.m3terDestinationId)),
      ]),
    );
    cached = { at: Date.now(), byKey };
    return byKey;
  };
  return {
    async secretFor(apiKey) {
      const configured = deps.configured?.secret
        ? { secret: deps.configured.secret, apiKey: deps.configured.apiKey }
        : undefined;
      if (apiKey !== undefined && apiKey !== configured?.apiKey) {
        const stored = (await load(deps.cacheMs ?? 30_000)).get(apiKey) ?? (await load(1000)).get(apiKey);
        if (stored !== undefined) return { secret: stored, apiKey };
      }
      return configured;
    },
  };
}

const sealContext = (destinationId: string) => `m3ter-webhook-destination:${destinationId}`;

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}
