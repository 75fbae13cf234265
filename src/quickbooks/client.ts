import QuickBooks from 'node-quickbooks';
import type { z } from 'zod';
import { metrics, secondsSince } from '../platform/metrics';
import { QuickBooksError, toQuickBooksError } from './errors';
import type { Permit, RateGovernor } from './rate-governor';
import type { QboDocument, QboDocumentType } from '../domain/invoice';
import {
  CreditMemoSchema,
  CustomerSchema,
  InvoiceSchema,
  ItemSchema,
  PreferencesSchema,
  type CreditMemo,
  type Customer,
  type Invoice,
  type Item,
  type NewCustomer,
  type Preferences,
} from './types';

/** The few node-quickbooks methods the product calls, typed at the boundary. */
type Callback = (err: unknown, data: unknown) => void;
type Criteria =
  Array<{ field: string; value: string | string[]; operator: string }> | Record<string, unknown>;
interface NodeQuickBooks {
  endpoint: string;
  createInvoice(entity: object, cb: Callback): void;
  updateInvoice(entity: object, cb: Callback): void;
  getInvoice(id: string, cb: Callback): void;
  findInvoices(criteria: Criteria, cb: Callback): void;
  createCreditMemo(entity: object, cb: Callback): void;
  updateCreditMemo(entity: object, cb: Callback): void;
  getCreditMemo(id: string, cb: Callback): void;
  findCreditMemos(criteria: Criteria, cb: Callback): void;
  deleteInvoice(entity: object, cb: Callback): void;
  deleteCreditMemo(entity: object, cb: Callback): void;
  createCustomer(entity: object, cb: Callback): void;
  getCustomer(id: string, cb: Callback): void;
  findCustomers(criteria: Criteria, cb: Callback): void;
  findItems(criteria: Criteria, cb: Callback): void;
  getPreferences(cb: Callback): void;
  batch(items: object[], cb: Callback): void;
  changeDataCapture(entities: string[], since: string, cb: Callback): void;
}

/** A document as ChangeDataCapture reports it: changed (the whole entity) or deleted (its id). */
export type ChangedDocument =
  | { type: QboDocumentType; status: 'changed'; document: Invoice | CreditMemo }
  | { type: QboDocumentType; status: 'deleted'; id: string; lastUpdated?: string };

/** Queries per batch request, and rows per query: QuickBooks' own limits. */
export const BATCH_MAX_ITEMS = 30;
/** A batch's `requestid` may be at most 36 characters (50 elsewhere). */
export const BATCH_REQUEST_ID_MAX = 36;
export const QUERY_MAX_RESULTS = 1000;

export interface QuickBooksClientOptions {
  realmId: string;
  accessToken: string;
  /** `https://quickbooks.api.intuit.com/v3/company/` or the emulator's; trailing slash required. */
  apiBaseUrl: string;
  /** Bound on one call; a write that times out is reported as uncertain. */
  timeoutMs?: number;
  minorVersion?: number;
  /** Per-realm limits shared by every worker; each call waits for a permit first. */
  governor?: RateGovernor;
}

export interface WriteOptions {
  /** QuickBooks `requestid`: a repeated id replays the first response instead of writing twice. */
  requestId: string;
  /**
   * Runs once the realm's rate permit is granted, just before the request goes out: a create announced here
   * is only announced when it is really sent, not when the realm was too busy to send it.
   */
  beforeSend?: () => Promise<void>;
  /** A realm permit the caller already holds (the batch writer's): used instead of asking the governor. */
  permit?: Permit;
}

/** One write of a batch: `bId` names it in the reply (at most 10 characters when the batch has a requestid). */
export type BatchWrite =
  | { bId: string; operation: 'create'; document: QboDocument }
  | { bId: string; operation: 'update'; document: QboDocument; existing: DocumentVersion };

/** Each write's own outcome: QuickBooks answers a batch item by item. */
export type BatchWriteOutcome =
  { ok: true; document: Invoice | CreditMemo } | { ok: false; error: QuickBooksError };

