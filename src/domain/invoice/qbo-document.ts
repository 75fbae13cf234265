/**
 * The QuickBooks Online create bodies this service sends (POST /invoice, POST /creditmemo).
 * Keys that have no value are left out entirely (never null), so the payload is canonical: equal
 * content gives equal JSON, which the caller hashes to detect unchanged documents.
 */

export interface QboRef {
  value: string;
}

export interface QboEmail {
  Address: string;
}

export interface QboSalesItemLineDetail {
  ItemRef?: QboRef;
  Qty?: number;
  UnitPrice?: number;
  /** YYYY-MM-DD */
  ServiceDate?: string;
}

export interface QboSalesItemLine {
  DetailType: 'SalesItemLineDetail';
  /** In the currency's decimals; positive on a credit memo for a credit. */
  Amount: number;
  Description?: string;
  SalesItemLineDetail: QboSalesItemLineDetail;
}

/** Fields common to both documents (QBO SalesTransaction). */
export interface QboSalesDocumentFields {
  CustomerRef: QboRef;
  TxnDate: string;
  DocNumber?: string;
  PrivateNote: string;
  CustomerMemo?: QboRef;
  BillEmail?: QboEmail;
  BillEmailCc?: QboEmail;
  BillEmailBcc?: QboEmail;
  CurrencyRef?: QboRef;
  Line: QboSalesItemLine[];
}

export interface QboInvoicePayload extends QboSalesDocumentFields {
  DueDate?: string;
  AllowOnlineACHPayment: boolean;
  AllowOnlineCreditCardPayment: boolean;
}

export type QboCreditMemoPayload = QboSalesDocumentFields;

export type QboDocumentType = 'Invoice' | 'CreditMemo';

export type QboDocument =
  { type: 'Invoice'; payload: QboInvoicePayload } | { type: 'CreditMemo'; payload: QboCreditMemoPayload };

/** QBO field limits the builder respects. */
export const QBO_LIMITS = {
  docNumber: 21,
  privateNote: 4000,
  customerMemo: 1000,
  lineDescription: 4000,
  billEmail: 100,
  billEmailCcBcc: 200,
  /** Amounts are "10.5": at most 10 integer digits. */
  maxAbsAmount: 1e10,
  /** Decimals sent in Qty and UnitPrice; beyond this the quantity goes into the description instead. */
  qtyPriceDecimals: 5,
} as const;
