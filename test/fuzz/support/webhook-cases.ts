import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import fc from 'fast-check';
import { LINE_ITEM_TYPES } from '../../../src/domain/m3ter';
import {
  hostileValue,
  jsonText,
  nestedJsonText,
  type Hostile,
  type JsonType,
  typeAllowed,
  unstorable,
} from './hostile';

/**
 * Generated webhook deliveries. A case is plain data (printable when it fails): the body, how it is signed,
 * how it travels, and what the service must answer.
 */

export const DTO = 'm3terEvent.eventData.newDto';

/** What the body alone deserves when the request is otherwise fine. */
export type BodyVerdict =
  | { kind: 'accept'; eventId: string; billId?: string; startsWorkflow: boolean }
  /** 202 or a clean 400, depending on rules the fuzzer does not model (patterns, ranges, enums). */
  | { kind: 'either'; eventId?: string; billId?: string; field?: string }
  | { kind: 'reject'; field?: string; unknownKey?: string };

export interface BodyCase {
  label: string;
  /** The JSON text sent (or base64 of raw bytes when `binary`). */
  text: string;
  binary?: boolean;
  verdict: BodyVerdict;
}

export type AuthCase =
  | { kind: 'valid' }
  | { kind: 'valid-uppercase' }
  | { kind: 'valid-ms-timestamp' }
  | { kind: 'valid-with-query' }
  | { kind: 'wrong-secret' }
  | { kind: 'missing'; header: 'apiKey' | 'timestamp' | 'signature' }
  | { kind: 'wrong-api-key'; apiKey: string }
  | { kind: 'api-key-mismatch' }
  | {
      kind: 'garbled-signature';
      how: 'flip' | 'truncate' | 'non-hex' | 'prefixed' | 'long' | 'empty-ish' | 'doubled';
    }
  | { kind: 'stale'; offsetSeconds: number }
  | { kind: 'garbage-timestamp'; value: string }
  | { kind: 'other-body' }
  | { kind: 'other-path' };

export type TransportCase =
  | { kind: 'plain'; contentType: string | null }
  | { kind: 'gzip' | 'deflate' | 'br' }
  | { kind: 'corrupt-encoding'; encoding: 'gzip' | 'deflate' | 'br'; garbage: string }
  | { kind: 'unknown-encoding'; encoding: string }
  | { kind: 'gzip-bomb' }
  | { kind: 'oversize' };

export interface WebhookCase {
  body: BodyCase;
  auth: AuthCase;
  transport: TransportCase;
}

/** A replay of the n-th accepted delivery (modulo how many there are). */
export interface ReplayCase {
  replay: 'exact' | 'resigned' | 'same-id-new-content';
  n: number;
}

export type GeneratedCase = WebhookCase | ReplayCase;

export function isReplay(c: GeneratedCase): c is ReplayCase {
  return 'replay' in c;
}

// ---------------------------------------------------------------------------------------------------------
// Valid events

const isoDay = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));

const plainText = fc.string({ maxLength: 30 });

const pricingBand = fc.record(
  {
    pricingBandId: fc.uuid(),
    lowerLimit: fc.integer({ min: 0, max: 10_000 }),
    bandQuantity: fc.integer({ min: 0, max: 10_000 }),
    unitPrice: fc.double({ min: 0, max: 100, noNaN: true }),
    bandSubtotal: fc.double({ min: -1e6, max: 1e6, noNaN: true }),
  },
  { requiredKeys: [] },
);

