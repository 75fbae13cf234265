import assert from 'node:assert/strict';
import { billSyncWorkflowId, contentHash, documentMarker, quickBooksRequestId } from '../../src/domain/ids';

describe('durable identifiers', () => {
  it('makes the workflow id from the business key', () => {
    assert.equal(billSyncWorkflowId('int-1', 'bill-9'), 'bill-sync/int-1/bill-9');
  });

  it('makes QuickBooks request ids that are stable, distinct per generation and at most 50 chars', () => {
    const a = quickBooksRequestId('int-1', 'bill-9', 'create', 1);
    assert.equal(a, quickBooksRequestId('int-1', 'bill-9', 'create', 1));
    assert.notEqual(a, quickBooksRequestId('int-1', 'bill-9', 'create', 2));
    assert.notEqual(a, quickBooksRequestId('int-2', 'bill-9', 'create', 1));
    assert.ok(a.length <= 50, a);
  });

  it('puts the bill id in the document marker', () => {
    assert.equal(documentMarker('b-1'), '[m3ter-bill:b-1]');
  });

  it('hashes content independently of key order', () => {
    assert.equal(
      contentHash({ a: 1, b: [1, { c: 2, d: 3 }] }),
      contentHash({ b: [1, { d: 3, c: 2 }], a: 1 }),
    );
    assert.notEqual(contentHash({ a: 1 }), contentHash({ a: 2 }));
  });
});
