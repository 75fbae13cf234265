/**
 * The QBO v3 API under /v3/company/:realmId/ — auth, limits, injected faults, then the entity operations,
 * query, batch, preferences and companyinfo, with `requestid` replay for writes.
 */
import type { Request, RequestHandler, Response } from 'express';
import { companyInfo, preferences } from './company';
import { formatDateTime } from './clock';
import { ENTITIES, entityFromPath, type OpContext } from './entities';
import {
  authenticationFailedReply,
  authorizationFailedReply,
  errors,
  injectedFault,
  faults,
  QboError,
  systemFaultReply,
  throttledReply,
  type HttpReply,
  type ReplyTime,
} from './errors';
import type { RequestInfo } from './faults';
import { applyFault, bearerToken, countOutcome, dropConnection, queryParam, sendReply } from './http';
import {
  asArray,
  asBoolean,
  asObject,
  asString,
  canonicalJson,
  isObject,
  type Json,
  type JsonObject,
} from './json';
import {
  MAX_RESULTS_LIMIT,
  mentionsField,
  parseQuery,
  QuerySyntaxError,
  runQuery,
  type ParsedQuery,
} from './query-language';
import type { EmulatorState } from './state';
import type { Realm } from './store';
import { ENTITY_NAMES, type EntityName } from './types';

const MAX_REQUEST_ID = 50;
const MAX_BATCH_REQUEST_ID = 36;
const MAX_BATCH_ITEMS = 30;
/** With a batch-level requestid, each bId may be at most 10 characters. */
const MAX_BATCH_ID_WITH_REQUEST_ID = 10;

interface ApiContext {
  state: EmulatorState;
  realm: Realm;
  req: Request;
  segments: string[];
  op: OpContext;
}

function replyTime(state: EmulatorState, realmId: string): ReplyTime {
  const offset = state.store.has(realmId) ? state.store.realm(realmId).settings.utcOffset : '-07:00';
  return { nowMs: state.clock.now(), utcOffset: offset };
}

function timeField(ctx: ApiContext): string {
  return formatDateTime(ctx.op.nowMs, ctx.realm.settings.utcOffset, true);
}

/** The path after /v3/company/:realmId/, as segments. */
function restSegments(req: Request): string[] {
  const rest: unknown = (req.params as Record<string, unknown>).rest;
  if (Array.isArray(rest)) return rest.map(String).filter((s) => s !== '');
  return typeof rest === 'string' ? rest.split('/').filter((s) => s !== '') : [];
}

function queryText(req: Request): string | undefined {
  if (req.method === 'POST' && typeof req.body === 'string') return req.body;
  return queryParam(req, 'query');
}

/** Method, entity and operation of an API request (for counters and fault matching). */
export function describeApiRequest(req: Request, realmId: string, segments: string[]): RequestInfo {
  const first = (segments[0] ?? '').toLowerCase();
  const base = { target: 'api' as const, method: req.method.toUpperCase(), realmId };
  if (first === 'query') {
    const from = /\bfrom\s+([A-Za-z]+)/i.exec(queryText(req) ?? '');
    return { ...base, entity: (from?.[1] ?? 'unknown').toLowerCase(), operation: 'query' };
  }
  if (first === 'batch') return { ...base, entity: 'batch', operation: 'batch' };
  if (first === 'cdc') return { ...base, entity: 'cdc', operation: 'cdc' };
  if (base.method !== 'POST') return { ...base, entity: first, operation: 'read' };
  const body: unknown = req.body;
  const operation =
    queryParam(req, 'operation')?.toLowerCase() ??
    (isObject(body) && body.Id !== undefined ? 'update' : 'create');
  return { ...base, entity: first, operation };
}

// ---- queries ------------------------------------------------------------------------------------------

type Queryable = EntityName | 'Preferences' | 'CompanyInfo';
const QUERYABLE = new Map<string, Queryable>(
  [...ENTITY_NAMES, 'Preferences' as const, 'CompanyInfo' as const].map((n) => [n.toLowerCase(), n]),
);

function usesField(q: ParsedQuery, pattern: RegExp): boolean {
  return [...q.where.map((c) => c.field), ...q.orderBy.map((o) => o.field)].some((f) => pattern.test(f));
}