export const validLine = fc.record(
  {
    id: fc.uuid(),
    description: plainText,
    lineItemType: fc.constantFrom(...LINE_ITEM_TYPES),
    quantity: fc.integer({ min: 0, max: 1_000_000 }),
    units: fc.option(fc.integer({ min: 0, max: 1_000_000 }), { nil: null }),
    subtotal: fc.double({ min: -1e7, max: 1e7, noNaN: true }),
    currency: fc.constantFrom('USD', 'EUR'),
    averageUnitPrice: fc.option(fc.double({ min: 0, max: 1000, noNaN: true }), { nil: null }),
    productId: fc.option(fc.constantFrom('prod-platform', 'prod-api'), { nil: null }),
    aggregationId: fc.option(fc.constantFrom('agg-calls', 'agg-gb'), { nil: null }),
    sequenceNumber: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: null }),
    servicePeriodStartDate: fc.constant('2026-10-01T00:00:00Z'),
    servicePeriodEndDate: fc.constant('2026-11-01T00:00:00Z'),
    usagePerPricingBand: fc.option(fc.array(pricingBand, { maxLength: 2 }), { nil: null }),
  },
  { requiredKeys: ['id', 'lineItemType', 'subtotal'] },
);

export const validBill = fc.record({
  // Unbiased: edge-case uuids repeat across thousands of samples, and a repeated id is a duplicate, not a new bill.
  id: fc.noBias(fc.uuid()).map((u) => `fz-bill-${u}`),
  accountId: fc.constantFrom('acct-1', 'acct-2', 'acct-fuzz'),
  accountCode: fc.option(fc.constantFrom('ACME', 'GLOBEX'), { nil: null }),
  billDate: isoDay,
  dueDate: fc.option(isoDay, { nil: null }),
  startDate: isoDay,
  endDate: isoDay,
  currency: fc.constantFrom('USD', 'EUR', 'GBP'),
  status: fc.constantFrom('PENDING', 'APPROVED'),
  version: fc.integer({ min: 1, max: 50 }),
  lineItems: fc.array(validLine, { maxLength: 4 }),
});
export type GeneratedBill = typeof validBill extends fc.Arbitrary<infer T> ? T : never;

export function eventOf(eventId: string, eventName: string, newDto: unknown): Record<string, unknown> {
  return { id: eventId, eventName, eventTime: '2026-11-01T00:00:00Z', m3terEvent: { eventData: { newDto } } };
}

const eventId = fc.noBias(fc.uuid()).map((u) => `fz-evt-${u}`);

// ---------------------------------------------------------------------------------------------------------
// Field tables: the JSON types each field accepts (the m3ter contract as the README describes it).

interface FieldRule {
  types: JsonType[];
  required?: boolean;
}

const str = (required = false): FieldRule => ({ types: ['string'], required });
const strOrNull: FieldRule = { types: ['string', 'null'] };
const numOrNull: FieldRule = { types: ['number', 'null'] };

export const BILL_FIELDS: Record<string, FieldRule> = {
  id: str(true),
  accountId: str(true),
  accountCode: strOrNull,
  billDate: strOrNull,
  dueDate: strOrNull,
  startDate: strOrNull,
  endDate: strOrNull,
  billingFrequency: strOrNull,
  currency: str(true),
  status: str(),
  locked: { types: ['boolean', 'null'] },
  externalInvoiceDate: strOrNull,
  externalInvoiceReference: strOrNull,
  sequentialInvoiceNumber: strOrNull,
  purchaseOrderNumber: strOrNull,
  billTotal: numOrNull,
  version: { types: ['integer', 'null'] },
  lastCalculatedDate: strOrNull,
  dtLastModified: strOrNull,
  lineItems: { types: ['array', 'null'] },
};

export const LINE_FIELDS: Record<string, FieldRule> = {
  id: strOrNull,
  description: strOrNull,
  lineItemType: str(true),
  quantity: numOrNull,
  units: numOrNull,
  unit: strOrNull,
  subtotal: { types: ['number'], required: true },
  convertedSubtotal: numOrNull,
  conversionRate: numOrNull,
  currency: strOrNull,
  averageUnitPrice: numOrNull,
  productId: strOrNull,
  productCode: strOrNull,
  productName: strOrNull,
  accountingProductId: strOrNull,
  aggregationId: strOrNull,
  compoundAggregationId: strOrNull,
  planId: strOrNull,
  pricingId: strOrNull,
  sequenceNumber: { types: ['integer', 'null'] },
  servicePeriodStartDate: strOrNull,
  servicePeriodEndDate: strOrNull,
  usagePerPricingBand: { types: ['array', 'null'] },
};

