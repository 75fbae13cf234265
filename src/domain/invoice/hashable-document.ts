import type { QboDocument } from './qbo-document';
import type { BuiltDocument } from './types';

/**
 * What to hash to know whether a document changed (spec §5.5 "same payload hash → no QBO call"): the
 * document type and its payload, nothing else (warnings and totals are derived). The payload is already
 * canonical — absent values are left out, never null — so a key-sorting hash of this is stable.
 */
export function hashableDocument(document: QboDocument | BuiltDocument): QboDocument {
  return document.type === 'Invoice'
    ? { type: document.type, payload: document.payload }
    : { type: document.type, payload: document.payload };
}
