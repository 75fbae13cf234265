/**
 * QBO's error bodies (quickbooks.md §5). Business errors are thrown as QboError and turned into a reply by
 * the server; the auth (401 lower-case JSON or XML), authorization (403), throttle (429/403, XML or JSON),
 * gateway-timeout (504) and outage (500/503) bodies are built here too.
 */
import { formatDateTime } from './clock';
import type { Json } from './json';
import type { ReplySettings } from './types';

/** One Error of a Fault. QBO leaves Detail out of some (a 504) and element out of others (a 2030). */
export interface FaultEntry {
  Message: string;
  Detail?: string;
  code: string;
  element?: string;
}

/** What the server writes: a status, a JSON body or a text body, and extra headers. */
export interface HttpReply {
  status: number;
  body: Json | string;
  contentType?: string;
  headers?: Record<string, string>;
  /** A throttle reply (counted as throttled whatever its status). */
  throttle?: boolean;
}

/** When the reply is made, in the company's time zone (QBO prints `time` with the company's offset). */
export interface ReplyTime {
  nowMs: number;
  utcOffset: string;
}

export interface QboErrorOptions {
  /** Whether the body carries `time` (default true; QBO's 2030 body has none). */
  time?: boolean;
}

export class QboError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FaultEntry[],
    readonly faultType = 'ValidationFault',
    readonly options: QboErrorOptions = {},
  ) {
    super(errors.map((e) => `${e.code} ${e.Message}: ${e.Detail ?? ''}`).join('; '));
    this.name = 'QboError';
  }

  toReply(t: ReplyTime): HttpReply {
    return { status: this.status, body: faultBody(this.errors, this.faultType, t, this.options.time) };
  }
}

export function faultBody(errors: FaultEntry[], type: string, t: ReplyTime, withTime = true): Json {
  const fault = { Error: errors.map((e) => ({ ...e })), type };
  return withTime ? { Fault: fault, time: formatDateTime(t.nowMs, t.utcOffset, true) } : { Fault: fault };
}

const XML_CONTENT_TYPE = 'application/xml;charset=UTF-8';

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * QBO's XML Fault, as it sends for throttles, some 401s and 504s even when JSON was asked for:
 * `<IntuitResponse …><Fault type="SERVICE"><Error code="3001"><Message>…</Message><Detail>…</Detail></Error></Fault></IntuitResponse>`.
 */
export function xmlFaultBody(errors: FaultEntry[], type: string, t: ReplyTime): string {
  const items = errors
    .map((e) => {
      const element = e.element === undefined ? '' : ` element="${escapeXml(e.element)}"`;
      const detail = e.Detail === undefined ? '' : `<Detail>${escapeXml(e.Detail)}</Detail>`;
      return `<Error code="${escapeXml(e.code)}"${element}><Message>${escapeXml(e.Message)}</Message>${detail}</Error>`;
    })
    .join('');
  const time = formatDateTime(t.nowMs, t.utcOffset, true);
  return (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>' +
    `<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="${time}">` +
    `<Fault type="${escapeXml(type)}">${items}</Fault></IntuitResponse>`
  );
}

function entry(code: string, Message: string, Detail: string, element = ''): FaultEntry {
  return { Message, Detail, code, element };
}

/** An injected Fault (FaultAction `fault`): a ValidationFault with the given code. */
export function injectedFault(f: {
  code: string;
  message?: string;
  detail?: string;
  element?: string;
}): QboError {
  return new QboError(400, [
    entry(f.code, f.message ?? 'Injected fault', f.detail ?? `Injected fault ${f.code}`, f.element),
  ]);
}

/** Several validation problems of one request become one Fault with several Error entries. */
export function validationErrors(entries: FaultEntry[]): QboError {
  return new QboError(400, entries);
}

const MADE_INACTIVE =
  "Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.";

