/**
 * m3ter's REST API: `POST /oauth/token` and the resources under `/organizations/{orgId}/…` — counters, then
 * injected faults, then bearer auth, then the route. Errors are `{code, message}` JSON.
 */
import type { Request, RequestHandler, Response } from 'express';
import {
  buildIntegrationConfig,
  buildNotification,
  buildWebhook,
  billHeader,
  standaloneLineItem,
} from './entities';
import { ApiError } from './errors';
import type { FaultDecision, RequestInfo } from './faults';
import { clone, isObject, type Json, type JsonObject } from './json';
import { MAX_PAGE_SIZE, paginate, type PageRequest } from './paging';
import type { EmulatorState } from './state';
import type { Collection, Organization, Stored } from './store';
import type {
  Bill,
  IntegrationConfigInput,
  NotificationConfigurationInput,
  WebhookDestinationInput,
} from './types';

interface Reply {
  status: number;
  body: Json;
  headers?: Record<string, string>;
}

interface ApiContext {
  state: EmulatorState;
  org: Organization;
  req: Request;
  params: Record<string, string>;
  /** The token's owner, for createdBy / lastModifiedBy. */
  actor: string;
}

type Handler = (ctx: ApiContext) => Reply;

interface Route {
  method: string;
  segments: string[];
  /** For counters, e.g. `bills/:id/lineitems`. */
  key: string;
  handler: Handler;
}

function send(res: Response, reply: Reply): void {
  if (res.headersSent || res.destroyed) return;
  res.status(reply.status);
  for (const [k, v] of Object.entries(reply.headers ?? {})) res.setHeader(k, v);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(reply.body));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Records the outcome of a counted request once: its status, or `dropped` when it closed without one. */
function countOutcome(state: EmulatorState, res: Response, route: string): void {
  let done = false;
  res.on('finish', () => {
    if (!done) state.counters.outcome(route, res.statusCode);
    done = true;
  });
  res.on('close', () => {
    if (!done) state.counters.outcome(route, 'dropped');
    done = true;
  });
}

/** Carries out a fault decision; true when the request is over (answered or dropped). */
async function applyFault(
  state: EmulatorState,
  decision: FaultDecision,
  req: Request,
  res: Response,
): Promise<boolean> {
  if (decision.injected) state.counters.faultInjected();
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const action = decision.action;
  if (!action) return false;
  if (action.type === 'drop') {
    req.socket.destroy();
    return true;
  }
  const headers: Record<string, string> = {};
  if (action.retryAfter !== undefined) headers['retry-after'] = String(action.retryAfter);
  const message = action.message ?? `injected by the emulator (HTTP ${action.status})`;
  send(res, { status: action.status, body: new ApiError(action.status, message).body(), headers });
  return true;
}

function bearerToken(req: Request): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
}

// ---- query helpers ---------------------------------------------------------------------------------

function queryValues(req: Request, name: string): string[] {
  const query = req.query as Record<string, unknown>;
  const out: string[] = [];
  for (const key of [name, `${name}[]`]) {
    const v = query[key];
    const values = Array.isArray(v) ? v : v === undefined ? [] : [v];
    for (const item of values) if (typeof item === 'string') out.push(item);
  }
  return out;
}

function q(req: Request, name: string): string | undefined {
  return queryValues(req, name)[0];
}

/** `ids=a,b`, `ids=a&ids=b` and `ids[]=a` all give [a, b]. */
function qList(req: Request, name: string): string[] | undefined {
  const values = queryValues(req, name)
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter((v) => v !== '');
  return values.length > 0 ? values : undefined;
}

function qBool(req: Request, name: string): boolean | undefined {
  const v = q(req, name);
  if (v === undefined) return undefined;
  if (v.toLowerCase() === 'true') return true;
  if (v.toLowerCase() === 'false') return false;
  throw new ApiError(400, `${name} must be true or false, got ${v}`);
}

function pageRequest(req: Request): PageRequest {
  const pageSize = q(req, 'pageSize');
  const nextToken = q(req, 'nextToken');
  return { ...(pageSize !== undefined ? { pageSize } : {}), ...(nextToken ? { nextToken } : {}) };
}

function ok(body: Json): Reply {
  return { status: 200, body };
}

function body(req: Request): JsonObject {
  const b: unknown = req.body;
  if (!isObject(b)) throw new ApiError(400, 'the request body must be a JSON object');
  return b;
}

// ---- generic resource handlers ---------------------------------------------------------------------

type Item = JsonObject & { id: string };

