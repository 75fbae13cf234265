/** HTTP access to EmulatorControl under /_emulator (documented in emulator/README.md). */
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { ControlError, type EmulatorControl } from './control';
import { QboError } from './errors';

const realmSettings = z
  .object({
    multiCurrency: z.boolean(),
    homeCurrency: z.string().length(3),
    customTxnNumbers: z.boolean(),
    utcOffset: z.string(),
    companyName: z.string().min(1),
    bookCloseDate: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .nullable(),
    country: z.string().regex(/^[A-Z]{2}$/),
  })
  .partial()
  .strict();

const share = z.number().min(0).max(1);
const faultSettings = z
  .object({
    errorShare: share,
    errorStatuses: z.array(z.number().int().min(400).max(599)),
    throttleShare: share,
    dropShare: share,
    commitThenDropShare: share,
    latencyMs: z.number().min(0),
    latencyShare: share,
  })
  .partial()
  .strict();

const faultAction = z.discriminatedUnion('type', [
  z.object({ type: z.literal('status'), status: z.number().int().min(100).max(599) }),
  z.object({ type: z.literal('drop') }),
  z.object({ type: z.literal('commit-then-drop') }),
  z.object({ type: z.literal('latency'), ms: z.number().min(0) }),
  z.object({
    type: z.literal('fault'),
    code: z.string().min(1),
    message: z.string().optional(),
    detail: z.string().optional(),
    element: z.string().optional(),
  }),
]);

const faultMatch = z
  .object({
    target: z.enum(['api', 'oauth', 'batch-item']),
    realmId: z.string(),
    method: z.string(),
    entity: z.string(),
    operation: z.string(),
  })
  .partial()
  .strict();

const queuedFault = z.object({
  action: faultAction,
  match: faultMatch.optional(),
  count: z.number().int().min(1).optional(),
});
const queueBody = z.union([z.object({ faults: z.array(queuedFault) }), queuedFault]);

const limitSettings = z
  .object({
    enabled: z.boolean(),
    requestsPerMinute: z.number().int().min(1),
    maxConcurrent: z.number().int().min(1),
    batchesPerMinute: z.number().int().min(1),
  })
  .partial()
  .strict();

const replySettings = z
  .object({
    throttleStatus: z.union([z.literal(429), z.literal(403)]),
    throttleFormat: z.enum(['xml', 'json']),
    authFormat: z.enum(['json', 'xml']),
    gatewayTimeoutFormat: z.enum(['xml', 'json']),
  })
  .partial()
  .strict();

const oauthSettings = z
  .object({
    accessTokenTtlSeconds: z.number().int().min(1),
    refreshTokenTtlSeconds: z.number().int().min(1),
    refreshTokenHardTtlSeconds: z.number().int().min(1),
    rotation: z.enum(['always', 'daily', 'never']),
    previousRefreshTokenGraceSeconds: z.number().int().min(0),
    authorizationCodeTtlSeconds: z.number().int().min(1),
  })
  .partial()
  .strict();

const client = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
  redirectUris: z.array(z.string()).optional(),
});

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success)
    throw new ControlError(
      result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    );
  return result.data;
}

function param(req: Request, name: string): string {
  return String((req.params as Record<string, unknown>)[name]);
}

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Handler = (req: Request) => unknown;

const realmOf = (req: Request) => param(req, 'realmId');

function salesEntity(req: Request): 'Invoice' | 'CreditMemo' {
  const entity = param(req, 'entity').toLowerCase();
  if (entity === 'invoice') return 'Invoice';
  if (entity === 'creditmemo') return 'CreditMemo';
  throw new ControlError('this applies to invoice or creditmemo');
}

