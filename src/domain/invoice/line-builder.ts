import { USAGE_LINE_ITEM_TYPES, type BillLineItem, type PricingBandUsage } from '../m3ter';
import { decimalToString, exactSum, formatMinor, roundPreservingTotal, roundedSum, toMinor } from '../money';
import type { DraftLine } from './draft-line';
import { bandRange, dateOnly, lineLabel, present } from './format';
import { aggregationChain, bandChain, firstMappedItem, memoItem, productChain } from './item-resolution';
import { bandAmount, type SelectedLine } from './line-selection';
import type { DocumentSettings, ItemLookup, ReferenceNames } from './types';

export interface LineContext {
  currency: string;
  settings: DocumentSettings;
  items: ItemLookup;
  names: ReferenceNames;
  warnings: string[];
}

/**
 * Spec §5.3: turns the selected bill lines into document lines. `amountsMinor[i]` is the share of the
 * document total that selected line i carries (already reconciled with the total), so every split below
 * only redistributes it and the invariant survives.
 */
export function buildDraftLines(
  selected: readonly SelectedLine[],
  amountsMinor: readonly number[],
  ctx: LineContext,
): DraftLine[] {
  // A string slot holds the place of a product group, at its first appearance.
  const slots: Array<DraftLine | string> = [];
  const groups = new Map<string, { lines: SelectedLine[]; amounts: number[] }>();
  selected.forEach((entry, i) => {
    const amountMinor = amountsMinor[i] ?? 0;
    const { line } = entry;
    if (!USAGE_LINE_ITEM_TYPES.includes(line.lineItemType)) {
      const memo = memoItem(line, ctx.settings);
      const itemId = memo !== undefined ? memo : firstMappedItem(ctx.items, productChain(line));
      slots.push({ ...singleLine(entry, amountMinor, ctx), itemId });
      return;
    }
    const mode = ctx.settings.splitUsageLineItems;
    if (mode === 'ITEM_PER_PRODUCT') {
      const key = present(line.accountingProductId) ?? present(line.productId);
      if (key === null) {
        slots.push({ ...singleLine(entry, amountMinor, ctx), itemId: null });
        return;
      }
      const group = groups.get(key) ?? { lines: [], amounts: [] };
      if (!groups.has(key)) {
        groups.set(key, group);
        slots.push(key);
      }
      group.lines.push(entry);
      group.amounts.push(amountMinor);
      return;
    }
    const bands = mode === 'ITEM_PER_USAGE_BAND' ? bandLines(entry, amountMinor, ctx) : null;
    if (bands) {
      slots.push(...bands);
      return;
    }
    slots.push({
      ...singleLine(entry, amountMinor, ctx),
      itemId: firstMappedItem(ctx.items, aggregationChain(line)),
    });
  });
  return slots.map((slot) => {
    if (typeof slot !== 'string') return slot;
    const group = groups.get(slot)!;
    return productLine(slot, group.lines, group.amounts, ctx);
  });
}

function baseDraft(entry: SelectedLine, amountMinor: number, ctx: LineContext): DraftLine {
  const { line, index } = entry;
  return {
    amountMinor,
    description: describe(line, ctx.names),
    quantities: [line.quantity, line.units],
    unitPrices: [line.averageUnitPrice],
    displayQuantity: line.quantity ?? null,
    unit: present(line.unit),
    serviceDate: dateOnly(line.servicePeriodStartDate),
    itemId: null,
    aggregationId: present(line.aggregationId) ?? present(line.compoundAggregationId),
    label: lineLabel(index, line),
  };
}

/** One document line for one bill line; the caller picks its item. */
function singleLine(entry: SelectedLine, amountMinor: number, ctx: LineContext): DraftLine {
  const draft = baseDraft(entry, amountMinor, ctx);
  const used = usedBands(entry);
  const bandPrice = used.length === 1 ? used[0]?.band.unitPrice : undefined;
  return { ...draft, unitPrices: [...draft.unitPrices, bandPrice] };
}

interface UsedBand {
  band: PricingBandUsage;
  amount: number;
  range: string | null;
}