function listOf<T extends Item>(
  pick: (org: Organization) => Collection<T>,
  filter: (req: Request) => (value: T) => boolean = () => () => true,
  present: (value: T, req: Request) => Json = (v) => clone(v),
  max = MAX_PAGE_SIZE,
): Handler {
  return ({ org, req }) => {
    const keep = filter(req);
    const ids = qList(req, 'ids');
    const items = pick(org)
      .list()
      .filter((s: Stored<T>) => (ids === undefined || ids.includes(s.value.id)) && keep(s.value));
    const page = paginate(items, pageRequest(req), (v) => present(v, req), max);
    return ok({ data: page.data, ...(page.nextToken ? { nextToken: page.nextToken } : {}) });
  };
}

function getOf<T extends Item>(
  kind: string,
  pick: (org: Organization) => Collection<T>,
  param = 'id',
): Handler {
  return ({ org, params }) => {
    const id = params[param] ?? '';
    const value = pick(org).get(id);
    if (!value) throw new ApiError(404, `${kind} with id ${id} not found`);
    return ok(clone(value));
  };
}

function byCode<T extends Item>(req: Request): (v: T) => boolean {
  const codes = qList(req, 'codes');
  return (v) => codes === undefined || (typeof v.code === 'string' && codes.includes(v.code));
}

/** PUT needs the stored `version` (optimistic concurrency, as m3ter). */
function checkVersion(kind: string, input: JsonObject, current: number): void {
  if (input.version === undefined) throw new ApiError(400, `version is required to update a ${kind}`);
  if (input.version !== current)
    throw new ApiError(409, `${kind} version mismatch: the current version is ${current}`);
}

function crud<T extends Item>(
  kind: string,
  pick: (org: Organization) => Collection<T>,
  build: (org: Organization, input: JsonObject, ctx: ApiContext, existing?: T) => T,
): { create: Handler; update: Handler; remove: Handler } {
  return {
    create: (ctx) => ok(clone(pick(ctx.org).put(build(ctx.org, body(ctx.req), ctx)))),
    update: (ctx) => {
      const id = ctx.params.id ?? '';
      const existing = pick(ctx.org).get(id);
      if (!existing) throw new ApiError(404, `${kind} with id ${id} not found`);
      const input = body(ctx.req);
      checkVersion(kind, input, Number(existing.version));
      const { version: _v, ...rest } = input;
      return ok(clone(pick(ctx.org).put(build(ctx.org, rest, ctx, existing))));
    },
    remove: (ctx) => {
      const id = ctx.params.id ?? '';
      const removed = pick(ctx.org).delete(id);
      if (!removed) throw new ApiError(404, `${kind} with id ${id} not found`);
      return ok(clone(removed));
    },
  };
}

// ---- bills -----------------------------------------------------------------------------------------

function billFilter(req: Request): (b: Bill) => boolean {
  const accountId = q(req, 'accountId');
  const billDate = q(req, 'billDate');
  const start = q(req, 'billDateStart');
  const end = q(req, 'billDateEnd');
  const status = q(req, 'status');
  const locked = qBool(req, 'locked');
  if (status !== undefined && status !== 'PENDING' && status !== 'APPROVED')
    throw new ApiError(400, `status must be PENDING or APPROVED, got ${status}`);
  return (b) =>
    (accountId === undefined || b.accountId === accountId) &&
    (billDate === undefined || b.billDate === billDate) &&
    (start === undefined || b.billDate >= start) &&
    (end === undefined || b.billDate < end) &&
    (status === undefined || b.status === status) &&
    (locked === undefined || b.locked === locked);
}

function presentListedBill(bill: Bill, req: Request): Json {
  const exclude = qBool(req, 'excludeLineItems') === true;
  const withTotal = qBool(req, 'includeBillTotal') === true;
  const shown: JsonObject = exclude ? billHeader(bill) : clone(bill);
  if (!withTotal) delete shown.billTotal;
  return shown;
}

const getBill: Handler = ({ org, params }) => {
  const bill = org.bills.get(params.id ?? '');
  if (!bill) throw new ApiError(404, `Bill with id ${params.id} not found`);
  return ok(clone(bill));
};

const latestBill: Handler = ({ org, params }) => {
  const bills = org.bills.values().filter((b) => b.accountId === params.accountId);
  const latest = bills.reduce<Bill | undefined>(
    (best, b) => (!best || b.billDate > best.billDate ? b : best),
    undefined,
  );
  if (!latest) throw new ApiError(404, `no bill for account ${params.accountId}`);
  return ok(clone(latest));
};

const billLineItems: Handler = ({ org, req, params }) => {
  const bill = org.bills.get(params.billId ?? '');
  if (!bill) throw new ApiError(404, `Bill with id ${params.billId} not found`);
  // Lines keep bill order; the cursor is the line's position.
  const items = bill.lineItems.map((li, i) => ({ seq: bill.lineItems.length - i, value: li }));
  const page = paginate(items, pageRequest(req), (li) => standaloneLineItem(bill, li), 100);
  return ok({ data: page.data, ...(page.nextToken ? { nextToken: page.nextToken } : {}) });
};

