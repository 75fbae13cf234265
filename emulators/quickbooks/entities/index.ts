/** The entity registry: path segment (any case) → rules. */
import type { EntityName } from '../types';
import type { EntityModule } from './common';
import { customer } from './customer';
import { item } from './item';
import { creditMemo, invoice } from './sales-transaction';

export const ENTITIES: Record<EntityName, EntityModule> = {
  Invoice: invoice,
  CreditMemo: creditMemo,
  Customer: customer,
  Item: item,
};

const BY_LOWER = new Map<string, EntityName>(
  Object.keys(ENTITIES).map((k) => [k.toLowerCase(), k as EntityName]),
);

/** `invoice`, `Invoice`, `INVOICE` → `Invoice`. */
export function entityFromPath(segment: string): EntityName | undefined {
  return BY_LOWER.get(segment.toLowerCase());
}

export { applyPayment } from './sales-transaction';
export type { EntityModule, OpContext } from './common';