export const faults = {
  requiredParam: (name: string): FaultEntry =>
    entry(
      '2020',
      'Required param missing, need to supply the required value for the API',
      `Required parameter ${name} is missing in the request`,
      name,
    ),
  stringLength: (element: string, max: number, supplied: number): FaultEntry =>
    entry(
      '2050',
      'String length is either shorter or longer than supported by specification',
      `String length specified does not match the supported length. Min:0 Max:${max} supported. Supplied length:${supplied}`,
      element,
    ),
  /** A reference to nothing: QBO names the field in Detail and element. */
  invalidReference: (element: string): FaultEntry =>
    entry('2500', 'Invalid Reference Id', `Invalid Reference Id : ${element}`, element),
  /** A reference to an inactive item: 2500 with an empty element (as QBO answers). */
  inactiveReference: (): FaultEntry =>
    entry('2500', 'Invalid Reference Id', `Invalid Reference Id : ${MADE_INACTIVE}`),
  /** A reference to an inactive customer. */
  inactiveObject: (element: string): FaultEntry =>
    entry('610', 'Object Not Found', `Object Not Found : ${MADE_INACTIVE}`, element),
  invalidProperty: (detail: string, element = ''): FaultEntry =>
    entry(
      '2010',
      'Request has invalid or unsupported property',
      `Property Name:${detail} specified is unsupported or invalid`,
      element,
    ),
  businessValidation: (text: string, element = ''): FaultEntry =>
    entry(
      '6000',
      'A business validation error has occurred while processing your request',
      `Business Validation Error: ${text}`,
      element,
    ),
  amountCalculation: (supplied: number, element = 'Line.Amount'): FaultEntry =>
    entry(
      '6070',
      'Amount calculation incorrect in the request',
      `Amount is not equal to Qty * UnitPrice. Supplied value:${supplied}`,
      element,
    ),
  discountMissing: (): FaultEntry =>
    entry(
      '6090',
      'Discount amount or percent required',
      'Discount line needs either an Amount or a DiscountPercent',
      'Line.DiscountLineDetail',
    ),
  customerNameMissing: (): FaultEntry =>
    entry(
      '6080',
      'A business validation error has occurred while processing your request',
      'Business Validation Error: You must fill out at least one split line or a display name (DisplayName, Title, GivenName, MiddleName, FamilyName or Suffix).',
      'DisplayName',
    ),
};

export const errors = {
  validation: (...entries: FaultEntry[]): QboError => validationErrors(entries),
  objectNotFound: (element = ''): QboError =>
    new QboError(400, [entry('610', 'Object Not Found', `Object Not Found : ${MADE_INACTIVE}`, element)]),
  /** A non-numeric id in a read (`GET invoice/abc`): no element, and the body has no `time`. */
  invalidId: (id: string): QboError =>
    new QboError(
      400,
      [{ Message: 'Invalid ID', Detail: `Id should be a valid number. Supplied value:${id}`, code: '2030' }],
      'ValidationFault',
      { time: false },
    ),
  staleObject: (): QboError =>
    new QboError(400, [
      entry(
        '5010',
        'Stale Object Error',
        'Stale Object Error : You and QuickBooks were working on this at the same time. QuickBooks finished before you did, so your work was not saved.',
        'SyncToken',
      ),
    ]),
  business: (text: string, element = ''): QboError =>
    new QboError(400, [faults.businessValidation(text, element)]),
  duplicateDocNumber: (docNumber: string, txnType: string, txnId: string): QboError =>
    new QboError(400, [
      entry(
        '6140',
        'Duplicate Document Number Error',
        `Duplicate Document Number Error : You must specify a different number. This number has already been used. DocNumber=${docNumber} is assigned to TxnType=${txnType} with TxnId=${txnId}`,
        'DocNumber',
      ),
    ]),
  accountPeriodClosed: (bookCloseDate: string): QboError =>
    new QboError(400, [
      entry(
        '6210',
        'Account Period Closed, cannot update through Services API',
        `The account period has closed. Transactions dated on or before ${bookCloseDate} can't be added, changed or deleted.`,
        'TxnDate',
      ),
    ]),
  duplicateName: (existingId: string, element: string): QboError =>
    new QboError(400, [
      entry(
        '6240',
        'Duplicate Name Exists Error',
        `The name supplied already exists. : Another customer, vendor or employee is already using this name. Please use a different name. Id=${existingId}`,
        element,
      ),
    ]),
  queryParse: (detail: string): QboError =>
    new QboError(400, [entry('4000', 'Error parsing query', `QueryParserError: ${detail}`)]),
  queryValidation: (detail: string): QboError =>
    new QboError(400, [entry('4001', 'Invalid query', `QueryValidationError: ${detail}`)]),
  unknownQueryEntity: (entity: string): QboError =>
    new QboError(400, [
      entry('4001', 'Invalid query', `QueryValidationError: Unsupported entity for query: ${entity}`),
    ]),
  invalidRequestId: (id: string, max: number): QboError =>
    new QboError(400, [
      entry(
        '2130',
        'Invalid Request Id Format',
        `Request Id ${JSON.stringify(id)} is longer than the ${max} characters supported`,
        'requestid',
      ),
    ]),
  duplicateRequestId: (id: string): QboError =>
    new QboError(400, [
      entry(
        '600',
        'Duplicate Request ID',
        `Duplicate Request ID : The request ID ${id} you're trying to use already exists for a different request. Use a unique request ID.`,
        'requestid',
      ),
    ]),
  invalidProperty: (detail: string, element = ''): QboError =>
    new QboError(400, [faults.invalidProperty(detail, element)]),
  unsupportedOperation: (detail: string): QboError =>
    new QboError(400, [entry('500', 'Unsupported Operation', `Operation ${detail} is not supported.`)]),
  batchIdTooLong: (bId: string, max: number): QboError =>
    new QboError(400, [
      entry(
        '2050',
        'String length is either shorter or longer than supported by specification',
        `bId ${JSON.stringify(bId)} is longer than the ${max} characters allowed when the batch has a requestid`,
        'bId',
      ),
    ]),
  tooManyBatchItems: (max: number, got: number): QboError =>
    new QboError(400, [
      entry(
        '1040',
        'Batch limit exceeded',
        `The maximum number of batch items is ${max}; the request has ${got}.`,
        'BatchItemRequest',
      ),
    ]),
  malformedBody: (detail: string): QboError =>
    new QboError(400, [
      entry(
        '2010',
        'Request has invalid or unsupported property',
        `Request body could not be parsed: ${detail}`,
      ),
    ]),
  systemFault: (): QboError =>
    new QboError(
      500,
      [
        entry(
          '10000',
          'An application error has occurred while processing your request',
          'System Failure Error: An unexpected error occurred while accessing or saving your data. Please wait a few minutes and try again. If the problem persists, contact customer support.',
        ),
      ],
      'SystemFault',
    ),
};