const BAND_FIELDS: Record<string, FieldRule> = {
  pricingBandId: strOrNull,
  lowerLimit: numOrNull,
  bandQuantity: numOrNull,
  unitPrice: numOrNull,
  bandSubtotal: numOrNull,
};

/** Verdict of one field set to `h` (or deleted when `h` is undefined). */
function fieldVerdict(
  rule: FieldRule,
  h: Hostile | undefined,
  field: string,
  eventId: string,
  billId: string,
): BodyVerdict {
  if (h === undefined)
    return rule.required ? { kind: 'reject', field } : { kind: 'either', eventId, billId, field };
  if (!typeAllowed(h.type, rule.types)) return { kind: 'reject', field };
  if (h.unstorable || h.deep) return { kind: 'reject', field };
  return { kind: 'either', eventId, billId, field };
}

// ---------------------------------------------------------------------------------------------------------
// Bodies

const validBillBody: fc.Arbitrary<BodyCase> = fc
  .tuple(eventId, validBill, fc.constantFrom('billing.bill.updated', 'billing.bill.created'))
  .map(([id, bill, name]) => ({
    label: 'valid bill event',
    text: JSON.stringify(eventOf(id, name, bill)),
    verdict: { kind: 'accept', eventId: id, billId: bill.id, startsWorkflow: true },
  }));

const validAccountBody: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    fc.constantFrom('acct-1', 'acct-2', 'acct-fuzz'),
    fc.integer({ min: 1, max: 1000 }),
    plainText,
  )
  .map(([id, accountId, version, name]) => ({
    label: 'valid account event',
    text: JSON.stringify(
      eventOf(id, 'configuration.account.updated', {
        id: accountId,
        code: accountId.toUpperCase(),
        name: `Account ${name}x`,
        version,
      }),
    ),
    verdict: { kind: 'accept', eventId: id, startsWorkflow: false },
  }));

const ignoredEventBody: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    fc.constantFrom(
      'billing.commitment.updated',
      'configuration.plan.created',
      'billing.bill.approved',
      'data.export.completed',
    ),
  )
  .map(([id, name]) => ({
    label: 'ignored event',
    text: JSON.stringify(eventOf(id, name, { id: 'x-1', anything: [1, 2, 3] })),
    verdict: { kind: 'accept', eventId: id, startsWorkflow: false },
  }));

/** A valid bill with one field (of the bill, a line or a pricing band) replaced by a hostile value, or removed. */
const billFieldMutation: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    validBill,
    fc.constantFrom<'bill' | 'line' | 'band'>('bill', 'bill', 'line', 'band'),
    fc.nat(),
    fc.option(hostileValue(), { freq: 6, nil: undefined }),
  )
  .map(([id, bill, level, pick, h]) => {
    const dto: Record<string, unknown> = structuredClone(bill);
    let target: Record<string, unknown> = dto;
    let fields: Record<string, FieldRule> = BILL_FIELDS;
    let prefix = DTO;
    if (level !== 'bill') {
      const line: Record<string, unknown> = { id: 'line-0', lineItemType: 'USAGE', subtotal: 1 };
      dto.lineItems = [line];
      target = line;
      fields = LINE_FIELDS;
      prefix = `${DTO}.lineItems.0`;
      if (level === 'band') {
        const band: Record<string, unknown> = { pricingBandId: 'band-0', bandSubtotal: 1 };
        line.usagePerPricingBand = [band];
        target = band;
        fields = BAND_FIELDS;
        prefix = `${DTO}.lineItems.0.usagePerPricingBand.0`;
      }
    }
    const names = Object.keys(fields);
    const name = names[pick % names.length]!;
    if (h === undefined) delete target[name];
    else target[name] = h.value;
    const field = `${prefix}.${name}`;
    const billId = typeof dto.id === 'string' ? dto.id : bill.id;
    return {
      label: `bill field ${h ? h.label : 'removed'}`,
      text: jsonText(eventOf(id, 'billing.bill.updated', dto)),
      verdict: fieldVerdict(fields[name]!, h, field, id, billId),
    };
  });

