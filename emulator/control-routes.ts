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
]);

const faultMatch = z
  .object({
    target: z.enum(['api', 'oauth']),
    realmId: z.string(),
    method: z.string(),
    entity: z.string(),
    operation: z.string(),
  })
  .partial()
  .strict();

const queuedFault = z.object({ action: faultAction, match: faultMatch.optional(), count: z.number().int().min(1).optional() });
const queueBody = z.union([z.object({ faults: z.array(queuedFault) }), queuedFault]);

const limitSettings = z
  .object({ enabled: z.boolean(), requestsPerMinute: z.number().int().min(1), maxConcurrent: z.number().int().min(1) })
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

const client = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1), redirectUris: z.array(z.string()).optional() });

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw new ControlError(result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '));
  return result.data;
}

function param(req: Request, name: string): string {
  return String((req.params as Record<string, unknown>)[name]);
}

export function controlRouter(control: EmulatorControl): Router {
  const r = express.Router();
  r.use(express.json());
  const json = (handler: (req: Request) => unknown) => (req: Request, res: Response) => {
    const result = handler(req);
    res.status(200).json(result === undefined ? { ok: true } : result);
  };

  r.get('/health', json(() => ({ ok: true, defaultRealmId: control.defaultRealmId })));
  r.post('/reset', json(() => control.reset()));

  r.get('/clock', json(() => control.clock.snapshot()));
  r.post(
    '/clock/advance',
    json((req) => {
      control.clock.advance(parse(z.object({ ms: z.number().min(0) }), req.body).ms);
      return control.clock.snapshot();
    }),
  );
  r.post(
    '/clock/set',
    json((req) => {
      control.clock.set(parse(z.object({ time: z.union([z.number(), z.string()]) }), req.body).time);
      return control.clock.snapshot();
    }),
  );

  r.get('/counters', json(() => control.counters()));
  r.post('/counters/reset', json(() => control.resetCounters()));

  r.get('/faults', json(() => control.faults()));
  r.put('/faults', json((req) => control.setFaults(parse(faultSettings, req.body))));
  r.delete('/faults', json((req) => control.clearFaults(parse(z.object({ seed: z.number().int().optional() }), req.body).seed)));
  r.post(
    '/faults/queue',
    json((req) => {
      const body = parse(queueBody, req.body);
      return control.enqueueFaults('faults' in body ? body.faults : [body]);
    }),
  );
  r.put('/limits', json((req) => control.setLimits(parse(limitSettings, req.body))));

  r.post(
    '/tokens/expire',
    json((req) => ({ expired: control.expireAccessTokens(parse(z.object({ realmId: z.string().optional() }), req.body).realmId) })),
  );
  r.post('/tokens/revoke', json((req) => ({ revoked: control.revokeToken(parse(z.object({ token: z.string() }), req.body).token) })));
  r.get('/oauth/clients', json(() => control.clients()));
  r.post('/oauth/clients', json((req) => control.registerClient(parse(client, req.body))));
  r.put('/oauth/settings', json((req) => control.setOAuthSettings(parse(oauthSettings, req.body))));

  r.get('/realms', json(() => control.realms()));
  r.post(
    '/realms',
    json((req) => {
      const body = parse(z.object({ realmId: z.string().optional(), settings: realmSettings.optional() }), req.body);
      return control.createRealm(body.realmId, body.settings);
    }),
  );
  r.get('/realms/:realmId', json((req) => control.realmSummary(param(req, 'realmId'))));
  r.patch('/realms/:realmId', json((req) => control.updateRealm(param(req, 'realmId'), parse(realmSettings, req.body))));
  r.post(
    '/realms/:realmId/multicurrency',
    json((req) => {
      const body = parse(z.object({ enabled: z.boolean(), homeCurrency: z.string().length(3).optional() }), req.body);
      return control.setMultiCurrency(param(req, 'realmId'), body.enabled, body.homeCurrency);
    }),
  );
  r.put(
    '/realms/:realmId/exchange-rates/:currency',
    json((req) => control.setExchangeRate(param(req, 'realmId'), param(req, 'currency'), parse(z.object({ rate: z.number() }), req.body).rate)),
  );
  r.put('/realms/:realmId/faults', json((req) => control.setFaults(parse(faultSettings, req.body), param(req, 'realmId'))));
  r.put('/realms/:realmId/limits', json((req) => control.setLimits(parse(limitSettings, req.body), param(req, 'realmId'))));
  r.get('/realms/:realmId/documents', json((req) => control.documents(param(req, 'realmId'))));
  r.post(
    '/realms/:realmId/tokens',
    json((req) => {
      const body = parse(z.object({ clientId: z.string().optional(), scopes: z.array(z.string()).optional() }), req.body);
      return control.mintTokens(param(req, 'realmId'), body);
    }),
  );
  r.post(
    '/realms/:realmId/:entity/:id/payment',
    json((req) => {
      const entity = param(req, 'entity').toLowerCase();
      if (entity !== 'invoice' && entity !== 'creditmemo') throw new ControlError('payments apply to invoice or creditmemo');
      const amount = parse(z.object({ amount: z.number().positive().optional() }), req.body).amount;
      return control.applyPayment(param(req, 'realmId'), entity === 'invoice' ? 'Invoice' : 'CreditMemo', param(req, 'id'), amount);
    }),
  );

  r.use((req: Request, res: Response) => {
    res.status(404).json({ error: `no control endpoint ${req.method} ${req.originalUrl}` });
  });
  r.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    if (err instanceof ControlError || err instanceof RangeError) res.status(400).json({ error: err.message });
    else if (err instanceof QboError) res.status(err.status).json({ error: err.message, Fault: { Error: err.errors, type: err.faultType } });
    else if (err instanceof SyntaxError) res.status(400).json({ error: `malformed JSON: ${err.message}` });
    else next(err);
  });
  return r;
}