/** Bands with usage or money, each with its amount and its range among all the line's bands. */
function usedBands(entry: SelectedLine): UsedBand[] {
  const bands = entry.line.usagePerPricingBand ?? [];
  const limits = bands.map((b) => b.lowerLimit).filter((l): l is number => typeof l === 'number');
  const used: UsedBand[] = [];
  for (const band of bands) {
    const amount = bandAmount(band, entry.converted);
    if ((band.bandQuantity ?? 0) === 0 && (amount ?? 0) === 0) continue;
    if (amount === null) return []; // a used band without an amount cannot be reconciled: the line stays whole
    const lower = band.lowerLimit;
    const upper = typeof lower === 'number' ? Math.min(...limits.filter((l) => l > lower)) : null;
    used.push({ band, amount, range: bandRange(lower, upper === Infinity ? null : upper) });
  }
  return used;
}

/** ITEM_PER_USAGE_BAND: one line per band used; null when the line has no usable bands (it stays whole). */
function bandLines(entry: SelectedLine, amountMinor: number, ctx: LineContext): DraftLine[] | null {
  const used = usedBands(entry);
  if (used.length === 0) return null;
  const amounts = used.map((u) => u.amount);
  const bandTotal = roundedSum(amounts, ctx.currency);
  const lineTotal = toMinor(entry.amount, ctx.currency);
  if (bandTotal !== lineTotal) {
    const [bands, subtotal] = [bandTotal, lineTotal].map((m) => formatMinor(m, ctx.currency));
    ctx.warnings.push(
      `The pricing bands of ${lineLabel(entry.index, entry.line)} add up to ${bands}, its subtotal is ${subtotal}; the difference was spread across the bands`,
    );
  }
  const shares = roundPreservingTotal(amounts, ctx.currency, amountMinor);
  const base = baseDraft(entry, 0, ctx);
  return used.map(({ band, range }, i) => ({
    ...base,
    amountMinor: shares[i] ?? 0,
    description: range ? `${base.description} (${range})`.trimStart() : base.description,
    quantities: [band.bandQuantity, band.bandUnits],
    unitPrices: [band.unitPrice],
    displayQuantity: band.bandQuantity ?? null,
    itemId: firstMappedItem(ctx.items, bandChain(entry.line, band)),
  }));
}

/** ITEM_PER_PRODUCT: the usage lines of one product (accounting product first) as one line, amounts summed. */
function productLine(
  key: string,
  lines: readonly SelectedLine[],
  amounts: readonly number[],
  ctx: LineContext,
): DraftLine {
  const first = lines[0]!;
  const base = baseDraft(first, 0, ctx);
  // Quantities only add up when they count the same unit.
  const sameUnit = new Set(lines.map((e) => present(e.line.unit))).size === 1;
  const quantity = sameUnit
    ? Number(decimalToString(exactSum(lines.map((e) => e.line.quantity ?? 0))))
    : null;
  const viaAccountingProduct = present(first.line.accountingProductId) === key;
  const name = viaAccountingProduct ? first.line.accountingProductName : first.line.productName;
  const productFallback = lines.map((e) => ['Product', e.line.productId] as const);
  return {
    ...base,
    amountMinor: amounts.reduce((a, b) => a + b, 0),
    description: present(name) ?? nameOf(ctx.names.Product, key) ?? base.description,
    quantities: [quantity],
    unitPrices: lines.length === 1 ? base.unitPrices : [],
    displayQuantity: quantity,
    serviceDate: lines.map((e) => dateOnly(e.line.servicePeriodStartDate)).reduce(earliest, null),
    itemId: firstMappedItem(ctx.items, [['Product', key], ...productFallback]),
    label: lines.length === 1 ? base.label : `${base.label} and ${lines.length - 1} more`,
  };
}

function earliest(a: string | null, b: string | null): string | null {
  if (a === null) return b;
  return b === null || a <= b ? a : b;
}

function nameOf(
  table: Readonly<Record<string, string>> | undefined,
  id: string | null | undefined,
): string | null {
  const key = present(id);
  return table && key !== null && Object.hasOwn(table, key) ? present(table[key]) : null;
}

/** The bill line's description, else the name of what it charges for. */
function describe(line: BillLineItem, names: ReferenceNames): string {
  return (
    present(line.description) ??
    nameOf(names.Aggregation, line.aggregationId) ??
    nameOf(names.CompoundAggregation, line.compoundAggregationId) ??
    present(line.accountingProductName) ??
    present(line.productName) ??
    nameOf(names.Product, line.accountingProductId) ??
    nameOf(names.Product, line.productId) ??
    ''
  );
}
