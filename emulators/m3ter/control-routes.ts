/** HTTP access to M3terEmulatorControl under /_emulator (documented in emulators/m3ter/README.md). */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import type { M3terEmulatorControl } from './control';
import { ApiError, ControlError } from './errors';
import type { JsonObject } from './json';
import type {
  AccountInput,
  AggregationInput,
  Bill,
  BillInput,
  CompoundAggregationInput,
  DeliveryFilter,
  DeliveryStatus,
  GenerateBillInput,
  IntegrationConfigInput,
  NotificationConfigurationInput,
  OrganizationConfigInput,
  OrgUserInput,
  ProductInput,
  RecalculateBillInput,
  WebhookDestinationInput,
} from './types';

const share = z.number().min(0).max(1);

const orgConfig = z
  .looseObject({
    currency: z.string().min(1),
    timezone: z.string().min(1),
    daysBeforeBillDue: z.number().int().min(0),
    externalInvoiceDate: z.enum(['FIRST_DAY_OF_NEXT_PERIOD', 'LAST_DAY_OF_ARREARS']),
    billPrefix: z.string().nullable(),
    sequenceStartNumber: z.number().int().min(0),
  })
  .partial();

const faultSettings = z
  .object({
    errorShare: share,
    errorStatuses: z.array(z.number().int().min(400).max(599)),
    throttleShare: share,
    throttleRetryAfterSeconds: z.number().min(0),
    dropShare: share,
    latencyMs: z.number().min(0),
    latencyShare: share,
  })
  .partial()
  .strict();

const faultAction = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('status'),
    status: z.number().int().min(100).max(599),
    retryAfter: z.union([z.number().min(0), z.string()]).optional(),
    message: z.string().optional(),
  }),
  z.object({ type: z.literal('drop') }),
  z.object({ type: z.literal('latency'), ms: z.number().min(0) }),
]);

const faultMatch = z
  .object({ method: z.string(), resource: z.string(), path: z.string(), orgId: z.string() })
  .partial()
  .strict();

const queuedFault = z.object({
  action: faultAction,
  match: faultMatch.optional(),
  count: z.number().int().min(1).optional(),
});
const queueBody = z.union([z.object({ faults: z.array(queuedFault) }), queuedFault]);

const deliverySettings = z
  .object({
    maxAttempts: z.number().int().min(1),
    initialBackoffMs: z.number().min(0),
    backoffMultiplier: z.number().min(1),
    maxBackoffMs: z.number().min(0),
    timeoutMs: z.number().min(1),
    includeBillLineItems: z.boolean(),
    paused: z.boolean(),
  })
  .partial()
  .strict();

const DELIVERY_STATUSES = [
  'pending',
  'delivering',
  'retrying',
  'paused',
  'delivered',
  'failed',
  'dropped',
] as const;

/** Entity bodies are checked by the control itself; here only that they are JSON objects. */
const jsonObject = z.record(z.string(), z.unknown());

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success)
    throw new ControlError(
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    );
  return result.data;
}

/** A JSON object body as one of the entity input types (the control validates the fields). */
function entity<T extends JsonObject>(req: Request): T {
  return parse(jsonObject, req.body) as T;
}

function param(req: Request, name: string): string {
  return String((req.params as Record<string, unknown>)[name]);
}

