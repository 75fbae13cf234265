/**
 * Invoice and CreditMemo (both QBO SalesTransactions), quickbooks.md §1–§2 and §8: required CustomerRef and
 * Line, item references, Amount = Qty × UnitPrice to the cent, DocNumber length / auto numbering / duplicates,
 * totals and balances, dates, currency, void and delete, payments applied through the control API.
 */
import { addDays, formatDate, isValidDate } from '../clock';
import { currencyRef, isKnownCurrency } from '../currencies';
import { centsToNumber, convertCents, percentOfCents, productCents, toCents } from '../decimal';
import { errors, faults, type FaultEntry } from '../errors';
import {
  asArray,
  asBoolean,
  asNumber,
  asObject,
  asString,
  clone,
  isObject,
  refValue,
  type Json,
  type JsonObject,
} from '../json';
import { changed, defineEntity, requireReference, stamp, type EntityModule, type OpContext } from './common';

type SalesKind = 'Invoice' | 'CreditMemo';

const MAX_DOC_NUMBER = 21;
/** QBO's default item, used for a sales line sent without ItemRef. */
const DEFAULT_ITEM_ID = '1';
const NET_DAYS = 30;

/** SalesTransaction / Invoice / CreditMemo properties from Intuit's Finance.xsd. */
// prettier-ignore
const COMMON_FIELDS = [
  'CustomField', 'AttachableRef', 'DocNumber', 'TxnDate', 'DepartmentRef', 'CurrencyRef', 'ExchangeRate', 'PrivateNote',
  'TxnStatus', 'Line', 'TxnSource', 'TaxFormType', 'TaxFormNum', 'TransactionLocationType', 'Tag', 'TxnApprovalInfo',
  'RecurDataRef', 'TaxExemptionRef', 'AutoDocNumber', 'CustomerRef', 'CustomerMemo', 'BillAddr', 'ShipAddr',
  'FreeFormAddress', 'ShipFromAddr', 'RemitToRef', 'ClassRef', 'SalesTermRef', 'DueDate', 'SalesRepRef', 'PONumber',
  'FOB', 'ShipMethodRef', 'ShipDate', 'TrackingNum', 'GlobalTaxCalculation', 'ApplyTaxAfterDiscount', 'TemplateRef',
  'PrintStatus', 'EmailStatus', 'BillEmail', 'BillEmailCc', 'BillEmailBcc', 'ARAccountRef', 'DepositToAccountRef',
  'DeliveryInfo', 'DiscountRate', 'DiscountAmt', 'GovtTxnRefIdentifier', 'TaxExemptionId', 'ProjectRef',
  'PaymentMethodRef', 'PaymentRefNum', 'TransactionTaxDetail', 'AllowIPNPayment', 'AllowOnlinePayment',
  'AllowOnlineCreditCardPayment', 'AllowOnlineACHPayment', 'AllowOnlinePayPalPayment', 'EInvoiceStatus',
  'ECloudStatusTimeStamp', 'CfdiUse', 'Exportation', 'GlobalInfo', 'InvoiceLink', 'SharedPaymentAllowed', 'TxnTaxDetail',
];
const READ_ONLY = [
  'TotalAmt',
  'Balance',
  'HomeTotalAmt',
  'HomeBalance',
  'RemainingCredit',
  'LinkedTxn',
  'Deposit',
  'TxnTaxDetail',
];

function cents(value: Json | undefined): bigint {
  const n = asNumber(value);
  return n === undefined ? 0n : toCents(n);
}

interface BuiltLines {
  lines: JsonObject[];
  subtotal: bigint;
  discount: bigint;
}

/** Line ids: an Id that exists on the previous version keeps it; anything else gets a new one. */
function lineIdAllocator(previous: JsonObject | undefined): (sent: unknown) => string {
  const known = new Set<string>();
  for (const l of asArray(previous?.Line) ?? []) {
    const id = isObject(l) ? asString(l.Id) : undefined;
    if (id) known.add(id);
  }
  let max = Math.max(0, ...[...known].map(Number).filter(Number.isFinite));
  const taken = new Set<string>();
  return (sent) => {
    const id = asString(sent);
    if (id && known.has(id) && !taken.has(id)) {
      taken.add(id);
      return id;
    }
    max += 1;
    return String(max);
  };
}