/** Every control endpoint: method, path under /_emulator, handler (its result is the JSON reply, `{ok:true}` for none). */
function routes(control: EmulatorControl): Array<[Method, string, Handler]> {
  const snapshotAfter = (change: () => unknown) => {
    change();
    return control.clock.snapshot();
  };
  return [
    ['get', '/health', () => ({ ok: true, defaultRealmId: control.defaultRealmId })],
    ['post', '/reset', () => control.reset()],

    ['get', '/clock', () => control.clock.snapshot()],
    [
      'post',
      '/clock/advance',
      (req) =>
        snapshotAfter(() => control.clock.advance(parse(z.object({ ms: z.number().min(0) }), req.body).ms)),
    ],
    [
      'post',
      '/clock/set',
      (req) =>
        snapshotAfter(() =>
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
        const body = parse(queueBody, req.body);
        return control.enqueueFaults('faults' in body ? body.faults : [body]);
      },
    ],
    ['put', '/limits', (req) => control.setLimits(parse(limitSettings, req.body))],
    ['get', '/replies', () => control.replies()],
    ['put', '/replies', (req) => control.setReplies(parse(replySettings, req.body))],

    [
      'post',
      '/tokens/expire',
      (req) => ({
        expired: control.expireAccessTokens(
          parse(z.object({ realmId: z.string().optional() }), req.body).realmId,
        ),
      }),
    ],
    [
      'post',
      '/tokens/revoke',
      (req) => ({ revoked: control.revokeToken(parse(z.object({ token: z.string() }), req.body).token) }),
    ],
    ['get', '/oauth/clients', () => control.clients()],
    ['post', '/oauth/clients', (req) => control.registerClient(parse(client, req.body))],
    ['put', '/oauth/settings', (req) => control.setOAuthSettings(parse(oauthSettings, req.body))],

    ['get', '/realms', () => control.realms()],
    [
      'post',
      '/realms',
      (req) => {
        const body = parse(
          z.object({ realmId: z.string().optional(), settings: realmSettings.optional() }),
          req.body,
        );
        return control.createRealm(body.realmId, body.settings);
      },
    ],
    ['get', '/realms/:realmId', (req) => control.realmSummary(realmOf(req))],
    ['patch', '/realms/:realmId', (req) => control.updateRealm(realmOf(req), parse(realmSettings, req.body))],
    [
      'post',
      '/realms/:realmId/multicurrency',
      (req) => {
        const body = parse(
          z.object({ enabled: z.boolean(), homeCurrency: z.string().length(3).optional() }),
          req.body,
        );
        return control.setMultiCurrency(realmOf(req), body.enabled, body.homeCurrency);
      },
    ],
    [
      'put',
      '/realms/:realmId/exchange-rates/:currency',
      (req) =>
        control.setExchangeRate(
          realmOf(req),
          param(req, 'currency'),
          parse(z.object({ rate: z.number() }), req.body).rate,
        ),
    ],
    [
      'put',
      '/realms/:realmId/faults',
      (req) => control.setFaults(parse(faultSettings, req.body), realmOf(req)),
    ],
    [
      'put',
      '/realms/:realmId/limits',
      (req) => control.setLimits(parse(limitSettings, req.body), realmOf(req)),
    ],
    ['get', '/realms/:realmId/replies', (req) => control.replies(realmOf(req))],
    [
      'put',
      '/realms/:realmId/replies',
      (req) => control.setReplies(parse(replySettings, req.body), realmOf(req)),
    ],
    ['get', '/realms/:realmId/documents', (req) => control.documents(realmOf(req))],
    [
      'post',
      '/realms/:realmId/tokens',
      (req) =>
        control.mintTokens(
          realmOf(req),
          parse(
            z.object({ clientId: z.string().optional(), scopes: z.array(z.string()).optional() }),
            req.body,
          ),
        ),
    ],
    [
      'post',
      '/realms/:realmId/:entity/:id/edit',
      (req) =>
        control.editDocument(
          realmOf(req),
          salesEntity(req),
          param(req, 'id'),
          parse(
            z
              .object({
                lineAmounts: z.array(z.number()).optional(),
                lines: z
                  .array(
                    z
                      .object({
                        description: z.string().optional(),
                        qty: z.number().optional(),
                        unitPrice: z.number().optional(),
                      })
                      .strict()
                      .nullable(),
                  )
                  .optional(),
                customerId: z.string().min(1).optional(),
                privateNote: z.string().optional(),
              })
              .strict(),
            req.body,
          ),
        ),
    ],
    [
      'put',
      '/webhooks',
      (req) =>
        control.setWebhook(
          parse(
            z
              .object({
                url: z.string().min(1),
                verifierToken: z.string().min(1),
                batchWindowMs: z.number().int().min(0).max(3_600_000).optional(),
                maxAttempts: z.number().int().min(1).max(100).optional(),
                retryDelayMs: z.number().int().min(0).max(3_600_000).optional(),
                entities: z.array(z.enum(['Invoice', 'CreditMemo', 'Customer', 'Item'])).optional(),
              })
              .strict(),
            req.body,
          ),
        ),
    ],
    ['get', '/webhooks', () => ({ webhook: control.webhook() })],
    ['delete', '/webhooks', () => control.clearWebhook()],
    ['post', '/webhooks/flush', async () => ({ attempt: await control.flushWebhooks() })],
    ['get', '/webhooks/attempts', () => ({ attempts: control.webhookAttempts() })],
    [
      'post',
      '/realms/:realmId/:entity/:id/void',
      (req) => control.voidDocument(realmOf(req), salesEntity(req), param(req, 'id')),
    ],
    [
      'post',
      '/realms/:realmId/:entity/:id/delete',
      (req) => control.deleteDocument(realmOf(req), salesEntity(req), param(req, 'id')),
    ],
    [
      'post',
      '/realms/:realmId/:entity/:id/payment',
      (req) => {
        const entity = param(req, 'entity').toLowerCase();
        if (entity !== 'invoice' && entity !== 'creditmemo')
          throw new ControlError('payments apply to invoice or creditmemo');
        const amount = parse(z.object({ amount: z.number().positive().optional() }), req.body).amount;
        return control.applyPayment(
          realmOf(req),
          entity === 'invoice' ? 'Invoice' : 'CreditMemo',
          param(req, 'id'),
          amount,
        );
      },
    ],
  ];
}

export function controlRouter(control: EmulatorControl): Router {
  const r = express.Router();
  r.use(express.json());
  for (const [method, path, handler] of routes(control)) {
    r[method](path, (req: Request, res: Response, next: NextFunction) => {
      const reply = (result: unknown) => res.status(200).json(result === undefined ? { ok: true } : result);
      const result = handler(req);
      if (result instanceof Promise) result.then(reply, next);
      else reply(result);
    });
  }
  r.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no control endpoint ${req.method} ${req.originalUrl}` });
  });
  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof ControlError || err instanceof RangeError)
      res.status(400).json({ error: err.message });
    else if (err instanceof QboError)
      res.status(err.status).json({ error: err.message, Fault: { Error: err.errors, type: err.faultType } });
    else if (err instanceof SyntaxError) res.status(400).json({ error: `malformed JSON: ${err.message}` });
    else next(err);
  });
  return r;
}