/** The document QuickBooks holds, named by its id and the SyncToken an update must carry. */
export interface DocumentVersion {
  Id: string;
  SyncToken: string;
}

const OBJECT_NOT_FOUND = '610';

/** What a request is, for the governor, the timeout's uncertainty and the metrics. */
interface RequestKind {
  /** e.g. `invoice.create`, `customer.query` */
  operation: string;
  /** A write may have happened although no answer arrived. */
  write: boolean;
  beforeSend?: () => Promise<void>;
  permit?: Permit;
}

/** `field LIKE '%search%' ORDERBY field MAXRESULTS limit` (a `%` in the search is dropped: it is no wildcard here). */
function nameSearch(field: string, search: string, limit: number): Criteria {
  const text = search.replace(/%/g, '');
  return [
    ...(text ? [{ field, value: `%${text}%`, operator: 'LIKE' }] : []),
    { field: 'asc', value: field, operator: '=' },
    { field: 'limit', value: String(limit), operator: '=' },
  ];
}

function read(operation: string): RequestKind {
  return { operation, write: false };
}

function write(operation: string, options?: WriteOptions): RequestKind {
  return { operation, write: true, beforeSend: options?.beforeSend, permit: options?.permit };
}

/**
 * Promise-based, typed QuickBooks Online client over node-quickbooks. Every failure is a QuickBooksError.
 * One instance per (realm, access token); cheap to create.
 */
export class QuickBooksClient {
  private readonly qbo: NodeQuickBooks;
  private readonly timeoutMs: number;