function buildLines(ctx: OpContext, raw: Json[], previous: JsonObject | undefined): BuiltLines {
  const allocate = lineIdAllocator(previous);
  const lines: JsonObject[] = [];
  let subtotal = 0n;
  let discount = 0n;
  raw.forEach((value) => {
    const line = asObject(value);
    if (!line) throw errors.invalidProperty('Line', 'Line');
    const type = asString(line.DetailType);
    if (!type) throw errors.validation(faults.requiredParam('Line.DetailType'));
    const { Id: sentId, LineNum: _lineNum, ...rest } = clone(line);
    const out: JsonObject = { Id: allocate(sentId), LineNum: lines.length + 1, ...rest };
    if (type === 'SalesItemLineDetail') {
      const amount = asNumber(line.Amount);
      if (amount === undefined) throw errors.validation(faults.requiredParam('Line.Amount'));
      const detail = asObject(line.SalesItemLineDetail) ?? {};
      const itemId = refValue(detail.ItemRef) ?? DEFAULT_ITEM_ID;
      const item = requireReference(ctx.realm, 'Item', itemId, 'Line.SalesItemLineDetail.ItemRef');
      const qty = asNumber(detail.Qty);
      const unitPrice = asNumber(detail.UnitPrice);
      if (qty !== undefined && unitPrice !== undefined && toCents(amount) !== productCents(qty, unitPrice)) {
        throw errors.validation(faults.amountCalculation(amount));
      }
      out.Amount = centsToNumber(toCents(amount));
      out.SalesItemLineDetail = {
        ...clone(detail),
        ItemRef: { value: itemId, name: asString(item.Name) ?? '' },
        TaxCodeRef: asObject(detail.TaxCodeRef) ?? { value: 'NON' },
      };
      subtotal += toCents(amount);
    } else if (type === 'DescriptionOnly') {
      delete out.Amount;
      out.DescriptionLineDetail = asObject(line.DescriptionLineDetail) ?? {};
    } else if (type === 'DiscountLineDetail') {
      const detail = asObject(line.DiscountLineDetail) ?? {};
      const percent = asNumber(detail.DiscountPercent);
      const amount = asNumber(line.Amount);
      let d: bigint;
      if (asBoolean(detail.PercentBased) && percent !== undefined) d = percentOfCents(subtotal, percent);
      else if (amount !== undefined) d = toCents(amount);
      else throw errors.validation(faults.discountMissing());
      out.Amount = centsToNumber(d);
      discount += d;
    } else if (type === 'SubTotalLineDetail') {
      return; // QBO computes the subtotal itself
    } else {
      throw errors.invalidProperty(`Line.DetailType=${type}`, 'Line.DetailType');
    }
    lines.push(out);
  });
  return { lines, subtotal, discount };
}

interface Currency {
  code: string;
  /** Present only with multicurrency on. */
  rate?: number;
}

function resolveCurrency(ctx: OpContext, kind: SalesKind, input: JsonObject, customer: JsonObject): Currency {
  const { homeCurrency: home, multiCurrency } = ctx.realm.settings;
  const sent = refValue(input.CurrencyRef);
  const customerCurrency = refValue(customer.CurrencyRef) ?? home;
  const what = kind === 'Invoice' ? 'invoice' : 'credit memo';
  if (!multiCurrency) {
    if (sent !== undefined && sent !== home) {
      throw errors.business(
        `Multicurrency is not enabled for this company: the ${what} currency ${sent} is not the home currency ${home}.`,
        'CurrencyRef',
      );
    }
    return { code: home };
  }
  if (sent === undefined) throw errors.validation(faults.requiredParam('CurrencyRef'));
  if (sent !== customerCurrency) {
    throw errors.business(
      `The ${what} currency ${sent} does not match the currency ${customerCurrency} of customer ${String(customer.DisplayName)} (Id ${String(customer.Id)}). A transaction must be in the customer's currency.`,
      'CurrencyRef',
    );
  }
  if (!isKnownCurrency(sent))
    throw errors.business(`Currency ${sent} is not active for this company.`, 'CurrencyRef');
  const sentRate = asNumber(input.ExchangeRate);
  return {
    code: sent,
    rate: sent === home ? 1 : sentRate && sentRate > 0 ? sentRate : ctx.realm.exchangeRate(sent),
  };
}