/** The event envelope with one field replaced or removed. */
const eventFieldMutation: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    validBill,
    fc.constantFrom('id', 'eventName', 'eventTime', 'm3terEvent', 'eventData', 'newDto'),
    fc.option(hostileValue(), { freq: 6, nil: undefined }),
  )
  .map(([id, bill, name, h]) => {
    const event = eventOf(id, 'billing.bill.updated', bill) as {
      m3terEvent: { eventData: Record<string, unknown> };
    } & Record<string, unknown>;
    const set = (v: unknown) => {
      if (name === 'eventData') event.m3terEvent.eventData = v as Record<string, unknown>;
      else if (name === 'newDto') event.m3terEvent.eventData.newDto = v;
      else (event as Record<string, unknown>)[name] = v;
    };
    if (h === undefined) {
      if (name === 'eventData') delete (event.m3terEvent as Record<string, unknown>).eventData;
      else if (name === 'newDto') delete event.m3terEvent.eventData.newDto;
      else delete event[name];
    } else set(h.value);
    const field = name === 'eventData' ? 'm3terEvent.eventData' : name === 'newDto' ? DTO : name;
    let verdict: BodyVerdict;
    if (name === 'eventTime') verdict = fieldVerdict(str(), h, field, id, bill.id);
    else if (name === 'id' || name === 'eventName') {
      // Any string may be a valid id; an event name must look like `billing.bill.updated`.
      const idLike =
        h?.type === 'string' &&
        !h.unstorable &&
        (h.value as string).length >= 1 &&
        (h.value as string).length <= 200;
      const eventIdNow = idLike && name === 'id' ? (h.value as string) : id;
      verdict =
        h === undefined || h.type !== 'string' || h.unstorable
          ? { kind: 'reject', field }
          : name === 'id' && !idLike
            ? { kind: 'reject', field }
            : { kind: 'either', eventId: eventIdNow, billId: bill.id, field };
    } else verdict = { kind: 'reject', field }; // a bill event needs m3terEvent.eventData.newDto to be a bill
    return { label: `event field ${h ? h.label : 'removed'}`, text: jsonText(event), verdict };
  });

/** Prototype-pollution keys at some level, and an attempt to smuggle the bill in through `__proto__`. */
const prototypeKeys: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    validBill,
    fc.constantFrom('top', 'm3terEvent', 'eventData', 'bill', 'line', 'smuggle'),
    fc.constantFrom('__proto__', 'constructor', 'prototype'),
  )
  .map(([id, bill, where, key]) => {
    const payload = `{"fuzzPolluted":true,"id":"evil","newDto":{"id":"evil"},"toString":"x"}`;
    const billText = JSON.stringify({
      ...bill,
      lineItems: [{ id: 'l', lineItemType: 'USAGE', subtotal: 1 }],
    });
    const inject = (objText: string) => `{"${key}":${payload},${objText.slice(1)}`;
    let text: string;
    let verdict: BodyVerdict = { kind: 'either', eventId: id, billId: bill.id };
    const head = (dtoText: string, eventData?: string) =>
      `{"id":"${id}","eventName":"billing.bill.updated","m3terEvent":{"eventData":${eventData ?? `{"newDto":${dtoText}}`}}}`;
    switch (where) {
      case 'top':
        text = inject(head(billText));
        break;
      case 'm3terEvent':
        text = `{"id":"${id}","eventName":"billing.bill.updated","m3terEvent":${inject(`{"eventData":{"newDto":${billText}}}`)}}`;
        break;
      case 'eventData':
        text = head(billText, inject(`{"newDto":${billText}}`));
        break;
      case 'bill':
        text = head(inject(billText));
        break;
      case 'line': {
        const withLine = billText.replace('"lineItems":[{', `"lineItems":[{"${key}":${payload},`);
        text = head(withLine);
        break;
      }
      case 'smuggle':
        // No own newDto: it hides behind __proto__ and must not be found there.
        text = head('', `{"${key}":{"newDto":${billText}}}`);
        verdict = { kind: 'reject', field: DTO };
        break;
    }
    return { label: `prototype keys (${where})`, text, verdict };
  });

