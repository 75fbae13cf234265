import { XMLParser } from 'fast-xml-parser';

/**
 * The one error type of the QuickBooks boundary. node-quickbooks reports failures as AxiosErrors (the Fault
 * sits in `err.response.data`: JSON, or XML text for throttles, some 401s and 504s), as a Fault body on a
 * 2xx, or as a bare network error; all become this.
 */
export type QuickBooksErrorKind =
  | 'fault' // a Fault body (validation, business rule, not found, stale object, ...)
  | 'auth' // 401: the access token is expired, revoked or wrong
  | 'forbidden' // 403: wrong environment or missing entitlement
  | 'throttled' // 429, or a ThrottleExceeded Fault (code 3001 / 003001) under any status
  | 'server' // 5xx
  | 'network' // no response: connection refused / reset / dropped
  | 'timeout' // no response in time
  | 'unexpected'; // a response we could not read

export interface QuickBooksErrorFields {
  kind: QuickBooksErrorKind;
  httpStatus?: number;
  /** QBO's error code, e.g. "6140", "5010", "3200". */
  code?: string;
  /** The field QBO names; absent when it sends none or `""`. */
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

/** The first Error of a Fault, whatever shape QuickBooks sent it in. */
interface FaultError {
  message?: string;
  detail?: string;
  code?: string;
  element?: string;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A text field; an empty one (QBO's `"element":""`) or null counts as absent. */
function text(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function fromEntry(e: unknown, keys: { message: string; detail: string }): FaultError | undefined {
  if (!isRecord(e)) return undefined;
  return {
    message: text(e[keys.message]),
    detail: text(e[keys.detail]),
    code: text(e.code),
    element: text(e.element),
  };
}

/** JSON Faults: `{"Fault":{"Error":[…]}}`, or the lower-case `{"fault":{"error":[…]}}` of 401/403 replies. */
function jsonFault(body: unknown): FaultError | undefined {
  if (!isRecord(body)) return undefined;
  const upper = isRecord(body.Fault) ? body.Fault.Error : undefined;
  if (Array.isArray(upper)) return fromEntry(upper[0], { message: 'Message', detail: 'Detail' });
  const lower = isRecord(body.fault) ? body.fault.error : undefined;
  if (Array.isArray(lower)) return fromEntry(lower[0], { message: 'message', detail: 'detail' });
  return undefined;
}

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  // Codes stay strings ("3001", "100"), as in JSON Faults.
  parseTagValue: false,
  parseAttributeValue: false,
  isArray: (name) => name === 'Error',
});

/**
 * XML Faults, which QBO sends for throttles, some 401s and 504s even when JSON was asked for:
 * `<IntuitResponse><Fault type="SERVICE"><Error code="3001"><Message>…</Message><Detail>…</Detail></Error>…`.
 */
function xmlFault(body: string): FaultError | undefined {
  if (!body.trimStart().startsWith('<')) return undefined;
  let doc: unknown;
  try {
    doc = xmlParser.parse(body, true);
  } catch {
    return undefined; // not XML after all (an HTML error page, say)
  }
  const response = isRecord(doc) ? doc.IntuitResponse : undefined;
  const fault = isRecord(response) ? response.Fault : undefined;
  const errors = isRecord(fault) ? fault.Error : undefined;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  if (!isRecord(first)) return undefined;
  return {
    message: text(first.Message),
    detail: text(first.Detail),
    code: text(first['@code']),
    element: text(first['@element']),
  };
}

function faultOf(body: unknown): FaultError | undefined {
  return typeof body === 'string' ? xmlFault(body) : jsonFault(body);
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
    const fault = jsonFault(err);
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
  const fault = faultOf(response.data);
  if (fault) return fromFault(fault, status, intuitTid);
  return new QuickBooksError(`QuickBooks answered HTTP ${status}`, {
    kind: kindForStatus(status),
    httpStatus: status,
    intuitTid,
    uncertain: false,
  });
}

function fromFault(fault: FaultError, status: number, intuitTid: string | undefined): QuickBooksError {
  const message = fault.message ?? 'QuickBooks error';
  const { detail, code } = fault;
  return new QuickBooksError(`${message}${detail ? `: ${detail}` : ''}${code ? ` (code ${code})` : ''}`, {
    kind: isThrottle(fault) ? 'throttled' : kindForStatus(status),
    httpStatus: status,
    code,
    element: fault.element,
    detail,
    intuitTid,
    uncertain: false,
  });
}

/**
 * A throttle is a rate-limit wait whatever its status: older QBO (still seen) throttled with HTTP 403, which
 * must never pass for a broken credential.
 */
function isThrottle(fault: FaultError): boolean {
  return fault.code === '3001' || fault.code === '003001' || /ThrottleExceeded/i.test(fault.message ?? '');
}

function kindForStatus(status: number): QuickBooksErrorKind {
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 429) return 'throttled';
  if (status >= 500) return 'server';
  if (status >= 400) return 'fault';
  return 'unexpected';
}
