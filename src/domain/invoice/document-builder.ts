import { isIsoCurrency } from '../currencies';
import { isKnownLineItemType } from '../m3ter';
import { roundPreservingTotal, roundedSum, toMinor } from '../money';
import { lineLabel } from './format';
import type { DraftLine } from './draft-line';
import { buildHeader, currencyClash, invoiceFields } from './document-header';
import { buildDraftLines } from './line-builder';
import { sortLines } from './line-order';
import { renderLine } from './line-payload';
import { isSendableAmount, selectLines } from './line-selection';
import type { QboDocument, QboSalesItemLine } from './qbo-document';
import type { BuildDocumentInput, BuildResult } from './types';

/**
 * The QuickBooks document for a bill (spec §5.3, §5.4): an Invoice, or a CreditMemo with every sign
 * flipped when the net total is below zero. A net total of exactly zero is still an Invoice (of 0), so a
 * regenerated bill that nets to zero replaces the document it had. Pure and deterministic; never throws.
 */
export function buildQuickBooksDocument(input: BuildDocumentInput): BuildResult {
  try {
    return build(input);
  } catch (error) {
    // Money arithmetic refuses (RangeError) sums it cannot hold exactly; that is the bill's problem, not a crash.
    if (!(error instanceof RangeError)) throw error;
    return {
      kind: 'invalid',
      code: 'AMOUNT_OUT_OF_RANGE',
      message: `The bill's amounts are out of range: ${error.message}`,
    };
  }
}

function build(input: BuildDocumentInput): BuildResult {
  const { bill, settings } = input;
  const currency = bill.currency.trim().toUpperCase();
  if (!isIsoCurrency(currency)) {
    return {
      kind: 'invalid',
      code: 'CURRENCY_UNKNOWN',
      message: `The bill's currency "${bill.currency}" is not a currency QuickBooks knows (an ISO 4217 code); a custom m3ter currency cannot be invoiced`,
    };
  }
  const clash = currencyClash(currency, input.currency);
  if (clash) return { kind: 'invalid', code: 'CURRENCY_MISMATCH', message: clash };

  const selection = selectLines(bill, settings);
  if (!selection.ok) return { kind: 'invalid', code: selection.code, message: selection.message };
  const selected = selection.lines;
  if (selected.length === 0) {
    return {
      kind: 'skip',
      reason: `no lines: none of the bill's ${bill.lineItems.length} line items is to be sent`,
    };
  }

  // Sum the raw amounts and round once; each line carries its share (largest remainder).
  const amounts = selected.map((s) => s.amount);
  const totalMinor = roundedSum(amounts, currency);
  const warnings: string[] = [];
  for (const { index, line } of selected) {
    if (!isKnownLineItemType(line.lineItemType))
      warnings.push(
        `${lineLabel(index, line)} has the line type ${line.lineItemType}, new to this version: sent as a plain line`,
      );
  }
  const ctx = { currency, settings, items: input.items, names: input.names ?? {}, warnings };
  const drafts = buildDraftLines(selected, roundPreservingTotal(amounts, currency, totalMinor), ctx);

  for (const draft of drafts.filter((d) => d.itemId === null)) {
    warnings.push(`${draft.label} has no QuickBooks item mapping; it is sent without ItemRef`);
  }

  const type = totalMinor < 0 ? 'CreditMemo' : 'Invoice';
  const signed = type === 'CreditMemo' ? drafts.map(flipped) : drafts;
  const ordered = sortLines(signed, settings.sortLineItemsBy);
  const Line = ordered.map((draft) => renderLine(draft, currency));

  const broken = invariantBreak(Line, Math.abs(totalMinor), currency);
  if (broken) return { kind: 'invalid', ...broken };

  const header = buildHeader(input, warnings);
  const document: QboDocument =
    type === 'Invoice'
      ? { type, payload: { ...header, ...invoiceFields(bill, settings), Line } }
      : { type, payload: { ...header, Line } };
  return {
    kind: 'document',
    ...document,
    totalMinor: Math.abs(totalMinor),
    currency,
    lineCount: Line.length,
    warnings,
  };
}

function flipped(draft: DraftLine): DraftLine {
  return { ...draft, amountMinor: draft.amountMinor === 0 ? 0 : -draft.amountMinor };
}

/** Checks the rendered JSON itself: every Amount sendable and the Amounts adding up to the bill total. */
function invariantBreak(
  lines: readonly QboSalesItemLine[],
  expectedMinor: number,
  currency: string,
): { code: 'AMOUNT_OUT_OF_RANGE' | 'TOTAL_MISMATCH'; message: string } | null {
  const outOfRange = lines.find((line) => !isSendableAmount(line.Amount));
  if (outOfRange) {
    return {
      code: 'AMOUNT_OUT_OF_RANGE',
      message: `A document line amount is beyond what QuickBooks takes: ${outOfRange.Amount}`,
    };
  }
  const actual = lines.reduce((sum, line) => sum + toMinor(line.Amount, currency), 0);
  if (actual === expectedMinor) return null;
  return {
    code: 'TOTAL_MISMATCH',
    message: `The document lines add up to ${actual} minor units of ${currency}, the bill's included lines to ${expectedMinor}; not sent`,
  };
}