  constructor(readonly options: QuickBooksClientOptions) {
    if (!options.apiBaseUrl.endsWith('/')) throw new Error('apiBaseUrl must end with a slash');
    const qbo = new QuickBooks(
      '', // client id/secret are only used for OAuth 1 signing and refreshes, which this client does not do
      '',
      options.accessToken,
      false,
      options.realmId,
      false,
      false,
      String(options.minorVersion ?? 75),
      '2.0',
    ) as unknown as NodeQuickBooks;
    qbo.endpoint = options.apiBaseUrl;
    this.qbo = qbo;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  get realmId(): string {
    return this.options.realmId;
  }

  createDocument(document: QboDocument, options: WriteOptions): Promise<Invoice | CreditMemo> {
    const entity = { ...document.payload, requestId: options.requestId };
    return document.type === 'Invoice'
      ? this.call((cb) => this.qbo.createInvoice(entity, cb), InvoiceSchema, write('invoice.create', options))
      : this.call(
          (cb) => this.qbo.createCreditMemo(entity, cb),
          CreditMemoSchema,
          write('creditmemo.create', options),
        );
  }

  /** Sparse update of `existing` to `document`: only the fields sent change; `Line` replaces every line. */
  updateDocument(
    document: QboDocument,
    existing: DocumentVersion,
    options: WriteOptions,
  ): Promise<Invoice | CreditMemo> {
    const entity = {
      ...document.payload,
      Id: existing.Id,
      SyncToken: existing.SyncToken,
      sparse: true,
      requestId: options.requestId,
    };
    return document.type === 'Invoice'
      ? this.call((cb) => this.qbo.updateInvoice(entity, cb), InvoiceSchema, write('invoice.update', options))
      : this.call(
          (cb) => this.qbo.updateCreditMemo(entity, cb),
          CreditMemoSchema,
          write('creditmemo.update', options),
        );
  }

  /**
   * Creates and updates in one request (POST /batch, 30 at most), under one batch-level `requestid` (≤ 36
   * characters): QuickBooks answers item by item, so each write gets its own outcome, in order. A failure of
   * the request itself (throttle, 5xx, a dropped connection) is thrown, marked uncertain when the writes may
   * have happened. node-quickbooks' `batch()` cannot send a requestid (mcohen01/node-quickbooks#161), so the
   * request goes through the library's own request function with the parameter added.
   */
  async batchWrite(writes: readonly BatchWrite[], options: WriteOptions): Promise<BatchWriteOutcome[]> {
    if (writes.length === 0) return [];
    if (writes.length > BATCH_MAX_ITEMS) throw new RangeError(`at most ${BATCH_MAX_ITEMS} writes a batch`);
    if (options.requestId.length > BATCH_REQUEST_ID_MAX) throw new RangeError('batch requestid too long');
    const items = writes.map((w) => ({
      bId: w.bId,
      operation: w.operation,
      [w.document.type]:
        w.operation === 'update'
          ? { ...w.document.payload, Id: w.existing.Id, SyncToken: w.existing.SyncToken, sparse: true }
          : w.document.payload,
    }));
    const request = libraryRequest();
    const body = await this.raw(
      (cb) =>
        request(
          this.qbo,
          'post',
          { url: '/batch', qs: { requestid: options.requestId } },
          { BatchItemRequest: items },
          cb,
        ),
      write('batch.write', options),
    );
    const replies = (body as { BatchItemResponse?: unknown } | null)?.BatchItemResponse;
    if (!Array.isArray(replies)) throw unreadable('batch');
    const byId = new Map<string, Record<string, unknown>>();
    for (const r of replies as Array<Record<string, unknown>>) byId.set(String(r.bId), r);
    return writes.map((w): BatchWriteOutcome => {
      const reply = byId.get(w.bId);
      if (!reply) {
        const error = new QuickBooksError(`QuickBooks' batch reply has no item ${w.bId}`, {
          kind: 'unexpected',
          uncertain: true,
        });
        return { ok: false, error };
      }
      if (reply.Fault !== undefined)
        return { ok: false, error: toQuickBooksError({ Fault: reply.Fault }, false) };
      const schema = w.document.type === 'Invoice' ? InvoiceSchema : CreditMemoSchema;
      const parsed = schema.safeParse(reply[w.document.type]);
      if (!parsed.success) {
        const error = unreadable(`batch item ${w.document.type}`, parsed.error.issues[0]?.message);
        return {
          ok: false,
          error: new QuickBooksError(error.message, { ...error.toJSON(), uncertain: true }),
        };
      }
      return { ok: true, document: parsed.data };
    });
  }

  /** The document, or undefined when QuickBooks no longer has it (deleted: code 610). */
  async getDocument(type: QboDocumentType, id: string): Promise<Invoice | CreditMemo | undefined> {
    try {
      return type === 'Invoice'
        ? await this.call((cb) => this.qbo.getInvoice(id, cb), InvoiceSchema, read('invoice.read'))
        : await this.call((cb) => this.qbo.getCreditMemo(id, cb), CreditMemoSchema, read('creditmemo.read'));
    } catch (err) {
      if (err instanceof QuickBooksError && err.code === OBJECT_NOT_FOUND) return undefined;
      throw err;
    }
  }

  /** Deletes a document (used when a regenerated bill turns an invoice into a credit memo or back). */
  async deleteDocument(type: QboDocumentType, ref: DocumentVersion, options: WriteOptions): Promise<void> {
    const entity = { Id: ref.Id, SyncToken: ref.SyncToken, requestId: options.requestId };
    await this.raw(
      (cb) =>
        type === 'Invoice' ? this.qbo.deleteInvoice(entity, cb) : this.qbo.deleteCreditMemo(entity, cb),
      write(`${type.toLowerCase()}.delete`),
    );
  }

  /** Documents of one customer whose PrivateNote contains `marker` (PrivateNote itself is not queryable). */
  async findDocumentsByMarker(
    type: QboDocumentType,
    customerId: string,
    marker: string,
  ): Promise<Array<Invoice | CreditMemo>> {
    const criteria: Criteria = [{ field: 'CustomerRef', value: customerId, operator: '=' }];
    const found =
      type === 'Invoice'
        ? await this.query((cb) => this.qbo.findInvoices(criteria, cb), 'Invoice', InvoiceSchema)
        : await this.query((cb) => this.qbo.findCreditMemos(criteria, cb), 'CreditMemo', CreditMemoSchema);
    return found.filter((d) => d.PrivateNote?.includes(marker));
  }

  getCustomer(id: string): Promise<Customer> {
    return this.call((cb) => this.qbo.getCustomer(id, cb), CustomerSchema, read('customer.read'));
  }

  /** Active customers whose DisplayName equals `displayName` exactly. */
  async findActiveCustomersByDisplayName(displayName: string): Promise<Customer[]> {
    const criteria: Criteria = [{ field: 'DisplayName', value: displayName, operator: '=' }];
    const found = await this.query((cb) => this.qbo.findCustomers(criteria, cb), 'Customer', CustomerSchema);
    return found.filter((c) => c.Active !== false && c.DisplayName === displayName);
  }

  /** Active customers whose DisplayName contains `search` (any case; all when empty), at most `limit`, by name. */
  searchCustomers(search: string, limit: number): Promise<Customer[]> {
    const criteria = nameSearch('DisplayName', search, limit);
    return this.query((cb) => this.qbo.findCustomers(criteria, cb), 'Customer', CustomerSchema);
  }

  /** Active items whose Name contains `search` (any case; all when empty), at most `limit`, by name. */
  searchItems(search: string, limit: number): Promise<Item[]> {
    const criteria = nameSearch('Name', search, limit);
    return this.query((cb) => this.qbo.findItems(criteria, cb), 'Item', ItemSchema);
  }

  createCustomer(customer: NewCustomer, options: WriteOptions): Promise<Customer> {
    const entity = { ...customer, requestId: options.requestId };
    return this.call((cb) => this.qbo.createCustomer(entity, cb), CustomerSchema, write('customer.create'));
  }

  /**
   * Several queries of invoices or credit memos in one request (batch, 30 at most): one metered read for up
   * to 30 × 1000 documents. Each query's rows, in order; a query QuickBooks refused fails the whole call.
   */
  async batchQuery(
    queries: ReadonlyArray<{ type: QboDocumentType; query: string }>,
  ): Promise<Array<Array<Invoice | CreditMemo>>> {
    if (queries.length === 0) return [];
    if (queries.length > BATCH_MAX_ITEMS) throw new RangeError(`at most ${BATCH_MAX_ITEMS} queries a batch`);
    const items = queries.map((q, i) => ({ bId: `q${i}`, Query: q.query }));
    const body = await this.raw((cb) => this.qbo.batch(items, cb), read('batch.query'));
    const replies = (body as { BatchItemResponse?: unknown } | null)?.BatchItemResponse;
    if (!Array.isArray(replies)) throw unreadable('batch');
    const byId = new Map<string, Record<string, unknown>>();
    for (const r of replies as Array<Record<string, unknown>>) byId.set(String(r.bId), r);
    return queries.map((q, i) => {
      const reply = byId.get(`q${i}`);
      if (!reply || reply.Fault) throw batchFault(reply?.Fault);
      const rows = (reply.QueryResponse as Record<string, unknown> | undefined)?.[q.type];
      if (rows === undefined) return [];
      if (!Array.isArray(rows)) throw unreadable(`batch query ${q.type}`);
      const schema = q.type === 'Invoice' ? InvoiceSchema : CreditMemoSchema;
      return rows.map((r) => parse(schema, r, q.type));
    });
  }

  /** Invoices and credit memos changed or deleted since a time (ChangeDataCapture: 30 days back, 1000 at most). */
  async changedDocuments(since: Date): Promise<ChangedDocument[]> {
    const body = await this.raw(
      (cb) => this.qbo.changeDataCapture(['Invoice', 'CreditMemo'], since.toISOString(), cb),
      read('cdc.read'),
    );
    const cdc = (body as { CDCResponse?: unknown } | null)?.CDCResponse;
    if (!Array.isArray(cdc)) throw unreadable('ChangeDataCapture');
    const out: ChangedDocument[] = [];
    for (const part of cdc as Array<{ QueryResponse?: unknown }>) {
      const responses = Array.isArray(part.QueryResponse) ? part.QueryResponse : [];
      for (const response of responses as Array<Record<string, unknown>>) {
        for (const type of ['Invoice', 'CreditMemo'] as const) {
          const rows = response[type];
          if (!Array.isArray(rows)) continue;
          for (const row of rows as Array<Record<string, unknown>>) {
            if (row.status === 'Deleted') {
              const meta = row.MetaData as { LastUpdatedTime?: string } | undefined;
              out.push({ type, status: 'deleted', id: String(row.Id), lastUpdated: meta?.LastUpdatedTime });
            } else {
              const schema = type === 'Invoice' ? InvoiceSchema : CreditMemoSchema;
              out.push({ type, status: 'changed', document: parse(schema, row, type) });
            }
          }
        }
      }
    }
    return out;
  }

  getPreferences(): Promise<Preferences> {
    return this.call((cb) => this.qbo.getPreferences(cb), PreferencesSchema, read('preferences.read'));
  }

  private async query<S extends z.ZodType>(
    invoke: (cb: Callback) => void,
    entity: string,
    schema: S,
  ): Promise<Array<z.infer<S>>> {
    const body = await this.raw(invoke, read(`${entity.toLowerCase()}.query`));
    const rows = (body as { QueryResponse?: Record<string, unknown> } | null)?.QueryResponse?.[entity];
    if (rows === undefined) return []; // QBO answers {"QueryResponse":{}} when nothing matches
    if (!Array.isArray(rows)) throw unreadable(`query ${entity}`);
    return rows.map((r) => parse(schema, r, entity));
  }

  private async call<S extends z.ZodType>(
    invoke: (cb: Callback) => void,
    schema: S,
    request: RequestKind,
  ): Promise<z.infer<S>> {
    const body = await this.raw(invoke, request);
    return parse(schema, body, schema.description ?? 'response');
  }

  /** One request: a permit from the realm's governor, then the call, measured by operation and outcome. */
  private async raw(invoke: (cb: Callback) => void, request: RequestKind): Promise<unknown> {
    const permit = request.permit ?? (await this.options.governor?.acquire(this.realmId));
    const started = process.hrtime.bigint();
    let outcome = 'ok';
    try {
      await request.beforeSend?.();
      return await this.send(invoke, request.write);
    } catch (err) {
      outcome = err instanceof QuickBooksError ? err.kind : 'unexpected';
      throw err;
    } finally {
      metrics.quickBooksRequests.observe({ operation: request.operation, outcome }, secondsSince(started));
      await permit?.release();
    }
  }

  private send(invoke: (cb: Callback) => void, isWrite: boolean): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new QuickBooksError(`QuickBooks did not answer within ${this.timeoutMs} ms`, {
            kind: 'timeout',
            uncertain: isWrite,
          }),
        );
      }, this.timeoutMs);
      try {
        invoke((err, data) => {
          clearTimeout(timer);
          if (err) reject(toQuickBooksError(err, isWrite));
          else resolve(data);
        });
      } catch (err) {
        clearTimeout(timer);
        reject(toQuickBooksError(err, false));
      }
    });
  }
}

