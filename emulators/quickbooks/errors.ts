/**
 * QBO's error bodies (quickbooks.md §5). Business errors are thrown as QboError and turned into a reply by
 * the server; the auth (401, lower-case body), throttle (429) and outage (500/503) bodies are built here too.
 */
import { formatDateTime } from './clock';
import type { Json } from './json';

export interface FaultEntry {
  Message: string;
  Detail: string;
  code: string;
  element: string;
}

/** What the server writes: a status, a JSON body or a text body, and extra headers. */
export interface HttpReply {
  status: number;
  body: Json | string;
  contentType?: string;
  headers?: Record<string, string>;
}

/** When the reply is made, in the company's time zone (QBO prints `time` with the company's offset). */
export interface ReplyTime {
  nowMs: number;
  utcOffset: string;
}

export class QboError extends Error {
  constructor(
    readonly status: number,
    readonly errors: FaultEntry[],
    readonly faultType = 'ValidationFault',
  ) {
    super(errors.map((e) => `${e.code} ${e.Message}: ${e.Detail}`).join('; '));
    this.name = 'QboError';
  }

  toReply(t: ReplyTime): HttpReply {
    return { status: this.status, body: faultBody(this.errors, this.faultType, t) };
  }
}

export function faultBody(errors: FaultEntry[], type: string, t: ReplyTime): Json {
  return {
    Fault: { Error: errors.map((e) => ({ ...e })), type },
    time: formatDateTime(t.nowMs, t.utcOffset, true),
  };
}

function entry(code: string, Message: string, Detail: string, element = ''): FaultEntry {
  return { Message, Detail, code, element };
}

/** Several validation problems of one request become one Fault with several Error entries. */
export function validationErrors(entries: FaultEntry[]): QboError {
  return new QboError(400, entries);
}

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
  invalidReference: (kind: string, id: string, element: string): FaultEntry =>
    entry('2500', 'Invalid Reference Id', `Invalid Reference Id : ${kind} ${id} does not exist`, element),
  inactiveReference: (element: string): FaultEntry =>
    entry(
      '610',
      'Object Not Found',
      "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
      element,
    ),
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
    new QboError(400, [
      entry(
        '610',
        'Object Not Found',
        "Object Not Found : Something you're trying to use has been made inactive. Check the fields with accounts, customers, items, vendors or employees.",
        element,
      ),
    ]),
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

/** 401 for a missing, malformed, expired, revoked or unknown bearer token: QBO's lower-case Java-bean body. */
export function authenticationFailedReply(detail: string, t: ReplyTime): HttpReply {
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer realm="Intuit", error="invalid_token"' },
    body: {
      warnings: null,
      intuitObject: null,
      fault: {
        error: [
          {
            message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401',
            detail,
            code: '3200',
            element: null,
          },
        ],
        type: 'AUTHENTICATION',
      },
      report: null,
      queryResponse: null,
      batchItemResponse: [],
      attachableResponse: [],
      syncErrorResponse: null,
      requestId: null,
      time: t.nowMs,
      status: null,
      cdcresponse: [],
    },
  };
}

/** 403 for a valid token used on another company, or one without the accounting scope. */
export function authorizationFailedReply(detail: string, t: ReplyTime): HttpReply {
  return {
    status: 403,
    body: faultBody(
      [entry('3100', 'message=ApplicationAuthorizationFailed; errorCode=003100; statusCode=403', detail)],
      'AUTHORIZATION',
      t,
    ),
  };
}

export function throttledReply(t: ReplyTime): HttpReply {
  return {
    status: 429,
    body: faultBody(
      [
        entry(
          '003001',
          'message=ThrottleExceeded; errorCode=003001; statusCode=429',
          'The request limit was reached.  Try again later',
        ),
      ],
      'SERVICE',
      t,
    ),
  };
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
