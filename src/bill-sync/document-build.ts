import type { Queryable } from '../db/repositories/common';
import { findMappingCandidatesForMany } from '../db/repositories/external-mappings';
import { updateRun } from '../db/repositories/runs.repository';
import { resolveMapping, type M3terEntity } from '../domain/external-mapping';
import { documentHash, documentMarker } from '../domain/ids';
import type { Integration } from '../domain/integration-settings';
import { buildQuickBooksDocument, type QboDocument } from '../domain/invoice';
import type { ItemEntity, ItemLookup, ReferenceNames } from '../domain/invoice/types';
import type { Account, Bill } from '../domain/m3ter';
import { fromMinor } from '../domain/money';
import { SyncFailureError } from '../domain/sync-failure';
import type { ReferenceCache } from '../settings/reference-cache';
import type { ResolvedCustomer } from './customer-resolution';

export type BuiltBillDocument =
  | {
      kind: 'document';
      document: QboDocument;
      payloadHash: string;
      lineCount: number;
      /** e.g. "921.50 USD" */
      total: string;
      warnings: string[];
    }
  | { kind: 'skip'; reason: string };

export interface DocumentDeps {
  db: Queryable;
  /** m3ter reference data on demand (the names of what the lines charge for). */
  reference: ReferenceCache;
}

interface DocumentContext {
  integration: Integration;
  bill: Bill;
  account: Account;
}

/**
 * Build the document: gathers what the pure builder needs (item mappings resolved per spec §5.1, m3ter
 * names) and builds the QuickBooks document. An invalid document is a permanent failure; nothing is sent.
 * Reads only.
 */
export async function buildBillDocument(
  deps: DocumentDeps,
  ctx: DocumentContext,
  customer: Pick<ResolvedCustomer, 'customerId' | 'currency'>,
): Promise<BuiltBillDocument> {
  const { db } = deps;
  const { integration, bill } = ctx;
  const refs = itemRefs(bill);
  // The names of what the lines charge for come from m3ter (cached); the mappings are ours.
  const [candidates, names] = await Promise.all([
    findMappingCandidatesForMany(db, integration.destination, refs),
    referenceNames(deps.reference, refs),
  ]);
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
    if (mapping) items[ref.m3terEntity][ref.m3terId] = mapping.externalId;
  }
  const built = buildQuickBooksDocument({
    bill,
    account: ctx.account,
    settings: integration,
    customerId: customer.customerId,
    currency: customer.currency,
    items: items as ItemLookup,
    names,
    marker: documentMarker(bill.id),
  });
  if (built.kind === 'skip') return built;
  if (built.kind === 'invalid') {
    throw new SyncFailureError({
      code: built.code === 'CURRENCY_MISMATCH' ? 'CURRENCY_MISMATCH' : 'INVALID_DOCUMENT',
      message: built.message,
    });
  }
  const document: QboDocument =
    built.type === 'Invoice'
      ? { type: 'Invoice', payload: built.payload }
      : { type: 'CreditMemo', payload: built.payload };
  return {
    kind: 'document',
    document,
    payloadHash: documentHash(document),
    lineCount: built.lineCount,
    total: `${fromMinor(built.totalMinor, built.currency)} ${built.currency}`,
    warnings: built.warnings,
  };
}

/** Build the run's document and keep it with the run, where the upsert step takes it from. */
export async function buildDocumentForRun(
  deps: DocumentDeps,
  ctx: DocumentContext & { runId: string },
  customer: Pick<ResolvedCustomer, 'customerId' | 'currency'>,
): Promise<BuiltBillDocument> {
  const built = await buildBillDocument(deps, ctx, customer);
  if (built.kind === 'document') {
    await updateRun(deps.db, ctx.runId, {
      document: built.document,
      payloadHash: built.payloadHash,
      warnings: built.warnings,
    });
  }
  return built;
}

type ItemRef = { m3terEntity: ItemEntity & M3terEntity; m3terId: string };

function itemRefs(bill: Bill): ItemRef[] {
  const seen = new Set<string>();
  const refs: ItemRef[] = [];
  const add = (m3terEntity: ItemRef['m3terEntity'], id: string | null | undefined) => {
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

async function referenceNames(reference: ReferenceCache, refs: readonly ItemRef[]): Promise<ReferenceNames> {
  const named = refs.flatMap((r) =>
    r.m3terEntity === 'PricingBand' ? [] : [{ kind: r.m3terEntity, id: r.m3terId }],
  );
  const found = await reference.ensure(named);
  const names: Record<'Aggregation' | 'CompoundAggregation' | 'Product', Record<string, string>> = {
    Aggregation: {},
    CompoundAggregation: {},
    Product: {},
  };
  for (const { kind, id } of named) {
    const name = found.get(`${kind}/${id}`);
    if (name !== undefined) names[kind][id] = name;
  }
  return names;
}