/** The content of `QueryResponse` for a query text. */
function executeQuery(ctx: ApiContext, text: string | undefined): JsonObject {
  if (text === undefined || text.trim() === '')
    throw errors.queryParse('Encountered "<EOF>" at line 1, column 1. The query is empty.');
  let parsed: ParsedQuery;
  try {
    parsed = parseQuery(text);
  } catch (e) {
    if (e instanceof QuerySyntaxError) throw errors.queryParse(e.message);
    throw e;
  }
  if (parsed.maxResults !== undefined && parsed.maxResults > MAX_RESULTS_LIMIT) {
    throw errors.queryValidation(
      `value ${parsed.maxResults} is too large. Max allowed value is ${MAX_RESULTS_LIMIT}`,
    );
  }
  const name = QUERYABLE.get(parsed.entity.toLowerCase());
  if (!name) throw errors.unknownQueryEntity(parsed.entity);
  const present = (d: JsonObject): JsonObject =>
    name === 'Preferences' || name === 'CompanyInfo' ? d : ENTITIES[name].present(ctx.op, d);
  let docs: JsonObject[] =
    name === 'Preferences'
      ? [preferences(ctx.realm)]
      : name === 'CompanyInfo'
        ? [companyInfo(ctx.realm)]
        : ctx.realm.live(name);
  // QBO returns only active customers and items unless the query says otherwise.
  if ((name === 'Customer' || name === 'Item') && !mentionsField(parsed, 'Active'))
    docs = docs.filter((d) => d.Active !== false);
  const presentFirst = name === 'Customer' && usesField(parsed, /^balance/i);
  if (presentFirst) docs = docs.map(present);
  const page = runQuery(docs, parsed);
  if (parsed.count) return { totalCount: page.totalCount };
  if (page.items.length === 0) return {};
  const items = presentFirst ? page.items : page.items.map(present);
  return { [name]: items, startPosition: page.startPosition, maxResults: items.length };
}

// ---- change data capture -------------------------------------------------------------------------------

const CDC_MAX_OBJECTS = 1000;
const CDC_LOOKBACK_MS = 30 * 86_400_000;

/**
 * GET /cdc?entities=Invoice,CreditMemo&changedSince=…: every document of those entities changed (or
 * deleted: `{Id, status: "Deleted", MetaData}`) at or after the time, at most 1000 in all, 30 days back at most.
 */
function changeDataCapture(ctx: ApiContext): JsonObject {
  const names = (queryParam(ctx.req, 'entities') ?? '')
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  if (names.length === 0) throw errors.validation(faults.requiredParam('entities'));
  const since = Date.parse(queryParam(ctx.req, 'changedSince') ?? '');
  if (Number.isNaN(since)) throw errors.validation(faults.requiredParam('changedSince'));
  if (ctx.op.nowMs - since > CDC_LOOKBACK_MS)
    throw errors.queryValidation('changedSince: only changes of the last 30 days can be captured');
  let left = CDC_MAX_OBJECTS;
  const responses: JsonObject[] = [];
  for (const raw of names) {
    const entity = ENTITY_NAMES.find((n) => n.toLowerCase() === raw.toLowerCase());
    if (!entity) throw errors.unknownQueryEntity(raw);
    const changed: JsonObject[] = [];
    for (const stored of ctx.realm.docs[entity].values()) {
      if (left === 0) break;
      if (stored.deleted) {
        if ((stored.deletedAtMs ?? 0) < since) continue;
        const at = formatDateTime(stored.deletedAtMs ?? ctx.op.nowMs, ctx.realm.settings.utcOffset, true);
        changed.push({
          domain: 'QBO',
          status: 'Deleted',
          Id: stored.doc.Id ?? '',
          MetaData: { LastUpdatedTime: at },
        });
      } else {
        const meta = asObject(stored.doc.MetaData);
        if (Date.parse(asString(meta?.LastUpdatedTime) ?? '') < since) continue;
        changed.push(ENTITIES[entity].present(ctx.op, stored.doc));
      }
      left -= 1;
    }
    responses.push(changed.length ? { [entity]: changed, startPosition: 1, maxResults: changed.length } : {});
  }
  return { CDCResponse: [{ QueryResponse: responses }] };
}

// ---- writes -------------------------------------------------------------------------------------------

type WriteOperation = 'create' | 'update' | 'void' | 'delete';