function resolveDocNumber(
  ctx: OpContext,
  kind: SalesKind,
  input: JsonObject,
  previous: JsonObject | undefined,
): string | undefined {
  let docNumber = input.DocNumber === null ? undefined : asString(input.DocNumber);
  const autoRequested = docNumber === 'AUTO_GENERATE' || asBoolean(input.AutoDocNumber) === true;
  if (autoRequested || (docNumber === undefined && !previous && !ctx.realm.settings.customTxnNumbers)) {
    docNumber = ctx.realm.nextDocNumber();
  }
  if (docNumber !== undefined && !ctx.allowDuplicateDocNumber) {
    const clash = ctx.realm.idsWithDocNumber(kind, docNumber).find((id) => id !== previous?.Id);
    if (clash) throw errors.duplicateDocNumber(docNumber, kind, clash);
  }
  return docNumber;
}

function buildSalesTransaction(kind: SalesKind) {
  return (ctx: OpContext, input: JsonObject, previous: JsonObject | undefined): JsonObject => {
    const problems: FaultEntry[] = [];
    const customerId = refValue(input.CustomerRef);
    if (!customerId) problems.push(faults.requiredParam('CustomerRef'));
    const rawLines = (asArray(input.Line) ?? []).filter(
      (l) => !(isObject(l) && l.DetailType === 'SubTotalLineDetail'),
    );
    if (rawLines.length === 0) problems.push(faults.requiredParam('Line'));
    const sentDocNumber = asString(input.DocNumber);
    if (
      sentDocNumber !== undefined &&
      sentDocNumber !== 'AUTO_GENERATE' &&
      sentDocNumber.length > MAX_DOC_NUMBER
    ) {
      problems.push(faults.stringLength('DocNumber', MAX_DOC_NUMBER, sentDocNumber.length));
    }
    if (problems.length > 0 || !customerId) throw errors.validation(...problems);
    if (previous) requireOpenPeriod(ctx, previous);

    const customer = requireReference(ctx.realm, 'Customer', customerId, 'CustomerRef');
    const { lines, subtotal, discount } = buildLines(ctx, rawLines, previous);
    const currency = resolveCurrency(ctx, kind, input, customer);
    const total = subtotal - discount;
    if (total < 0n) {
      throw errors.business(
        kind === 'Invoice'
          ? 'Invoice amount cannot be negative. Use a credit memo to record a negative amount.'
          : 'Credit memo amount cannot be negative.',
        'TotalAmt',
      );
    }
    const applied = previous ? cents(previous.TotalAmt) - cents(previous.Balance) : 0n;
    if (total < applied) {
      throw errors.business(
        `The ${kind === 'Invoice' ? 'invoice' : 'credit memo'} total ${centsToNumber(total)} cannot be less than the ${centsToNumber(applied)} already applied to it.`,
        'TotalAmt',
      );
    }
    const balance = total - applied;

    const txnDate = asString(input.TxnDate) ?? formatDate(ctx.nowMs, ctx.realm.settings.utcOffset);
    if (!isValidDate(txnDate)) throw errors.invalidProperty(`TxnDate=${txnDate}`, 'TxnDate');
    requireOpenPeriod(ctx, { TxnDate: txnDate });
    const dueDate = asString(input.DueDate) ?? (kind === 'Invoice' ? addDays(txnDate, NET_DAYS) : undefined);
    if (dueDate !== undefined && !isValidDate(dueDate))
      throw errors.invalidProperty(`DueDate=${dueDate}`, 'DueDate');
    const docNumber = resolveDocNumber(ctx, kind, input, previous);

    const doc: JsonObject = {
      ...(kind === 'Invoice'
        ? {
            AllowIPNPayment: false,
            AllowOnlinePayment: false,
            AllowOnlineCreditCardPayment: false,
            AllowOnlineACHPayment: false,
          }
        : {}),
      CustomField: [],
      // QBO marks a sales form for printing when the customer's delivery preference is Print (the default).
      PrintStatus: customer.PreferredDeliveryMethod === 'Print' ? 'NeedToPrint' : 'NotSet',
      EmailStatus: 'NotSet',
      ApplyTaxAfterDiscount: false,
      ...input,
      DocNumber: docNumber,
      TxnDate: txnDate,
      DueDate: dueDate,
      CurrencyRef: currencyRef(currency.code),
      ExchangeRate: currency.rate,
      LinkedTxn: asArray(previous?.LinkedTxn) ?? [],
      Line: lines,
      TxnTaxDetail: { TotalTax: 0 },
      CustomerRef: { value: customerId, name: asString(customer.DisplayName) ?? '' },
      // Addresses are echoed from the customer (ShipAddr falls back to its BillAddr); BillEmail is not:
      // QBO keeps only the one sent.
      BillAddr: input.BillAddr ?? customer.BillAddr,
      ShipAddr: input.ShipAddr ?? customer.ShipAddr ?? customer.BillAddr,
      TotalAmt: centsToNumber(total),
      HomeTotalAmt:
        currency.rate === undefined ? undefined : centsToNumber(convertCents(total, currency.rate)),
      Balance: centsToNumber(balance),
      HomeBalance:
        currency.rate === undefined ? undefined : centsToNumber(convertCents(balance, currency.rate)),
      ...(kind === 'Invoice' ? {} : { RemainingCredit: centsToNumber(balance) }),
    };
    delete doc.AutoDocNumber;
    return clone(doc);
  };
}