const randomJson: fc.Arbitrary<BodyCase> = fc.jsonValue({ maxDepth: 4 }).map((v) => ({
  label: 'random JSON',
  text: JSON.stringify(v) ?? 'null',
  verdict: { kind: 'reject' },
}));

const wrongShapes: fc.Arbitrary<BodyCase> = fc
  .constantFrom(
    'null',
    '[]',
    '"billing.bill.updated"',
    '42',
    'true',
    '{}',
    '[{"id":"x"}]',
    '{"id":1,"eventName":2}',
    '{"m3terEvent":null}',
    '{"id":"e","eventName":"billing.bill.updated"}',
  )
  .map((text) => ({ label: 'wrong shape', text, verdict: { kind: 'reject' } }));

/** Random bytes (any that happen to be JSON are still no event). */
const randomBytes: fc.Arbitrary<BodyCase> = fc.uint8Array({ minLength: 1, maxLength: 512 }).map((bytes) => ({
  label: 'random bytes',
  text: Buffer.from(bytes).toString('base64'),
  binary: true,
  verdict: { kind: 'reject' },
}));

const malformedJson: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    validBill,
    fc.nat(),
    fc.constantFrom(
      'truncate',
      'trailing-comma',
      'single-quotes',
      'nan',
      'comment',
      'trailing-garbage',
      'bom',
      'two-documents',
      'empty',
      'whitespace',
      'unterminated-string',
    ),
  )
  .map(([id, bill, cut, how]) => {
    const good = JSON.stringify(eventOf(id, 'billing.bill.updated', bill));
    const text: Record<typeof how, string> = {
      truncate: good.slice(0, cut % good.length),
      'trailing-comma': good.replace(/}$/, ',}'),
      'single-quotes': good.replace(/"/g, "'"),
      nan: good.replace(/"version":\d+/, '"version":NaN'),
      comment: `/* m3ter */${good}`,
      'trailing-garbage': `${good}xyz`,
      bom: `\uFEFF${good}`,
      'two-documents': `${good}${good}`,
      empty: '',
      whitespace: ' \n\t ',
      'unterminated-string': '{"id":"abc',
    };
    return { label: `malformed JSON (${how})`, text: text[how], verdict: { kind: 'reject' } };
  });

/** Whole bodies nested far deeper than any real event (as text: cheaper than building them). */
const deepBodies: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    validBill,
    fc.constantFrom(300, 5000, 100_000),
    fc.constantFrom<'object' | 'array'>('object', 'array'),
    fc.boolean(),
  )
  .map(([id, bill, depth, kind, inBill]) => {
    if (!inBill)
      return { label: 'deep body', text: nestedJsonText(depth, kind), verdict: { kind: 'reject' } };
    const billText = JSON.stringify(bill);
    const text = `{"id":"${id}","eventName":"billing.bill.updated","m3terEvent":{"eventData":{"newDto":{"extra":${nestedJsonText(depth, kind)},${billText.slice(1)}}}}}`;
    return { label: 'deep field in bill', text, verdict: { kind: 'reject', field: `${DTO}.extra` } };
  });

/** A valid bill carrying many lines or a large text field: big but fine. */
const bigButValid: fc.Arbitrary<BodyCase> = fc
  .tuple(eventId, validBill, fc.constantFrom('lines', 'text'), fc.integer({ min: 500, max: 5000 }))
  .map(([id, bill, what, n]) => {
    const dto =
      what === 'lines'
        ? {
            ...bill,
            lineItems: Array.from({ length: n }, (_, i) => ({
              id: `l-${i}`,
              lineItemType: 'USAGE',
              subtotal: i / 100,
              quantity: i,
            })),
          }
        : { ...bill, purchaseOrderNumber: 'P'.repeat(n * 100) };
    return {
      label: `big valid bill (${what})`,
      text: JSON.stringify(eventOf(id, 'billing.bill.updated', dto)),
      verdict: { kind: 'accept', eventId: id, billId: bill.id, startsWorkflow: true },
    };
  });