const billLineItem: Handler = ({ org, params }) => {
  const bill = org.bills.get(params.billId ?? '');
  const li = bill?.lineItems.find((l) => l.id === params.id);
  if (!bill || !li) throw new ApiError(404, `LineItem with id ${params.id} not found`);
  return ok(standaloneLineItem(bill, li));
};

// ---- routes ----------------------------------------------------------------------------------------

function routes(): Route[] {
  const webhooks = crud(
    'WebhookDestination',
    (o) => o.webhooks,
    (org, input, ctx, existing) =>
      buildWebhook(org, input as WebhookDestinationInput, ctx.state.ctx(ctx.actor), existing),
  );
  const notifications = crud(
    'NotificationConfiguration',
    (o) => o.notifications,
    (org, input, ctx, existing) =>
      buildNotification(org, input as NotificationConfigurationInput, ctx.state.ctx(ctx.actor), existing),
  );
  const integrations = crud(
    'IntegrationConfig',
    (o) => o.integrationConfigs,
    (org, input, ctx, existing) =>
      buildIntegrationConfig(org, input as IntegrationConfigInput, ctx.state.ctx(ctx.actor), existing),
  );
  const table: Array<[string, string, Handler]> = [
    ['GET', 'bills', listOf((o) => o.bills, billFilter, presentListedBill)],
    ['GET', 'bills/latest/:accountId', latestBill],
    ['GET', 'bills/:id', getBill],
    ['GET', 'bills/:billId/lineitems', billLineItems],
    ['GET', 'bills/:billId/lineitems/:id', billLineItem],
    ['GET', 'accounts', listOf((o) => o.accounts, byCode)],
    ['GET', 'accounts/:id', getOf('Account', (o) => o.accounts)],
    ['GET', 'products', listOf((o) => o.products, byCode)],
    ['GET', 'products/:id', getOf('Product', (o) => o.products)],
    [
      'GET',
      'aggregations',
      listOf(
        (o) => o.aggregations,
        (req) => byCode(req),
      ),
    ],
    ['GET', 'aggregations/:id', getOf('Aggregation', (o) => o.aggregations)],
    [
      'GET',
      'compoundaggregations',
      listOf(
        (o) => o.compoundAggregations,
        (req) => {
          const codes = byCode(req);
          const productId = q(req, 'productId');
          return (v) => codes(v) && (productId === undefined || v.productId === productId);
        },
      ),
    ],
    ['GET', 'compoundaggregations/:id', getOf('CompoundAggregation', (o) => o.compoundAggregations)],
    ['GET', 'users', listOf((o) => o.users)],
    ['GET', 'users/:id', getOf('User', (o) => o.users)],
    ['GET', 'organizationconfig', ({ org }) => ok(clone(org.config))],
    [
      'GET',
      'events',
      listOf(
        (o) => o.events,
        (req) => {
          const name = q(req, 'eventName');
          return (e) => name === undefined || e.eventName === name;
        },
      ),
    ],
    ['GET', 'events/:id', getOf('Event', (o) => o.events)],
    ['GET', 'integrationdestinations/webhooks', listOf((o) => o.webhooks)],
    ['POST', 'integrationdestinations/webhooks', webhooks.create],
    ['GET', 'integrationdestinations/webhooks/:id', getOf('WebhookDestination', (o) => o.webhooks)],
    ['PUT', 'integrationdestinations/webhooks/:id', webhooks.update],
    ['DELETE', 'integrationdestinations/webhooks/:id', webhooks.remove],
    [
      'GET',
      'notifications/configurations',
      listOf(
        (o) => o.notifications,
        (req) => {
          const name = q(req, 'eventName');
          const active = qBool(req, 'active');
          return (n) =>
            (name === undefined || n.eventName === name) && (active === undefined || n.active === active);
        },
      ),
    ],
    ['POST', 'notifications/configurations', notifications.create],
    ['GET', 'notifications/configurations/:id', getOf('NotificationConfiguration', (o) => o.notifications)],
    ['PUT', 'notifications/configurations/:id', notifications.update],
    ['DELETE', 'notifications/configurations/:id', notifications.remove],
    [
      'GET',
      'integrationconfigs',
      listOf(
        (o) => o.integrationConfigs,
        (req) => {
          const destinationId = q(req, 'destinationId');
          return (c) => destinationId === undefined || c.destinationId === destinationId;
        },
      ),
    ],
    ['POST', 'integrationconfigs', integrations.create],
    ['GET', 'integrationconfigs/:id', getOf('IntegrationConfig', (o) => o.integrationConfigs)],
    ['PUT', 'integrationconfigs/:id', integrations.update],
    ['DELETE', 'integrationconfigs/:id', integrations.remove],
  ];
  return table.map(([method, path, handler]) => ({ method, segments: path.split('/'), key: path, handler }));
}

