import { z } from 'zod';
import { LineItemTypeSchema } from './m3ter';

/** Every setting of a QuickBooks bill integration (spec §3.1), with its default. */

export const DESTINATIONS = ['QuickBooks', 'QuickBooksSandbox'] as const;
export const DestinationSchema = z.enum(DESTINATIONS);
export type Destination = z.infer<typeof DestinationSchema>;

export const SplitUsageLineItemsSchema = z.enum([
  'ITEM_PER_USAGE_BAND',
  'ITEM_PER_PRODUCT',
  'ITEM_PER_AGGREGATION',
]);
export type SplitUsageLineItems = z.infer<typeof SplitUsageLineItemsSchema>;

export const SortLineItemsBySchema = z.enum(['NONE', 'SUBTOTAL', 'AGGREGATION_ID']);
export type SortLineItemsBy = z.infer<typeof SortLineItemsBySchema>;

const id = z.string().min(1).max(200);
const ids = z.array(id).max(10_000);

export const QuickBooksItemMappingSchema = z
  .strictObject({
    CREDIT_MEMO: z.string().min(1).nullish(),
    DEBIT_MEMO: z.string().min(1).nullish(),
  })
  .default({});

export const IntegrationSettingsSchema = z.strictObject({
  // global panel
  name: z.string().trim().min(1).max(200),
  destination: DestinationSchema,
  entityType: z.literal('Bill').default('Bill'),
  accountIds: ids.default([]),
  restrictedAccountIds: ids.default([]),
  integrationDisabledNotificationUserIds: ids.default([]),
  // entity panel
  onlySendBillOnApproval: z.boolean().default(false),
  useExternalMappingAccountCode: z.boolean().default(false),
  excludedLineItemTypes: z.array(LineItemTypeSchema).default([]),
  accountFilter: z.string().max(4000).nullable().default(null),
  enforceExternalMappingsForConfig: z.boolean().default(false),
  excludedProductIds: ids.default([]),
  excludedAggregationIds: ids.default([]),
  // external (QuickBooks) panel
  splitUsageLineItems: SplitUsageLineItemsSchema.default('ITEM_PER_AGGREGATION'),
  quickBooksItemMapping: QuickBooksItemMappingSchema,
  sendZeroQuantityLineItems: z.boolean().default(false),
  allowBankTransferPayment: z.boolean().default(false),
  allowCreditCardPayment: z.boolean().default(false),
  bccInvoiceEmailAddress: z.email().max(200).nullable().default(null),
  accountManagerEmailCustomField: z.string().min(1).max(200).nullable().default(null),
  sortLineItemsBy: SortLineItemsBySchema.default('NONE'),
  // operations
  autoDisableAfterConsecutiveFailures: z.number().int().min(1).max(1000).default(5),
});
export type IntegrationSettings = z.infer<typeof IntegrationSettingsSchema>;
export type IntegrationSettingsInput = z.input<typeof IntegrationSettingsSchema>;

export const CONNECTION_STATUSES = ['CONNECTED', 'NOT_CONNECTED'] as const;
export type ConnectionStatus = (typeof CONNECTION_STATUSES)[number];

/** An integration as the rest of the product sees it. */
export interface Integration extends IntegrationSettings {
  id: string;
  enabled: boolean;
  credentialId: string | null;
  connectionStatus: ConnectionStatus;
  disabledAt: string | null;
  disabledReason: string | null;
  consecutiveFailures: number;
  version: number;
  createdAt: string;
  updatedAt: string;
}