/** The lower-case Java-bean body QBO uses for 401 (3200) and 403 (3100) JSON replies; `time` in epoch ms. */
function javaBeanFaultBody(
  error: { message: string; detail: string; code: string },
  type: string,
  t: ReplyTime,
): Json {
  return {
    warnings: null,
    intuitObject: null,
    fault: { error: [{ ...error, element: null }], type },
    report: null,
    queryResponse: null,
    batchItemResponse: [],
    attachableResponse: [],
    syncErrorResponse: null,
    requestId: null,
    time: t.nowMs,
    status: null,
    cdcresponse: [],
  };
}

/**
 * 401 for a missing, malformed, expired, revoked or unknown bearer token: QBO's lower-case JSON 3200 body
 * with `www-authenticate`, or (`authFormat: 'xml'`) its XML AuthenticationFault code 100.
 */
export function authenticationFailedReply(
  detail: string,
  t: ReplyTime,
  format: ReplySettings['authFormat'] = 'json',
): HttpReply {
  if (format === 'xml') {
    return {
      status: 401,
      contentType: XML_CONTENT_TYPE,
      body: xmlFaultBody(
        [
          {
            code: '100',
            Message: 'General Authentication Error',
            Detail: 'AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401',
          },
        ],
        'AuthenticationFault',
        t,
      ),
    };
  }
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="Intuit", error="invalid_token"' },
    body: javaBeanFaultBody(
      { message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', detail, code: '3200' },
      'AUTHENTICATION',
      t,
    ),
  };
}

/** 403 for a valid token used on another company, or one without the accounting scope (lower-case body). */
export function authorizationFailedReply(detail: string, t: ReplyTime): HttpReply {
  return {
    status: 403,
    body: javaBeanFaultBody(
      {
        message: 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403',
        detail,
        code: '3100',
      },
      'SERVICE',
      t,
    ),
  };
}

const THROTTLE_DETAIL = 'The request limit was reached.  Try again later';

/**
 * ThrottleExceeded: XML with code 3001 (QBO today, even to a JSON request) or JSON with code 003001; status
 * 429, or 403 as older QBO answered (the Message then says statusCode=403).
 */
export function throttledReply(
  t: ReplyTime,
  style: Pick<ReplySettings, 'throttleStatus' | 'throttleFormat'>,
): HttpReply {
  const status = style.throttleStatus;
  const Message = `message=ThrottleExceeded; errorCode=003001; statusCode=${status}`;
  if (style.throttleFormat === 'xml') {
    return {
      status,
      throttle: true,
      contentType: XML_CONTENT_TYPE,
      body: xmlFaultBody([{ code: '3001', Message, Detail: THROTTLE_DETAIL }], 'SERVICE', t),
    };
  }
  return {
    status,
    throttle: true,
    body: faultBody([entry('003001', Message, THROTTLE_DETAIL)], 'SERVICE', t),
  };
}

/** 504 GatewayTimeout: code 6002 and no Detail, XML as QBO sends it (or the same Fault as JSON). */
export function gatewayTimeoutReply(t: ReplyTime, format: ReplySettings['gatewayTimeoutFormat']): HttpReply {
  const error: FaultEntry = {
    code: '6002',
    Message: 'message=GatewayTimeout; errorCode=006002; statusCode=504',
  };
  return format === 'xml'
    ? { status: 504, contentType: XML_CONTENT_TYPE, body: xmlFaultBody([error], 'SERVICE', t) }
    : { status: 504, body: faultBody([error], 'SERVICE', t) };
}

export function systemFaultReply(t: ReplyTime): HttpReply {
  return errors.systemFault().toReply(t);
}

/** QBO's 503 during maintenance/overload is an HTML page, not JSON. */
export function serviceUnavailableReply(): HttpReply {
  return {
    status: 503,
    contentType: 'text/html; charset=utf-8',
    body: '<html><head><title>503 Service Unavailable</title></head><body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request due to maintenance downtime or capacity problems. Please try again later.</p></body></html>',
  };
}

/** An injected status other than the ones QBO documents: a bare text body. */
export function plainStatusReply(status: number): HttpReply {
  return { status, contentType: 'text/plain; charset=utf-8', body: `HTTP ${status}` };
}