/** Huge or oddly-typed numbers in the numeric fields. */
const hugeNumbers: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    validBill,
    fc.constantFrom('version', 'billTotal', 'subtotal', 'quantity', 'sequenceNumber'),
    fc.constantFrom(
      '1e400',
      '-1e400',
      '1e308',
      '2147483648',
      '9007199254740993',
      '123456789012345678901234567890',
      '-1',
      '0.5',
      '1E2',
      '-0',
    ),
  )
  .map(([id, bill, field, literal]) => {
    const onLine = field === 'subtotal' || field === 'quantity' || field === 'sequenceNumber';
    const dto: Record<string, unknown> = {
      ...bill,
      lineItems: [{ id: 'l', lineItemType: 'USAGE', subtotal: 1, quantity: 1 }],
    };
    const marker = '"__NUMBER__"';
    if (onLine) (dto.lineItems as Array<Record<string, unknown>>)[0]![field] = '__NUMBER__';
    else dto[field] = '__NUMBER__';
    const text = JSON.stringify(eventOf(id, 'billing.bill.updated', dto)).replace(marker, literal);
    const path = onLine ? `${DTO}.lineItems.0.${field}` : `${DTO}.${field}`;
    const value = Number(literal);
    // Out of the finite range: never a valid amount; otherwise it depends on the field's range.
    const verdict: BodyVerdict = !Number.isFinite(value)
      ? { kind: 'reject', field: path }
      : { kind: 'either', eventId: id, billId: bill.id, field: path };
    return { label: 'huge number', text, verdict };
  });

/** Ids as long as m3ter allows and far longer (they become Temporal workflow ids and search attributes). */
const longIds: fc.Arbitrary<BodyCase> = fc
  .tuple(
    eventId,
    validBill,
    fc.constantFrom('id', 'accountId'),
    fc.constantFrom(36, 200, 201, 2000, 100_000),
    fc.constantFrom('x', '𝔁', 'é'),
  )
  .map(([id, bill, field, n, ch]) => {
    const value = `${ch.repeat(n - 1)}${n}`.slice(-n);
    const dto = { ...bill, [field]: field === 'id' ? `${value}` : value };
    const billId = field === 'id' ? value : bill.id;
    return {
      label: `long ${field}`,
      text: JSON.stringify(eventOf(id, 'billing.bill.updated', dto)),
      verdict: { kind: 'either', eventId: id, billId, field: `${DTO}.${field}` },
    };
  });

export const bodyCase: fc.Arbitrary<BodyCase> = fc.oneof(
  { weight: 2, arbitrary: longIds },
  { weight: 14, arbitrary: validBillBody },
  { weight: 3, arbitrary: validAccountBody },
  { weight: 2, arbitrary: ignoredEventBody },
  { weight: 20, arbitrary: billFieldMutation },
  { weight: 8, arbitrary: eventFieldMutation },
  { weight: 5, arbitrary: prototypeKeys },
  { weight: 4, arbitrary: randomJson },
  { weight: 3, arbitrary: wrongShapes },
  { weight: 3, arbitrary: randomBytes },
  { weight: 6, arbitrary: malformedJson },
  { weight: 3, arbitrary: deepBodies },
  { weight: 2, arbitrary: bigButValid },
  { weight: 5, arbitrary: hugeNumbers },
);

// ---------------------------------------------------------------------------------------------------------
// Signatures and transport

