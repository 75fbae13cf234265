import { z } from 'zod';

/** Narrow types for the parts of QuickBooks Online entities this product reads. Unknown fields are kept. */

export const RefSchema = z.looseObject({ value: z.string(), name: z.string().optional() });
export type Ref = z.infer<typeof RefSchema>;

const money = z.number();

export const LineSchema = z.looseObject({
  Id: z.string().optional(),
  LineNum: z.number().optional(),
  DetailType: z.string(),
  Amount: money.optional(),
  Description: z.string().optional(),
  SalesItemLineDetail: z
    .looseObject({
      ItemRef: RefSchema.optional(),
      Qty: z.number().optional(),
      UnitPrice: z.number().optional(),
      ServiceDate: z.string().optional(),
    })
    .optional(),
});
export type Line = z.infer<typeof LineSchema>;

const salesTransaction = {
  Id: z.string(),
  SyncToken: z.string(),
  DocNumber: z.string().optional(),
  TxnDate: z.string().optional(),
  PrivateNote: z.string().optional(),
  CustomerRef: RefSchema,
  CurrencyRef: RefSchema.optional(),
  Line: z.array(LineSchema).default([]),
  TotalAmt: money,
  Balance: money.optional(),
  MetaData: z
    .looseObject({ CreateTime: z.string().optional(), LastUpdatedTime: z.string().optional() })
    .optional(),
};

export const InvoiceSchema = z.looseObject({ ...salesTransaction, DueDate: z.string().optional() });
export type Invoice = z.infer<typeof InvoiceSchema>;

export const CreditMemoSchema = z.looseObject({ ...salesTransaction, RemainingCredit: money.optional() });
export type CreditMemo = z.infer<typeof CreditMemoSchema>;

export const CustomerSchema = z.looseObject({
  Id: z.string(),
  SyncToken: z.string().optional(),
  DisplayName: z.string(),
  Active: z.boolean().optional(),
  PrimaryEmailAddr: z.looseObject({ Address: z.string().optional() }).optional(),
  CurrencyRef: RefSchema.optional(),
});
export type Customer = z.infer<typeof CustomerSchema>;

export const ItemSchema = z.looseObject({
  Id: z.string(),
  Name: z.string(),
  Active: z.boolean().optional(),
  Type: z.string().optional(),
  Sku: z.string().optional(),
});
export type Item = z.infer<typeof ItemSchema>;

export const PreferencesSchema = z.looseObject({
  CurrencyPrefs: z
    .looseObject({ MultiCurrencyEnabled: z.boolean().optional(), HomeCurrency: RefSchema.optional() })
    .optional(),
  SalesFormsPrefs: z.looseObject({ CustomTxnNumbers: z.boolean().optional() }).optional(),
});
export type Preferences = z.infer<typeof PreferencesSchema>;

/** A customer create body (POST /customer). */
export interface NewCustomer {
  DisplayName: string;
  PrimaryEmailAddr?: { Address: string };
  BillAddr?: Partial<
    Record<
      'Line1' | 'Line2' | 'Line3' | 'Line4' | 'City' | 'CountrySubDivisionCode' | 'PostalCode' | 'Country',
      string
    >
  >;
  CurrencyRef?: { value: string };
}