function queryString(req: Request, name: string): string | undefined {
  const v = (req.query as Record<string, unknown>)[name];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Handler = (req: Request) => unknown;

const org = (req: Request) => param(req, 'orgId');
const id = (req: Request) => param(req, 'id');

function routes(control: M3terEmulatorControl): Array<[Method, string, Handler]> {
  const after = (change: () => unknown) => {
    change();
    return control.clock.snapshot();
  };
  return [
    ['get', '/health', () => ({ ok: true, defaultOrgId: control.defaultOrgId })],
    ['post', '/reset', () => control.reset()],

    ['get', '/clock', () => control.clock.snapshot()],
    [
      'post',
      '/clock/advance',
      (req) => after(() => control.clock.advance(parse(z.object({ ms: z.number().min(0) }), req.body).ms)),
    ],
    [
      'post',
      '/clock/set',
      (req) =>
        after(() =>
          control.clock.set(parse(z.object({ time: z.union([z.number(), z.string()]) }), req.body).time),
        ),
    ],

    ['get', '/counters', () => control.counters()],
    ['post', '/counters/reset', () => control.resetCounters()],

    ['get', '/faults', () => control.faults()],
    ['put', '/faults', (req) => control.setFaults(parse(faultSettings, req.body))],
    [
      'delete',
      '/faults',
      (req) => control.clearFaults(parse(z.object({ seed: z.number().int().optional() }), req.body).seed),
    ],
    [
      'post',
      '/faults/queue',
      (req) => {
        const b = parse(queueBody, req.body);
        return control.enqueueFaults('faults' in b ? b.faults : [b]);
      },
    ],

    [
      'put',
      '/auth/settings',
      (req) =>
        control.setAuthSettings(
          parse(z.object({ tokenTtlSeconds: z.number().int().min(1) }).partial(), req.body),
        ),
    ],
    [
      'post',
      '/tokens/expire',
      (req) => ({
        expired: control.expireTokens(parse(z.object({ orgId: z.string().optional() }), req.body).orgId),
      }),
    ],

    ['get', '/organizations', () => control.organizations()],
    [
      'post',
      '/organizations',
      (req) => {
        const b = parse(z.object({ orgId: z.string().optional(), config: orgConfig.optional() }), req.body);
        return control.createOrganization(b.orgId, (b.config ?? {}) as OrganizationConfigInput);
      },
    ],
    ['get', '/organizations/:orgId', (req) => control.organization(org(req))],
    [
      'patch',
      '/organizations/:orgId/config',
      (req) =>
        control.updateOrganizationConfig(org(req), parse(orgConfig, req.body) as OrganizationConfigInput),
    ],
    ['get', '/organizations/:orgId/credentials', (req) => control.apiCredentials(org(req))],
    [
      'post',
      '/organizations/:orgId/credentials',
      (req) =>
        control.createApiCredentials(
          org(req),
          parse(z.object({ apiKey: z.string().min(1), apiSecret: z.string().min(1) }).partial(), req.body),
        ),
    ],
    ['post', '/organizations/:orgId/tokens', (req) => control.mintToken(org(req))],

    ['get', '/organizations/:orgId/accounts', (req) => control.accounts(org(req))],
    [
      'post',
      '/organizations/:orgId/accounts',
      (req) => control.createAccount(org(req), entity<AccountInput>(req)),
    ],
    [
      'patch',
      '/organizations/:orgId/accounts/:id',
      (req) => control.updateAccount(org(req), id(req), entity<AccountInput>(req)),
    ],
    ['delete', '/organizations/:orgId/accounts/:id', (req) => control.deleteAccount(org(req), id(req))],
    ['get', '/organizations/:orgId/products', (req) => control.products(org(req))],
    [
      'post',
      '/organizations/:orgId/products',
      (req) => control.createProduct(org(req), entity<ProductInput>(req)),
    ],
    [
      'patch',
      '/organizations/:orgId/products/:id',
      (req) => control.updateProduct(org(req), id(req), entity<ProductInput>(req)),
    ],
    ['delete', '/organizations/:orgId/products/:id', (req) => control.deleteProduct(org(req), id(req))],
    ['get', '/organizations/:orgId/aggregations', (req) => control.aggregations(org(req))],
    [
      'post',
      '/organizations/:orgId/aggregations',
      (req) => control.createAggregation(org(req), entity<AggregationInput>(req)),
    ],
    [
      'patch',
      '/organizations/:orgId/aggregations/:id',
      (req) => control.updateAggregation(org(req), id(req), entity<AggregationInput>(req)),
    ],
    [
      'delete',
      '/organizations/:orgId/aggregations/:id',
      (req) => control.deleteAggregation(org(req), id(req)),
    ],
    ['get', '/organizations/:orgId/compoundaggregations', (req) => control.compoundAggregations(org(req))],
    [
      'post',
      '/organizations/:orgId/compoundaggregations',
      (req) => control.createCompoundAggregation(org(req), entity<CompoundAggregationInput>(req)),
    ],
    [
      'patch',
      '/organizations/:orgId/compoundaggregations/:id',
      (req) => control.updateCompoundAggregation(org(req), id(req), entity<CompoundAggregationInput>(req)),
    ],
    [
      'delete',
      '/organizations/:orgId/compoundaggregations/:id',
      (req) => control.deleteCompoundAggregation(org(req), id(req)),
    ],
    ['get', '/organizations/:orgId/users', (req) => control.users(org(req))],
    ['post', '/organizations/:orgId/users', (req) => control.createUser(org(req), entity<OrgUserInput>(req))],

    ['get', '/organizations/:orgId/bills', (req) => control.bills(org(req))],
    ['post', '/organizations/:orgId/bills', (req) => control.createBill(org(req), entity<BillInput>(req))],
    [
      'post',
      '/organizations/:orgId/bills/generate',
      (req) => control.generateBill(org(req), entity<BillInput>(req) as GenerateBillInput),
    ],
    ['get', '/organizations/:orgId/bills/:id', (req) => control.bill(org(req), id(req))],
    [
      'put',
      '/organizations/:orgId/bills/:id',
      (req) => control.putBill(org(req), { ...entity<Bill>(req), id: id(req) }),
    ],
    ['post', '/organizations/:orgId/bills/:id/approve', (req) => control.approveBill(org(req), id(req))],
    [
      'post',
      '/organizations/:orgId/bills/:id/recalculate',
      (req) => control.recalculateBill(org(req), id(req), entity<RecalculateBillInput>(req)),
    ],
    ['delete', '/organizations/:orgId/bills/:id', (req) => control.deleteBill(org(req), id(req))],

    ['get', '/organizations/:orgId/events', (req) => control.events(org(req), queryString(req, 'eventName'))],
    ['get', '/organizations/:orgId/events/:id', (req) => control.event(org(req), id(req))],

    ['get', '/organizations/:orgId/webhooks', (req) => control.webhookDestinations(org(req))],
    [
      'post',
      '/organizations/:orgId/webhooks',
      (req) => control.createWebhookDestination(org(req), entity<WebhookDestinationInput>(req)),
    ],
    [
      'patch',
      '/organizations/:orgId/webhooks/:id',
      (req) => control.updateWebhookDestination(org(req), id(req), entity<WebhookDestinationInput>(req)),
    ],
    ['get', '/organizations/:orgId/notifications', (req) => control.notificationConfigurations(org(req))],
    [
      'post',
      '/organizations/:orgId/notifications',
      (req) => control.createNotificationConfiguration(org(req), entity<NotificationConfigurationInput>(req)),
    ],
    ['get', '/organizations/:orgId/integrationconfigs', (req) => control.integrationConfigs(org(req))],
    [
      'post',
      '/organizations/:orgId/integrationconfigs',
      (req) => control.createIntegrationConfig(org(req), entity<IntegrationConfigInput>(req)),
    ],
    [
      'post',
      '/organizations/:orgId/subscriptions',
      (req) =>
        control.subscribe(
          org(req),
          parse(
            z.object({
              url: z.string().min(1),
              apiKey: z.string().min(1),
              secret: z.string().min(1),
              eventNames: z.array(z.string().min(1)).optional(),
              name: z.string().min(1).optional(),
            }),
            req.body,
          ),
        ),
    ],

    [
      'get',
      '/deliveries',
      (req) => {
        const status = queryString(req, 'status');
        if (status !== undefined && !(DELIVERY_STATUSES as readonly string[]).includes(status))
          throw new ControlError(`status is one of ${DELIVERY_STATUSES.join(', ')}`);
        const filter: DeliveryFilter = {};
        const orgId = queryString(req, 'orgId');
        const eventId = queryString(req, 'eventId');
        const destinationId = queryString(req, 'destinationId');
        if (orgId !== undefined) filter.orgId = orgId;
        if (eventId !== undefined) filter.eventId = eventId;
        if (destinationId !== undefined) filter.destinationId = destinationId;
        if (status !== undefined) filter.status = status as DeliveryStatus;
        return control.deliveries(filter);
      },
    ],
    ['get', '/deliveries/settings', () => control.deliverySettings()],
    ['put', '/deliveries/settings', (req) => control.setDeliverySettings(parse(deliverySettings, req.body))],
    ['post', '/deliveries/pause', () => control.pauseDeliveries()],
    ['post', '/deliveries/resume', () => control.resumeDeliveries()],
    [
      'post',
      '/deliveries/drop',
      (req) => ({
        dropped: control.dropDelivery(parse(z.object({ eventId: z.string().min(1) }), req.body).eventId),
      }),
    ],
    [
      'post',
      '/deliveries/drop-next',
      (req) =>
        control.dropNextDeliveries(
          parse(
            z
              .object({ eventName: z.string(), destinationId: z.string(), count: z.number().int().min(1) })
              .partial()
              .strict(),
            req.body,
          ),
        ),
    ],
    [
      'post',
      '/deliveries/redeliver',
      (req) => {
        const b = parse(
          z.object({ eventId: z.string().min(1), destinationId: z.string().optional() }),
          req.body,
        );
        return control.redeliver(b.eventId, b.destinationId);
      },
    ],
    [
      'post',
      '/deliveries/wait',
      async (req) => {
        const b = parse(z.object({ timeoutMs: z.number().int().min(1).max(120_000).optional() }), req.body);
        await control.waitForDeliveries(b.timeoutMs);
        return { idle: true };
      },
    ],
  ];
}

function statusOf(err: unknown): { status: number; message: string } | undefined {
  if (err instanceof ControlError) return { status: err.status, message: err.message };
  if (err instanceof ApiError) return { status: err.status, message: err.message };
  if (err instanceof RangeError) return { status: 400, message: err.message };
  return undefined;
}

export function controlRouter(control: M3terEmulatorControl): Router {
  const r = express.Router();
  r.use(express.json({ limit: '20mb' }));
  for (const [method, path, handler] of routes(control)) {
    r[method](path, async (req: Request, res: Response, next: NextFunction) => {
      try {
        const result = await handler(req);
        res.status(200).json(result === undefined ? { ok: true } : result);
      } catch (err) {
        next(err);
      }
    });
  }
  r.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no control endpoint ${req.method} ${req.originalUrl}` });
  });
  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const known = statusOf(err);
    if (known) res.status(known.status).json({ error: known.message });
    else if (err instanceof SyntaxError) res.status(400).json({ error: `malformed JSON: ${err.message}` });
    else next(err);
  });
  return r;
}