export const authCase: fc.Arbitrary<AuthCase> = fc.oneof(
  { weight: 60, arbitrary: fc.constant<AuthCase>({ kind: 'valid' }) },
  { weight: 2, arbitrary: fc.constant<AuthCase>({ kind: 'valid-uppercase' }) },
  { weight: 2, arbitrary: fc.constant<AuthCase>({ kind: 'valid-ms-timestamp' }) },
  { weight: 2, arbitrary: fc.constant<AuthCase>({ kind: 'valid-with-query' }) },
  { weight: 4, arbitrary: fc.constant<AuthCase>({ kind: 'wrong-secret' }) },
  {
    weight: 4,
    arbitrary: fc
      .constantFrom('apiKey', 'timestamp', 'signature')
      .map((header): AuthCase => ({ kind: 'missing', header })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          '',
          ' ',
          'TEST-WEBHOOK-KEY',
          'test-webhook-key ',
          'test-webhook-ke',
          'x'.repeat(4000),
        ),
        fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 60 }),
      )
      .filter((k) => k.trim() !== 'test-webhook-key')
      .map((apiKey): AuthCase => ({ kind: 'wrong-api-key', apiKey })),
  },
  { weight: 2, arbitrary: fc.constant<AuthCase>({ kind: 'api-key-mismatch' }) },
  {
    weight: 5,
    arbitrary: fc
      .constantFrom('flip', 'truncate', 'non-hex', 'prefixed', 'long', 'empty-ish', 'doubled')
      .map((how): AuthCase => ({ kind: 'garbled-signature', how })),
  },
  {
    weight: 4,
    arbitrary: fc
      .oneof(
        fc.integer({ min: 301, max: 100_000_000 }),
        fc.integer({ min: -100_000_000, max: -301 }),
        fc.constantFrom(310, -310),
      )
      .map((offsetSeconds): AuthCase => ({ kind: 'stale', offsetSeconds })),
  },
  {
    weight: 3,
    arbitrary: fc
      .oneof(
        fc.constantFrom(
          '',
          'abc',
          '-1',
          '1e9',
          '12.5',
          '0x6553f100',
          '99999999999999',
          '00000000000001',
          ' ',
          'NaN',
        ),
        fc.string({ unit: 'grapheme-ascii', maxLength: 20 }),
      )
      .filter((v) => !/^\d{1,13}$/.test(v.trim()))
      .map((value): AuthCase => ({ kind: 'garbage-timestamp', value })),
  },
  { weight: 2, arbitrary: fc.constant<AuthCase>({ kind: 'other-body' }) },
  { weight: 2, arbitrary: fc.constant<AuthCase>({ kind: 'other-path' }) },
);

export const transportCase: fc.Arbitrary<TransportCase> = fc.oneof(
  { weight: 80, arbitrary: fc.constant<TransportCase>({ kind: 'plain', contentType: 'application/json' }) },
  {
    weight: 6,
    arbitrary: fc
      .constantFrom(
        null,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=utf-16',
        'application/octet-stream',
        'garbage/;;;',
        'application/vnd.m3ter+json',
      )
      .map((contentType): TransportCase => ({ kind: 'plain', contentType })),
  },
  { weight: 3, arbitrary: fc.constantFrom('gzip', 'deflate', 'br').map((kind): TransportCase => ({ kind })) },
  {
    weight: 3,
    arbitrary: fc
      .tuple(
        fc.constantFrom<'gzip' | 'deflate' | 'br'>('gzip', 'deflate', 'br'),
        fc.uint8Array({ minLength: 1, maxLength: 64 }),
      )
      .map(([encoding, bytes]): TransportCase => ({
        kind: 'corrupt-encoding',
        encoding,
        garbage: Buffer.from(bytes).toString('base64'),
      })),
  },
  {
    weight: 2,
    arbitrary: fc
      .constantFrom('compress', 'x-fuzz', 'gzip, x-fuzz', 'zstd')
      .map((encoding): TransportCase => ({ kind: 'unknown-encoding', encoding })),
  },
  { weight: 1, arbitrary: fc.constant<TransportCase>({ kind: 'gzip-bomb' }) },
  { weight: 2, arbitrary: fc.constant<TransportCase>({ kind: 'oversize' }) },
);

export const webhookCase: fc.Arbitrary<GeneratedCase> = fc.oneof(
  { weight: 92, arbitrary: fc.record({ body: bodyCase, auth: authCase, transport: transportCase }) },
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.constantFrom<ReplayCase['replay']>('exact', 'exact', 'resigned', 'same-id-new-content'),
        fc.nat(),
      )
      .map(([replay, n]): ReplayCase => ({ replay, n })),
  },
);