/** `{value, name}` with the referenced document's current name (QBO shows names as they are now). */
function currentRef(
  ctx: OpContext,
  entity: 'Customer' | 'Item',
  ref: Json | undefined,
  nameField: string,
): Json | undefined {
  const id = refValue(ref);
  const target = id === undefined ? undefined : ctx.realm.get(entity, id)?.doc;
  return id !== undefined && target ? { value: id, name: asString(target[nameField]) ?? '' } : ref;
}

/** The response form: QBO appends a SubTotal line (no Id) after the last item line. */
function presentSalesTransaction(ctx: OpContext, doc: JsonObject): JsonObject {
  const out = clone(doc);
  out.CustomerRef = currentRef(ctx, 'Customer', out.CustomerRef, 'DisplayName');
  const lines = (asArray(out.Line) ?? []).filter(isObject);
  let subtotal = 0n;
  let lastItem = -1;
  lines.forEach((l, i) => {
    if (l.DetailType === 'SalesItemLineDetail' || l.DetailType === 'DescriptionOnly') lastItem = i;
    if (l.DetailType === 'SalesItemLineDetail') subtotal += cents(l.Amount);
    const detail = asObject(l.SalesItemLineDetail);
    if (detail) detail.ItemRef = currentRef(ctx, 'Item', detail.ItemRef, 'Name');
  });
  const subtotalLine: JsonObject = {
    Amount: centsToNumber(subtotal),
    DetailType: 'SubTotalLineDetail',
    SubTotalLineDetail: {},
  };
  out.Line = [...lines.slice(0, lastItem + 1), subtotalLine, ...lines.slice(lastItem + 1)];
  return out;
}

function hasPaymentApplied(doc: JsonObject): boolean {
  return cents(doc.TotalAmt) !== cents(doc.Balance);
}

