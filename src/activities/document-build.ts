import type { Db } from '../db/pool';
import { findMappingCandidatesForMany } from '../db/repositories/external-mappings';
import { findM3terObject } from '../db/repositories/m3ter-objects';
import { resolveMapping, type M3terEntity } from '../domain/external-mapping';
import { contentHash, documentMarker } from '../domain/ids';
import type { Integration } from '../domain/integration-settings';
import { buildQuickBooksDocument } from '../domain/invoice';
import type { ItemEntity, ItemLookup, ReferenceNames } from '../domain/invoice/types';
import type { Account, Bill } from '../domain/m3ter';
import { fromMinor } from '../domain/money';
import type { CurrencyFacts } from './bill-sync.contract';
import { SyncFailureError } from './sync-failure-error';

export type DocumentForRun =
  | {
      kind: 'document';
      type: 'Invoice' | 'CreditMemo';
      payload: Record<string, unknown>;
      payloadHash: string;
      lineCount: number;
      total: string;
      warnings: string[];
    }
  | { kind: 'skip'; reason: string };

/**
 * Gathers what the pure builder needs (item mappings resolved per spec §5.1, reference names) and builds
 * the QuickBooks document. An invalid document is a permanent failure; nothing is sent.
 */
export async function buildDocumentForRun(
  db: Db,
  ctx: {
    integration: Integration;
    bill: Bill;
    account: Account;
    customerId: string;
    currency: CurrencyFacts;
  },
): Promise<DocumentForRun> {
  const { integration, bill } = ctx;
  const refs = itemRefs(bill);
  const candidates = await findMappingCandidatesForMany(db, integration.destination, refs);
  const scope = {
    integrationId: integration.id,
    destination: integration.destination,
    enforceExternalMappingsForConfig: integration.enforceExternalMappingsForConfig,
  };
  const items: Record<ItemEntity, Record<string, string>> = {
    PricingBand: {},
    Aggregation: {},
    CompoundAggregation: {},
    Product: {},
  };
  for (const ref of refs) {
    const mapping = resolveMapping(
      candidates.filter((c) => c.m3terEntity === ref.m3terEntity && c.m3terId === ref.m3terId),
      scope,
    );
    if (mapping) items[ref.m3terEntity as ItemEntity][ref.m3terId] = mapping.externalId;
  }
  const built = buildQuickBooksDocument({
    bill,
    account: ctx.account,
    settings: integration,
    customerId: ctx.customerId,
    currency: ctx.currency,
    items: items as ItemLookup,
    names: await referenceNames(db, refs),
    marker: documentMarker(bill.id),
  });
  if (built.kind === 'skip') return built;
  if (built.kind === 'invalid') {
    throw new SyncFailureError({
      code: built.code === 'CURRENCY_MISMATCH' ? 'CURRENCY_MISMATCH' : 'INVALID_DOCUMENT',
      message: built.message,
    });
  }
  const payload = built.payload as unknown as Record<string, unknown>;
  return {
    kind: 'document',
    type: built.type,
    payload,
    payloadHash: contentHash({ type: built.type, payload }),
    lineCount: built.lineCount,
    total: `${fromMinor(built.totalMinor, built.currency)} ${built.currency}`,
    warnings: built.warnings,
  };
}

function itemRefs(bill: Bill): Array<{ m3terEntity: M3terEntity; m3terId: string }> {
  const seen = new Set<string>();
  const refs: Array<{ m3terEntity: M3terEntity; m3terId: string }> = [];
  const add = (m3terEntity: M3terEntity, id: string | null | undefined) => {
    if (!id || seen.has(`${m3terEntity}/${id}`)) return;
    seen.add(`${m3terEntity}/${id}`);
    refs.push({ m3terEntity, m3terId: id });
  };
  for (const line of bill.lineItems) {
    add('Product', line.productId);
    add('Product', line.accountingProductId);
    add('Aggregation', line.aggregationId);
    add('CompoundAggregation', line.compoundAggregationId);
    for (const band of line.usagePerPricingBand ?? []) add('PricingBand', band.pricingBandId);
  }
  return refs;
}

async function referenceNames(
  db: Db,
  refs: Array<{ m3terEntity: M3terEntity; m3terId: string }>,
): Promise<ReferenceNames> {
  const names: Record<'Aggregation' | 'CompoundAggregation' | 'Product', Record<string, string>> = {
    Aggregation: {},
    CompoundAggregation: {},
    Product: {},
  };
  for (const ref of refs) {
    if (ref.m3terEntity === 'PricingBand' || ref.m3terEntity === 'Account') continue;
    const stored = await findM3terObject(db, ref.m3terEntity, ref.m3terId);
    const name = stored?.data.name;
    if (typeof name === 'string') names[ref.m3terEntity][ref.m3terId] = name;
  }
  return names;
}