type LibraryRequest = (
  context: NodeQuickBooks,
  verb: 'post',
  options: { url: string; qs: Record<string, string> },
  entity: object,
  cb: Callback,
) => void;

/** node-quickbooks' internal request function (`module.request`), which every method of the library uses. */
function libraryRequest(): LibraryRequest {
  const loaded = require.cache[require.resolve('node-quickbooks')] as { request?: unknown } | undefined;
  if (typeof loaded?.request !== 'function') throw new Error('node-quickbooks: module.request not found');
  return loaded.request as LibraryRequest;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw unreadable(what, result.error.issues[0]?.message);
  return result.data;
}

function batchFault(fault: unknown): QuickBooksError {
  const first = (fault as { Error?: Array<{ code?: string; Message?: string; Detail?: string }> } | undefined)
    ?.Error?.[0];
  return new QuickBooksError(
    `QuickBooks refused a batched query: ${first?.Detail ?? first?.Message ?? 'no answer'}`,
    {
      kind: 'fault',
      uncertain: false,
      code: first?.code,
    },
  );
}

function unreadable(what: string, why?: string): QuickBooksError {
  return new QuickBooksError(`Unreadable QuickBooks ${what}${why ? `: ${why}` : ''}`, {
    kind: 'unexpected',
    uncertain: false,
  });
}