/**
 * Requests that once broke the service, sent first on every run whatever the count: a NUL or an unpaired
 * surrogate in a stored string or key, a version beyond PostgreSQL's integer, ids too long for a Temporal
 * workflow id or search attribute, nesting deep enough to overflow JSON.stringify, a corrupt gzip body.
 */
export function pinnedWebhookCases(): WebhookCase[] {
  const bills = fc.sample(validBill, { seed: 20_261_101, numRuns: 12 });
  let i = 0;
  const next = () => ({ ...bills[i++ % bills.length]!, id: `fz-pinned-bill-${i}-${Date.now()}` });
  const evt = () => `fz-pinned-evt-${i}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const valid: AuthCase = { kind: 'valid' };
  const json: TransportCase = { kind: 'plain', contentType: 'application/json' };
  const reject = (label: string, text: string, field: string): WebhookCase => ({
    body: { label: `pinned: ${label}`, text, verdict: { kind: 'reject', field } },
    auth: valid,
    transport: json,
  });
  const billEvent = (dto: unknown, id = evt()) => JSON.stringify(eventOf(id, 'billing.bill.updated', dto));
  const withLine = (line: Record<string, unknown>) => ({
    ...next(),
    lineItems: [{ id: 'l-0', lineItemType: 'USAGE', subtotal: 1, ...line }],
  });
  const accepted = next();
  const acceptedEvent = evt();
  return [
    {
      body: {
        label: 'pinned: valid bill',
        text: billEvent(accepted, acceptedEvent),
        verdict: { kind: 'accept', eventId: acceptedEvent, billId: accepted.id, startsWorkflow: true },
      },
      auth: valid,
      transport: json,
    },
    reject(
      'NUL in a bill field',
      billEvent({ ...next(), purchaseOrderNumber: 'PO\u00001' }),
      `${DTO}.purchaseOrderNumber`,
    ),
    reject(
      'unpaired surrogate in a line',
      billEvent(withLine({ description: 'x\ud800y' })),
      `${DTO}.lineItems.0.description`,
    ),
    reject('NUL in a field name', billEvent({ ...next(), 'a\u0000b': 1 }), DTO),
    reject('NUL in the event id', billEvent(next(), 'evt-\u0000'), 'id'),
    reject(
      'version beyond integer',
      billEvent({ ...next(), version: '__V__' }).replace('"__V__"', '2147483648'),
      `${DTO}.version`,
    ),
    reject('bill id of 100 000 characters', billEvent({ ...next(), id: 'b'.repeat(100_000) }), `${DTO}.id`),
    reject(
      'account id of 2 000 two-byte characters',
      billEvent({ ...next(), accountId: 'é'.repeat(2000) }),
      `${DTO}.accountId`,
    ),
    reject(
      'bill nested 5 000 levels deep',
      billEvent({ ...next(), extra: { __fuzzDeep: 'object:5000' } }).replace(
        '{"__fuzzDeep":"object:5000"}',
        nestedJsonText(5000),
      ),
      `${DTO}.extra`,
    ),
    reject(
      'account version beyond integer',
      JSON.stringify(
        eventOf(evt(), 'configuration.account.updated', {
          id: 'acct-pinned',
          name: 'Pinned',
          version: 2 ** 31,
        }),
      ),
      `${DTO}.version`,
    ),
    {
      body: { label: 'pinned: valid bill', text: billEvent(next()), verdict: { kind: 'reject' } },
      auth: valid,
      transport: {
        kind: 'corrupt-encoding',
        encoding: 'gzip',
        garbage: Buffer.from('not gzip at all').toString('base64'),
      },
    },
  ];
}

export function bodyBytes(body: BodyCase): Buffer {
  return body.binary ? Buffer.from(body.text, 'base64') : Buffer.from(body.text, 'utf8');
}

export function encode(kind: 'gzip' | 'deflate' | 'br', bytes: Buffer): Buffer {
  if (kind === 'gzip') return gzipSync(bytes);
  if (kind === 'deflate') return deflateSync(bytes);
  return brotliCompressSync(bytes);
}

export { unstorable };
