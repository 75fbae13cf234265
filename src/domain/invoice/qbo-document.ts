import { z } from 'zod';

/**
 * The QuickBooks Online create bodies this service sends (POST /invoice, POST /creditmemo), as zod schemas:
 * the builder produces them, the run record stores them and the client sends them, one type end to end.
 * Keys that have no value are left out entirely (never null), so the payload is canonical: equal content
 * gives equal JSON, which is hashed to detect unchanged documents.
 */

const Ref = z.object({ value: z.string() });
const Email = z.object({ Address: z.string() });

export const QboSalesItemLineSchema = z.object({
  DetailType: z.literal('SalesItemLineDetail'),
  /** In the currency's decimals; positive on a credit memo for a credit. */
  Amount: z.number(),
  Description: z.string().optional(),
  SalesItemLineDetail: z.object({
    ItemRef: Ref.optional(),
    Qty: z.number().optional(),
    UnitPrice: z.number().optional(),
    /** YYYY-MM-DD */
    ServiceDate: z.string().optional(),
  }),
});

/** Fields common to both documents (QBO SalesTransaction). */
const salesDocumentFields = {
  CustomerRef: Ref,
  /** Absent only when the bill has no date at all (QuickBooks then dates it today). */
  TxnDate: z.string().optional(),
  DocNumber: z.string().optional(),
  PrivateNote: z.string(),
  CustomerMemo: Ref.optional(),
  BillEmail: Email.optional(),
  BillEmailCc: Email.optional(),
  BillEmailBcc: Email.optional(),
  CurrencyRef: Ref.optional(),
  Line: z.array(QboSalesItemLineSchema),
};

export const QboInvoicePayloadSchema = z.object({
  ...salesDocumentFields,
  DueDate: z.string().optional(),
  AllowOnlineACHPayment: z.boolean(),
  AllowOnlineCreditCardPayment: z.boolean(),
});
export const QboCreditMemoPayloadSchema = z.object(salesDocumentFields);

export const QBO_DOCUMENT_TYPES = ['Invoice', 'CreditMemo'] as const;
export const QboDocumentTypeSchema = z.enum(QBO_DOCUMENT_TYPES);
export type QboDocumentType = z.infer<typeof QboDocumentTypeSchema>;

export const QboDocumentSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('Invoice'), payload: QboInvoicePayloadSchema }),
  z.object({ type: z.literal('CreditMemo'), payload: QboCreditMemoPayloadSchema }),
]);

export type QboRef = z.infer<typeof Ref>;
export type QboEmail = z.infer<typeof Email>;
export type QboSalesItemLine = z.infer<typeof QboSalesItemLineSchema>;
export type QboSalesItemLineDetail = QboSalesItemLine['SalesItemLineDetail'];
export type QboInvoicePayload = z.infer<typeof QboInvoicePayloadSchema>;
export type QboCreditMemoPayload = z.infer<typeof QboCreditMemoPayloadSchema>;
export type QboSalesDocumentFields = QboCreditMemoPayload;
export type QboDocument = z.infer<typeof QboDocumentSchema>;
export type QboDocumentPayload = QboDocument['payload'];

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
