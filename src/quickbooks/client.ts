import QuickBooks from 'node-quickbooks';
import type { z } from 'zod';
import { metrics, secondsSince } from '../platform/metrics';
import { QuickBooksError, toQuickBooksError } from './errors';
import type { RateGovernor } from './rate-governor';
import type { QboDocument, QboDocumentType } from '../domain/invoice';
import {
  CreditMemoSchema,
  CustomerSchema,
  InvoiceSchema,
  PreferencesSchema,
  type CreditMemo,
  type Customer,
  type Invoice,
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
  getPreferences(cb: Callback): void;
}

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
}

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
}

function read(operation: string): RequestKind {
  return { operation, write: false };
}

function write(operation: string, options?: WriteOptions): RequestKind {
  return { operation, write: true, beforeSend: options?.beforeSend };
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
      ? this.call((cb) => this.qbo.updateInvoice(entity, cb), InvoiceSchema, write('invoice.update'))
      : this.call(
          (cb) => this.qbo.updateCreditMemo(entity, cb),
          CreditMemoSchema,
          write('creditmemo.update'),
        );
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

  createCustomer(customer: NewCustomer, options: WriteOptions): Promise<Customer> {
    const entity = { ...customer, requestId: options.requestId };
    return this.call((cb) => this.qbo.createCustomer(entity, cb), CustomerSchema, write('customer.create'));
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
    const permit = await this.options.governor?.acquire(this.realmId);
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

function parse<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw unreadable(what, result.error.issues[0]?.message);
  return result.data;
}

function unreadable(what: string, why?: string): QuickBooksError {
  return new QuickBooksError(`Unreadable QuickBooks ${what}${why ? `: ${why}` : ''}`, {
    kind: 'unexpected',
    uncertain: false,
  });
}