/** Void: every amount and quantity becomes 0, "Voided" goes in front of PrivateNote. */
/** 6210 when the document is dated in a closed accounting period (Preferences BookCloseDate). */
function requireOpenPeriod(ctx: OpContext, doc: JsonObject): void {
  const closed = ctx.realm.settings.bookCloseDate;
  const date = asString(doc.TxnDate);
  if (closed && date && date <= closed) throw errors.accountPeriodClosed(closed);
}

function voidSalesTransaction(kind: SalesKind) {
  return (ctx: OpContext, doc: JsonObject): JsonObject => {
    requireOpenPeriod(ctx, doc);
    if (hasPaymentApplied(doc)) {
      throw errors.business(
        `This ${kind === 'Invoice' ? 'invoice' : 'credit memo'} has a payment applied to it and can't be voided.`,
      );
    }
    const out = clone(doc);
    out.Line = (asArray(doc.Line) ?? []).filter(isObject).map((line) => {
      const l = clone(line);
      if ('Amount' in l) l.Amount = 0;
      const detail = asObject(l.SalesItemLineDetail);
      if (detail && 'Qty' in detail) detail.Qty = 0;
      return l;
    });
    const note = asString(doc.PrivateNote);
    out.PrivateNote = note ? `Voided - ${note}` : 'Voided';
    for (const field of ['TotalAmt', 'Balance', 'HomeTotalAmt', 'HomeBalance', 'RemainingCredit'])
      if (field in out) out[field] = 0;
    return out;
  };
}

function checkDeleteSalesTransaction(kind: SalesKind) {
  return (ctx: OpContext, doc: JsonObject): void => {
    requireOpenPeriod(ctx, doc);
    if (hasPaymentApplied(doc) || (asArray(doc.LinkedTxn) ?? []).length > 0) {
      throw errors.business(
        `This ${kind === 'Invoice' ? 'invoice' : 'credit memo'} is linked to other transactions. Unlink them before deleting it.`,
      );
    }
  };
}

function salesModule(kind: SalesKind): EntityModule {
  return defineEntity({
    name: kind,
    known: new Set(COMMON_FIELDS),
    readOnly: new Set(READ_ONLY),
    build: buildSalesTransaction(kind),
    present: presentSalesTransaction,
    voidFields: voidSalesTransaction(kind),
    checkDelete: checkDeleteSalesTransaction(kind),
  });
}

export const invoice = salesModule('Invoice');
export const creditMemo = salesModule('CreditMemo');

/**
 * Test control: a payment (invoice) or an application (credit memo) of `amount` (default: the whole open
 * balance). Balance drops, the invoice gets a LinkedTxn to the payment, SyncToken goes up.
 */
export function applyPayment(ctx: OpContext, kind: SalesKind, id: string, amount?: number): JsonObject {
  const stored = ctx.realm.get(kind, id);
  if (!stored || stored.deleted) throw errors.objectNotFound('Id');
  const doc = stored.doc;
  const balance = cents(doc.Balance);
  const pay = amount === undefined ? balance : toCents(amount);
  if (pay <= 0n || pay > balance) {
    throw errors.business(
      `A payment of ${centsToNumber(pay)} must be positive and at most the open balance ${centsToNumber(balance)}.`,
    );
  }
  const fields = clone(doc);
  const left = balance - pay;
  fields.Balance = centsToNumber(left);
  const rate = asNumber(doc.ExchangeRate);
  if ('HomeBalance' in fields && rate !== undefined)
    fields.HomeBalance = centsToNumber(convertCents(left, rate));
  if (kind === 'CreditMemo') fields.RemainingCredit = centsToNumber(left);
  else
    fields.LinkedTxn = [
      ...(asArray(doc.LinkedTxn) ?? []),
      { TxnId: ctx.realm.nextPaymentId(), TxnType: 'Payment' },
    ];
  const next = stamp(ctx, fields, String(doc.Id), doc);
  ctx.realm.put(kind, next);
  changed(ctx, kind, String(doc.Id), 'Update');
  return presentSalesTransaction(ctx, next);
}