function runWrite(
  ctx: ApiContext,
  entity: EntityName,
  operation: string,
  body: unknown,
  sparse?: boolean,
): JsonObject {
  const payload = asObject(body);
  if (!payload) throw errors.malformedBody(`a JSON object with the ${entity} is required`);
  const module = ENTITIES[entity];
  let result: JsonObject;
  switch (operation as WriteOperation) {
    case 'create':
      result = module.create(ctx.op, payload);
      break;
    case 'update':
      result = module.update(ctx.op, payload, sparse ?? asBoolean(payload.sparse) === true);
      break;
    case 'void':
      result = module.void(ctx.op, payload);
      break;
    case 'delete':
      result = module.delete(ctx.op, payload);
      break;
    default:
      throw errors.unsupportedOperation(`${operation} for ${entity}`);
  }
  ctx.state.counters.write(entity);
  return result;
}

/** Runs a write once per `requestid`: a repeat with the same request replays the first reply. */
function withRequestId(ctx: ApiContext, maxLength: number, run: () => HttpReply): HttpReply {
  const id = queryParam(ctx.req, 'requestid');
  if (id === undefined || id === '') return run();
  if (id.length > maxLength) throw errors.invalidRequestId(id, maxLength);
  const fingerprint = [
    ctx.req.method,
    ctx.segments.join('/').toLowerCase(),
    queryParam(ctx.req, 'operation')?.toLowerCase() ?? '',
    queryParam(ctx.req, 'include')?.toLowerCase() ?? '',
    canonicalJson(ctx.req.body),
  ].join(' ');
  const recorded = ctx.realm.requestIds.get(id);
  if (recorded) {
    if (recorded.fingerprint !== fingerprint) throw errors.duplicateRequestId(id);
    ctx.state.counters.replay();
    return { status: recorded.status, body: recorded.body };
  }
  const record = (reply: HttpReply): void => {
    if (typeof reply.body !== 'string')
      ctx.realm.requestIds.set(id, { fingerprint, status: reply.status, body: reply.body });
  };
  try {
    const reply = run();
    if (reply.status < 300) record(reply);
    return reply;
  } catch (e) {
    if (e instanceof QboError && ctx.state.recordErrorReplies)
      record(e.toReply({ nowMs: ctx.op.nowMs, utcOffset: ctx.realm.settings.utcOffset }));
    throw e;
  }
}

function entityWrite(ctx: ApiContext, entity: EntityName): HttpReply {
  return withRequestId(ctx, MAX_REQUEST_ID, () => {
    const body: unknown = ctx.req.body;
    const explicit = queryParam(ctx.req, 'operation')?.toLowerCase();
    const operation = explicit ?? (isObject(body) && body.Id !== undefined ? 'update' : 'create');
    const doc = runWrite(ctx, entity, operation, body);
    return { status: 200, body: { [entity]: doc, time: timeField(ctx) } };
  });
}

function batchItem(ctx: ApiContext, raw: Json): JsonObject {
  const item = asObject(raw) ?? {};
  const bId = asString(item.bId) ?? '';
  try {
    if (item.Query !== undefined) return { bId, QueryResponse: executeQuery(ctx, asString(item.Query)) };
    const entity = ENTITY_NAMES.find((n) => isObject(item[n]));
    if (!entity)
      throw errors.invalidProperty(
        'BatchItemRequest: no Invoice, CreditMemo, Customer, Item or Query',
        'BatchItemRequest',
      );
    const operation = asString(item.operation)?.toLowerCase() ?? 'create';
    const injected = ctx.state.faults.decide({
      target: 'batch-item',
      method: 'POST',
      realmId: ctx.realm.id,
      entity: entity.toLowerCase(),
      operation,
    }).action;
    if (injected?.type === 'fault') {
      ctx.state.counters.faultInjected();
      throw injectedFault(injected);
    }
    const isVoid = operation === 'update' && asString(item.optionsData)?.toLowerCase() === 'void';
    return { bId, [entity]: runWrite(ctx, entity, isVoid ? 'void' : operation, item[entity]) };
  } catch (e) {
    if (e instanceof QboError)
      return { bId, Fault: { Error: e.errors.map((x) => ({ ...x })), type: e.faultType } };
    throw e;
  }
}

function batch(ctx: ApiContext): HttpReply {
  return withRequestId(ctx, MAX_BATCH_REQUEST_ID, () => {
    const items = asArray(asObject(ctx.req.body)?.BatchItemRequest);
    if (!items) throw errors.validation(faults.requiredParam('BatchItemRequest'));
    if (items.length > MAX_BATCH_ITEMS) throw errors.tooManyBatchItems(MAX_BATCH_ITEMS, items.length);
    if (queryParam(ctx.req, 'requestid')) {
      const long = items
        .map((i) => asString(asObject(i)?.bId) ?? '')
        .find((b) => b.length > MAX_BATCH_ID_WITH_REQUEST_ID);
      if (long !== undefined) throw errors.batchIdTooLong(long, MAX_BATCH_ID_WITH_REQUEST_ID);
    }
    ctx.state.counters.batch(items.length);
    return {
      status: 200,
      body: { BatchItemResponse: items.map((i) => batchItem(ctx, i)), time: timeField(ctx) },
    };
  });
}

