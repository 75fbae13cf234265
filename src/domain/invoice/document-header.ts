import type { Account, Bill } from '../m3ter';
import { dateOnly, isEmail, present, previousDay, truncate } from './format';
import {
  QBO_LIMITS,
  type QboEmail,
  type QboInvoicePayload,
  type QboSalesDocumentFields,
} from './qbo-document';
import type { CurrencyFacts, DocumentSettings } from './types';

/**
 * Spec §5.2: with multicurrency off the bill must be in the home currency; with it on, in the customer's
 * currency (a customer without one is in the home currency). Returns the clash, or null.
 */
export function currencyClash(billCurrency: string, facts: CurrencyFacts): string | null {
  const bill = billCurrency.toUpperCase();
  const home = facts.homeCurrency.toUpperCase();
  if (!facts.multiCurrencyEnabled) {
    return bill === home
      ? null
      : `Bill currency ${bill} is not the QuickBooks home currency ${home}, and multicurrency is off in QuickBooks`;
  }
  const customer = (present(facts.customerCurrency) ?? home).toUpperCase();
  return bill === customer
    ? null
    : `Bill currency ${bill} does not match the QuickBooks customer's currency ${customer}`;
}

export interface HeaderInput {
  bill: Bill;
  account: Account;
  settings: DocumentSettings;
  customerId: string;
  currency: CurrencyFacts;
  marker: string;
}

/** Spec §5.4, the fields an Invoice and a CreditMemo share. Problems become warnings. */
export function buildHeader(input: HeaderInput, warnings: string[]): Omit<QboSalesDocumentFields, 'Line'> {
  const { bill, account, settings } = input;
  const docNumber = documentNumber(bill, warnings);
  const txnDate = dateOnly(bill.externalInvoiceDate) ?? dateOnly(bill.billDate);
  if (!txnDate)
    warnings.push('TxnDate left to QuickBooks (today): the bill has no billDate or externalInvoiceDate');
  const memo = billingPeriod(bill);
  const billEmail = email(
    account.emailAddress,
    QBO_LIMITS.billEmail,
    'BillEmail',
    'the account e-mail',
    warnings,
  );
  const cc = accountManagerEmail(account, settings.accountManagerEmailCustomField, warnings);
  const bcc = email(
    settings.bccInvoiceEmailAddress,
    QBO_LIMITS.billEmailCcBcc,
    'BillEmailBcc',
    'the BCC setting',
    warnings,
  );
  return {
    CustomerRef: { value: input.customerId },
    ...(txnDate ? { TxnDate: txnDate } : {}),
    ...(docNumber ? { DocNumber: docNumber } : {}),
    PrivateNote: input.marker,
    ...(memo ? { CustomerMemo: { value: truncate(memo, QBO_LIMITS.customerMemo) } } : {}),
    ...(billEmail ? { BillEmail: billEmail } : {}),
    ...(cc ? { BillEmailCc: cc } : {}),
    ...(bcc ? { BillEmailBcc: bcc } : {}),
    ...(input.currency.multiCurrencyEnabled ? { CurrencyRef: { value: bill.currency.toUpperCase() } } : {}),
  };
}

/** Invoice-only fields: a credit memo has no due date and takes no payment. */
export function invoiceFields(
  bill: Bill,
  settings: DocumentSettings,
): Pick<QboInvoicePayload, 'DueDate' | 'AllowOnlineACHPayment' | 'AllowOnlineCreditCardPayment'> {
  const dueDate = dateOnly(bill.dueDate);
  return {
    ...(dueDate ? { DueDate: dueDate } : {}),
    AllowOnlineACHPayment: settings.allowBankTransferPayment,
    AllowOnlineCreditCardPayment: settings.allowCreditCardPayment,
  };
}

function documentNumber(bill: Bill, warnings: string[]): string | null {
  const number = present(bill.sequentialInvoiceNumber)?.trim() ?? null;
  if (number === null || number.length <= QBO_LIMITS.docNumber) return number;
  warnings.push(
    `DocNumber left to QuickBooks: sequentialInvoiceNumber "${number}" has ${number.length} characters, more than ${QBO_LIMITS.docNumber}`,
  );
  return null;
}

/**
 * "Billing period 2026-10-01 to 2026-10-31". m3ter's bill endDate is exclusive (the first day of the next
 * period), so the memo shows the day before it.
 */
function billingPeriod(bill: Bill): string | null {
  const start = dateOnly(bill.startDate);
  const end = dateOnly(bill.endDate);
  if (!start || !end) return null;
  return `Billing period ${start} to ${end > start ? previousDay(end) : end}`;
}

function accountManagerEmail(account: Account, field: string | null, warnings: string[]): QboEmail | null {
  if (field === null) return null;
  const fields = account.customFields;
  const value = fields && Object.hasOwn(fields, field) ? fields[field] : null;
  if (value === null || value === undefined || value === '') return null;
  const what = `the account custom field "${field}"`;
  return email(
    typeof value === 'string' ? value : String(value),
    QBO_LIMITS.billEmailCcBcc,
    'BillEmailCc',
    what,
    warnings,
  );
}

function email(
  value: string | null | undefined,
  max: number,
  key: string,
  what: string,
  warnings: string[],
): QboEmail | null {
  const address = present(value)?.trim() ?? null;
  if (address === null) return null;
  if (isEmail(address, max)) return { Address: address };
  warnings.push(`${key} left out: ${what} "${address}" is not a usable e-mail address`);
  return null;
}
