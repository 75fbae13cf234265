import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Search attributes every bill-sync workflow carries, so operators can filter in the Temporal Web UI. */
export const IntegrationIdKey = defineSearchAttributeKey('IntegrationId', SearchAttributeType.KEYWORD);
export const BillIdKey = defineSearchAttributeKey('BillId', SearchAttributeType.KEYWORD);
export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const SyncStatusKey = defineSearchAttributeKey('SyncStatus', SearchAttributeType.KEYWORD);

export const SEARCH_ATTRIBUTE_KEYS = [IntegrationIdKey, BillIdKey, AccountIdKey, SyncStatusKey];
