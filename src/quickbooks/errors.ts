/**
 * The one error type of the QuickBooks boundary. node-quickbooks reports failures as AxiosErrors (the Fault
 * sits in `err.response.data`), as a Fault body on a 2xx, or as a bare network error; all become this.
 */
export type QuickBooksErrorKind =
  | 'fault' // a Fault body (validation, business rule, not found, stale object, ...)
  | 'auth' // 401: the access token is expired, revoked or wrong
  | 'forbidden' // 403: wrong environment or missing entitlement
  | 'throttled' // 429
  | 'server' // 5xx
  | 'network' // no response: connection refused / reset / dropped
  | 'timeout' // no response in time
  | 'unexpected'; // a response we could not read

export interface QuickBooksErrorFields {
  kind: QuickBooksErrorKind;
  httpStatus?: number;
  /** QBO's error code, e.g. "6140", "5010", "3200". */
  code?: string;
  element?: string;
  detail?: string;
  intuitTid?: string;
  /** The request may have been carried out although no answer arrived (writes only). */
  uncertain: boolean;
}

export class QuickBooksError extends Error implements QuickBooksErrorFields {
  readonly kind: QuickBooksErrorKind;
  readonly httpStatus?: number;
  readonly code?: string;
  readonly element?: string;
  readonly detail?: string;
  readonly intuitTid?: string;
  readonly uncertain: boolean;

  constructor(message: string, fields: QuickBooksErrorFields) {
    super(message);
    this.name = 'QuickBooksError';
    this.kind = fields.kind;
    this.httpStatus = fields.httpStatus;
    this.code = fields.code;
    this.element = fields.element;
    this.detail = fields.detail;
    this.intuitTid = fields.intuitTid;
    this.uncertain = fields.uncertain;
  }

  toJSON(): QuickBooksErrorFields & { message: string } {
    return {
      message: this.message,
      kind: this.kind,
      httpStatus: this.httpStatus,
      code: this.code,
      element: this.element,
      detail: this.detail,
      intuitTid: this.intuitTid,
      uncertain: this.uncertain,
    };
  }
}

interface FaultError {
  Message?: string;
  message?: string;
  Detail?: string;
  detail?: string;
  code?: string;
  element?: string | null;
}

function firstFaultError(body: unknown): FaultError | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as { Fault?: { Error?: FaultError[] }; fault?: { error?: FaultError[] } };
  return b.Fault?.Error?.[0] ?? b.fault?.error?.[0];
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ERR_NETWORK',
]);

/** Turns whatever node-quickbooks passed to its callback into a QuickBooksError. */
export function toQuickBooksError(err: unknown, isWrite: boolean): QuickBooksError {
  if (err instanceof QuickBooksError) return err;
  const e = err as {
    message?: string;
    code?: string;
    response?: { status?: number; data?: unknown; headers?: Record<string, unknown> };
    Fault?: unknown;
  };
  const response = e?.response;
  if (!response) {
    // A Fault body delivered on a 2xx.
    const fault = firstFaultError(err);
    if (fault) return fromFault(fault, 400, undefined);
    const timeout = e?.code === 'ECONNABORTED' || e?.code === 'ETIMEDOUT';
    const network =
      timeout ||
      (e?.code !== undefined && NETWORK_CODES.has(e.code)) ||
      /socket hang up|network/i.test(e?.message ?? '');
    return new QuickBooksError(`QuickBooks did not answer: ${e?.message ?? String(err)}`, {
      kind: timeout ? 'timeout' : network ? 'network' : 'unexpected',
      code: e?.code,
      uncertain: isWrite,
    });
  }
  const status = response.status ?? 0;
  const tidHeader = response.headers?.['intuit_tid'];
  const intuitTid = typeof tidHeader === 'string' ? tidHeader : undefined;
  const fault = firstFaultError(response.data);
  if (fault) return fromFault(fault, status, intuitTid);
  return new QuickBooksError(`QuickBooks answered HTTP ${status}`, {
    kind: kindForStatus(status),
    httpStatus: status,
    intuitTid,
    uncertain: false,
  });
}

function fromFault(fault: FaultError, status: number, intuitTid: string | undefined): QuickBooksError {
  const message = fault.Message ?? fault.message ?? 'QuickBooks error';
  const detail = fault.Detail ?? fault.detail;
  const code = fault.code ?? undefined;
  return new QuickBooksError(`${message}${detail ? `: ${detail}` : ''}${code ? ` (code ${code})` : ''}`, {
    kind: kindForStatus(status),
    httpStatus: status,
    code,
    element: fault.element ?? undefined,
    detail,
    intuitTid,
    uncertain: false,
  });
}

function kindForStatus(status: number): QuickBooksErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  if (status >= 400) return 'fault';
  return 'unexpected';
}
