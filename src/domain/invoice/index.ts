/**
 * From an m3ter Bill to the exact QuickBooks Online create body (spec §5.3, §5.4). Pure: no I/O, no
 * node:* imports, safe to import from Temporal workflow code.
 */
export { buildQuickBooksDocument } from './document-builder';
export { currencyClash } from './document-header';
export { hashableDocument } from './hashable-document';
export type {
  QboCreditMemoPayload,
  QboDocument,
  QboDocumentPayload,
  QboDocumentType,
  QboEmail,
  QboInvoicePayload,
  QboRef,
  QboSalesDocumentFields,
  QboSalesItemLine,
  QboSalesItemLineDetail,
} from './qbo-document';
export { QBO_DOCUMENT_TYPES, QBO_LIMITS, QboDocumentSchema, QboDocumentTypeSchema } from './qbo-document';
export type {
  BuildDocumentInput,
  BuildResult,
  BuiltDocument,
  CurrencyFacts,
  DocumentSettings,
  InvalidDocumentCode,
  ItemEntity,
  ItemLookup,
  ReferenceNames,
} from './types';