// ---- dispatch -----------------------------------------------------------------------------------------

function dispatch(ctx: ApiContext): HttpReply {
  const { req, segments, realm } = ctx;
  const [first = '', second, third] = segments;
  const resource = first.toLowerCase();
  const entity = entityFromPath(first);
  const method = req.method.toUpperCase();
  const ok = (body: JsonObject): HttpReply => ({ status: 200, body: { ...body, time: timeField(ctx) } });
  if (resource === 'query' && second === undefined && (method === 'GET' || method === 'POST')) {
    return ok({ QueryResponse: executeQuery(ctx, queryText(req)) });
  }
  if (method === 'GET') {
    if (resource === 'preferences' && second === undefined) return ok({ Preferences: preferences(realm) });
    if (resource === 'cdc' && second === undefined) return ok(changeDataCapture(ctx));
    if (resource === 'companyinfo' && second !== undefined && third === undefined) {
      if (second !== realm.id && second !== '1') throw errors.objectNotFound('Id');
      return ok({ CompanyInfo: companyInfo(realm) });
    }
    if (entity && second !== undefined && third === undefined) {
      // QBO ids are numbers: anything else is 2030 before any look-up.
      if (!/^\d+$/.test(second)) throw errors.invalidId(second);
      return ok({ [entity]: ENTITIES[entity].read(ctx.op, second) });
    }
  }
  if (method === 'POST') {
    if (resource === 'batch' && second === undefined) return batch(ctx);
    if (entity && second === undefined) return entityWrite(ctx, entity);
  }
  throw errors.unsupportedOperation(`No resource method found for ${method} /${segments.join('/')}`);
}

function isRead(req: Request, info: RequestInfo): boolean {
  if (info.operation === 'read' || info.operation === 'query' || info.operation === 'cdc') return true;
  const items = info.operation === 'batch' ? asArray(asObject(req.body)?.BatchItemRequest) : undefined;
  return !!items && items.length > 0 && items.every((i) => asObject(i)?.Query !== undefined);
}

export function apiHandler(state: EmulatorState, log: (msg: string, err: unknown) => void): RequestHandler {
  return async (req: Request, res: Response): Promise<void> => {
    const realmId = String((req.params as Record<string, unknown>).realmId);
    const segments = restSegments(req);
    const info = describeApiRequest(req, realmId, segments);
    state.counters.request('api', `${info.method} ${info.entity} ${info.operation}`, realmId);
    if (isRead(req, info)) state.counters.read(realmId);
    countOutcome(state, res);
    const t = () => replyTime(state, realmId);
    const style = state.replies.effective(realmId);

    const access = state.oauth.checkAccessToken(bearerToken(req), realmId);
    if (!access.ok) {
      sendReply(
        res,
        access.status === 401
          ? authenticationFailedReply(access.detail, t(), style.authFormat)
          : authorizationFailedReply(access.detail, t()),
      );
      return;
    }
    const realm = state.store.realm(realmId);
    const admission = state.limiter.admit(realmId, state.clock.now(), info.operation === 'batch');
    if (!admission.ok) {
      sendReply(res, throttledReply(t(), style));
      return;
    }
    res.on('close', admission.release);
    const mode = await applyFault(state, state.faults.decide(info), req, res, t, style);
    if (mode === 'handled') return;

    const ctx: ApiContext = {
      state,
      realm,
      req,
      segments,
      op: {
        realm,
        nowMs: state.clock.now(),
        allowDuplicateDocNumber: queryParam(req, 'include')?.toLowerCase() === 'allowduplicatedocnum',
      },
    };
    let reply: HttpReply;
    try {
      reply = dispatch(ctx);
    } catch (e) {
      if (e instanceof QboError) reply = e.toReply(t());
      else {
        log('emulator: unexpected error in an API handler', e);
        reply = systemFaultReply(t());
      }
    }
    if (mode === 'commit-then-drop') dropConnection(req);
    else sendReply(res, reply);
  };
}
