import type { IntegrationSettings } from '../integration-settings';
import type { Account, Bill } from '../m3ter';
import type { QboDocument } from './qbo-document';

/** The settings the document depends on (spec §3.1 entity + external panels). */
export type DocumentSettings = Pick<
  IntegrationSettings,
  | 'excludedLineItemTypes'
  | 'excludedProductIds'
  | 'excludedAggregationIds'
  | 'splitUsageLineItems'
  | 'quickBooksItemMapping'
  | 'sendZeroQuantityLineItems'
  | 'allowBankTransferPayment'
  | 'allowCreditCardPayment'
  | 'bccInvoiceEmailAddress'
  | 'accountManagerEmailCustomField'
  | 'sortLineItemsBy'
>;

/** What the QuickBooks company says about currencies (read from Preferences and the Customer). */
export interface CurrencyFacts {
  multiCurrencyEnabled: boolean;
  homeCurrency: string;
  /** The QBO customer's currency; absent means the home currency (QBO's default for new customers). */
  customerCurrency?: string | null;
}

export type ItemEntity = 'PricingBand' | 'Aggregation' | 'CompoundAggregation' | 'Product';

/** QBO Item ids the caller resolved (spec §5.1), by m3ter entity and m3ter id. Accounting products are Products. */
export type ItemLookup = Partial<Record<ItemEntity, Readonly<Record<string, string>>>>;

/** m3ter names, used when a bill line has no description of its own or lines are grouped by product. */
export type ReferenceNames = Partial<
  Record<Exclude<ItemEntity, 'PricingBand'>, Readonly<Record<string, string>>>
>;

export interface BuildDocumentInput {
  bill: Bill;
  account: Account;
  settings: DocumentSettings;
  /** The QBO Customer id (spec §5.2). */
  customerId: string;
  currency: CurrencyFacts;
  items: ItemLookup;
  names?: ReferenceNames;
  /** The stable marker for PrivateNote (src/domain/ids.ts documentMarker). */
  marker: string;
}

export type InvalidDocumentCode =
  /** The bill's currency is not one QuickBooks knows (m3ter allows custom currency codes). */
  | 'CURRENCY_UNKNOWN'
  /** Bill currency differs from the customer's (multicurrency) or the home currency. */
  | 'CURRENCY_MISMATCH'
  /** A line is in another currency than the bill and carries no converted subtotal. */
  | 'LINE_CURRENCY_UNCONVERTED'
  /** An amount is not finite or beyond what QBO stores (10 integer digits). */
  | 'AMOUNT_OUT_OF_RANGE'
  /** The built lines do not add up to the bill's included amounts (a defect; nothing is sent). */
  | 'TOTAL_MISMATCH';

export type BuiltDocument = QboDocument & {
  kind: 'document';
  /** Sum of the line Amounts in minor units (≥ 0: a negative bill becomes a CreditMemo). */
  totalMinor: number;
  currency: string;
  lineCount: number;
  warnings: string[];
};

export type BuildResult =
  | BuiltDocument
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; code: InvalidDocumentCode; message: string };