function match(
  table: Route[],
  method: string,
  segments: string[],
): { route: Route; params: Record<string, string> } | undefined {
  for (const route of table) {
    if (route.method !== method || route.segments.length !== segments.length) continue;
    const params: Record<string, string> = {};
    let okay = true;
    route.segments.forEach((s, i) => {
      const got = segments[i] ?? '';
      if (s.startsWith(':')) params[s.slice(1)] = got;
      else if (s !== got) okay = false;
    });
    if (okay) return { route, params };
  }
  return undefined;
}

function restSegments(req: Request): string[] {
  const rest: unknown = (req.params as Record<string, unknown>).rest;
  if (Array.isArray(rest)) return rest.map(String).filter((s) => s !== '');
  return typeof rest === 'string' ? rest.split('/').filter((s) => s !== '') : [];
}

function replyFor(err: unknown): Reply | undefined {
  if (err instanceof ApiError) return { status: err.status, body: err.body() };
  return undefined;
}

export function apiHandler(
  state: EmulatorState,
  log: (message: string, error: unknown) => void,
): RequestHandler {
  const table = routes();
  return (req: Request, res: Response) => {
    const orgId = String((req.params as Record<string, unknown>).orgId);
    const segments = restSegments(req);
    const method = req.method.toUpperCase();
    const found = match(table, method, segments);
    const routeKey = `${method} ${found?.route.key ?? 'unknown'}`;
    state.counters.request('api', routeKey, orgId);
    countOutcome(state, res, routeKey);
    const info: RequestInfo = { method, resource: segments[0] ?? '', path: req.path, orgId };
    void (async () => {
      try {
        if (await applyFault(state, state.faults.decide(info), req, res)) return;
        const auth = state.auth.check(bearerToken(req), orgId);
        if (!auth.ok) {
          if (auth.status === 401) state.counters.unauthorized();
          send(res, {
            status: auth.status,
            body: new ApiError(auth.status, auth.reason).body(),
            headers: auth.status === 401 ? { 'www-authenticate': 'Bearer error="invalid_token"' } : {},
          });
          return;
        }
        if (!found) throw new ApiError(404, `no resource for ${method} ${req.path}`);
        send(
          res,
          found.route.handler({
            state,
            org: state.org(orgId),
            req,
            params: found.params,
            actor: 'service-user',
          }),
        );
      } catch (err) {
        const reply = replyFor(err);
        if (reply) return send(res, reply);
        log(`m3ter emulator: unexpected error on ${method} ${req.originalUrl}`, err);
        send(res, { status: 500, body: new ApiError(500, 'internal error').body() });
      }
    })();
  };
}

// ---- token endpoint --------------------------------------------------------------------------------

function basicCredentials(req: Request): { apiKey: string; apiSecret: string } | undefined {
  const m = /^Basic\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  if (!m?.[1]) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { apiKey: decoded.slice(0, colon), apiSecret: decoded.slice(colon + 1) };
}

/** `POST /oauth/token`: Basic apiKey:apiSecret, body `{"grant_type":"client_credentials"}` (JSON or form). */
export function tokenHandler(state: EmulatorState): RequestHandler {
  const routeKey = 'POST oauth/token';
  return (req: Request, res: Response) => {
    state.counters.request('token', routeKey);
    countOutcome(state, res, routeKey);
    void (async () => {
      if (
        await applyFault(
          state,
          state.faults.decide({ method: 'POST', resource: 'oauth', path: req.path }),
          req,
          res,
        )
      )
        return;
      const b: unknown = req.body;
      const grantType = isObject(b) ? b.grant_type : undefined;
      if (grantType !== 'client_credentials') {
        send(res, {
          status: 400,
          body: { error: 'unsupported_grant_type', message: 'grant_type must be client_credentials' },
        });
        return;
      }
      const creds = basicCredentials(req);
      const grant = creds ? state.auth.grant(creds.apiKey, creds.apiSecret) : undefined;
      state.counters.tokenGrant(grant !== undefined);
      if (!grant) {
        send(res, {
          status: 401,
          body: { error: 'invalid_client', message: 'Bad credentials' },
          headers: { 'www-authenticate': 'Basic realm="m3ter"' },
        });
        return;
      }
      send(res, { status: 200, body: { ...grant }, headers: { 'cache-control': 'no-store' } });
    })();
  };
}
